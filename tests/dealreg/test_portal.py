"""The portal pages of deal registration: list (filters, search, pages, constant queries), register and edit
forms (drafts, double clicks, instant conflict hint), detail with timeline, withdraw, extension, the rules page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealreg.models import Deal, ExtensionRequest
from partners.models import Membership
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

from .registration_helpers import approved, days_from_today, draft, product, submitted

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    data = {
        "customer_name": "Pied Piper Inc.", "customer_domain": "piedpiper.com", "customer_contact_email": "",
        "customer_country": "US", "products": [product("core").pk], "value": "120000", "currency": "USD",
        "expected_close_date": (timezone.localdate() + timedelta(days=45)).isoformat(), "stage": "proposal",
        "description": "Compression platform", "private_notes": "", "idempotency_key": "form-1", "action": "draft",
    }
    data.update(overrides)
    return data


def deals_of(partner):
    with partner_scope(partner):
        return list(Deal.objects.filter(partner=partner).order_by("id"))


# --- list ----------------------------------------------------------------------------------------------------


def test_list_shows_only_own_registrations_with_filters_and_search(client, admin_a, partner_a, partner_b):
    mine = submitted(partner_a, customer_name="Aviato Ltd", customer_domain="aviato.com")
    my_draft = draft(partner_a, customer_name="Bachmanity", customer_domain="bachmanity.com", stage="commit")
    theirs = submitted(partner_b, customer_name="Hooli XYZ", customer_domain="hooli-xyz.com")
    client.force_login(admin_a)
    html = client.get(reverse("dealreg:deal_list")).content.decode()
    assert mine.reference in html and my_draft.reference in html and "Aviato" in html
    assert "Hooli" not in html  # another partner's registration, even with the same reference number
    assert theirs.reference == mine.reference.replace("000001", "000001")
    filtered = client.get(reverse("dealreg:deal_list"), {"status": "draft"}).content.decode()
    assert "Bachmanity" in filtered and "Aviato" not in filtered
    by_stage = client.get(reverse("dealreg:deal_list"), {"stage": "commit"}).content.decode()
    assert "Bachmanity" in by_stage and "Aviato" not in by_stage
    for query in ("aviato", "aviato.com", mine.reference):
        found = client.get(reverse("dealreg:deal_list"), {"q": query}).content.decode()
        assert "Aviato" in found and "Bachmanity" not in found, query


def test_list_pages_by_25_with_a_constant_query_count(client, admin_a, partner_a):
    client.force_login(admin_a)
    url = reverse("dealreg:deal_list")
    draft(partner_a)
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(29):
        draft(partner_a)
    with CaptureQueriesContext(connection) as thirty:
        first = client.get(url).content.decode()
    assert len(thirty) == len(one), [q["sql"] for q in thirty.captured_queries]
    assert first.count('class="deal-row"') == 25
    assert "page=2" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('class="deal-row"') == 5


# --- register and edit ---------------------------------------------------------------------------------------


def test_form_offers_localized_countries_and_a_fresh_idempotency_key(client, admin_a):
    admin_a.preferred_language = "de"
    admin_a.save()
    client.force_login(admin_a)
    html = client.get(reverse("dealreg:deal_create")).content.decode()
    assert '<option value="DE">Deutschland</option>' in html
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', html)
    assert 'hx-post="/portal/deals/hint/"' in html


def test_save_a_draft_then_submit(client, admin_a, partner_a):
    client.force_login(admin_a)
    response = client.post(reverse("dealreg:deal_create"), form_data(action="draft", value=""))
    (deal,) = deals_of(partner_a)
    assert response.status_code == 302 and response["Location"] == deal.get_absolute_url()
    assert deal.status == Deal.Status.DRAFT and deal.value is None
    response = client.post(reverse("dealreg:deal_submit", args=[deal.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("dealreg:deal_edit", args=[deal.pk])
    assert deals_of(partner_a)[0].status == Deal.Status.DRAFT  # the value is missing
    client.post(reverse("dealreg:deal_edit", args=[deal.pk]), form_data(action="submit"))
    (deal,) = deals_of(partner_a)
    assert deal.status == Deal.Status.SUBMITTED and deal.value == Decimal("120000")
    assert deal.customer_domain == "piedpiper.com" and deal.currency == "USD"


def test_invalid_submission_shows_errors_and_saves_nothing(client, admin_a, partner_a):
    client.force_login(admin_a)
    response = client.post(reverse("dealreg:deal_create"), form_data(
        action="submit", customer_domain="", customer_contact_email="ceo@gmail.com", products=[],
        expected_close_date=(timezone.localdate() - timedelta(days=1)).isoformat()))
    assert response.status_code == 200
    html = response.content.decode()
    assert "free mail addresses do not identify a company" in html
    assert "must be in the future" in html and "Choose at least one product." in html
    assert deals_of(partner_a) == []


def test_double_click_creates_one_registration(client, admin_a, partner_a):
    client.force_login(admin_a)
    first = client.post(reverse("dealreg:deal_create"), form_data(action="submit", idempotency_key="abc123"))
    second = client.post(reverse("dealreg:deal_create"), form_data(action="submit", idempotency_key="abc123"))
    (deal,) = deals_of(partner_a)
    assert first["Location"] == second["Location"] == deal.get_absolute_url()
    assert deal.status == Deal.Status.SUBMITTED


def test_registering_needs_the_capability_reading_does_not(client, partner_a):
    reader = make_member(partner=partner_a, role=Membership.Role.USER, can_register_deals=False).user
    deal = submitted(partner_a)
    client.force_login(reader)
    assert client.get(reverse("dealreg:deal_list")).status_code == 200
    assert client.get(deal.get_absolute_url()).status_code == 200
    assert client.get(reverse("dealreg:deal_create")).status_code == 403
    assert client.post(reverse("dealreg:deal_create"), form_data()).status_code == 403
    assert client.get(reverse("dealreg:deal_edit", args=[deal.pk])).status_code == 403
    assert client.post(reverse("dealreg:deal_withdraw", args=[deal.pk])).status_code == 403
    assert client.post(reverse("dealreg:conflict_hint"), {"customer_name": "x"}).status_code == 403
    assert "Register a deal" not in client.get(reverse("dealreg:deal_list")).content.decode()


def test_editing_an_approved_registration_warns_and_sends_material_changes_back(client, admin_a, partner_a):
    deal = approved(partner_a, value=Decimal("10000"))
    client.force_login(admin_a)
    page = client.get(reverse("dealreg:deal_edit", args=[deal.pk])).content.decode()
    assert "sends it back for approval" in page
    data = form_data(customer_name=deal.customer_name, customer_domain=deal.customer_domain, value="20000",
                     currency=deal.currency, customer_country=deal.customer_country, action="save")
    client.post(reverse("dealreg:deal_edit", args=[deal.pk]), data)
    with partner_scope(partner_a):
        deal.refresh_from_db()
    assert deal.status == Deal.Status.SUBMITTED


# --- the instant hint ----------------------------------------------------------------------------------------


def test_conflict_hint_never_names_the_other_registration(client, admin_a, admin_b, partner_a, partner_b):
    theirs = submitted(partner_b, customer_name="Raviga Capital", customer_domain="raviga.com",
                       value=Decimal("987654"))
    client.force_login(admin_a)
    url = reverse("dealreg:conflict_hint")
    hit = client.post(url, {"customer_name": "Raviga Capital Management", "customer_domain": "raviga.com"},
                      HTTP_HX_REQUEST="true")
    html = hit.content.decode()
    assert hit.status_code == 200 and "A possible conflict exists" in html
    for secret in (partner_b.name, theirs.reference, "987", theirs.registered_by.email, "Raviga"):
        assert secret not in html
    miss = client.post(url, {"customer_name": "Completely Unrelated Name", "customer_domain": "nothing-here.com"})
    assert "conflict" not in miss.content.decode()
    # another partner's registration id is ignored, never a way in
    client.post(url, {"customer_name": "x", "deal_id": str(theirs.pk)})


def test_conflict_hint_is_capped_per_person(client, admin_a, partner_b, monkeypatch):
    from django.core.cache import cache

    from dealreg.views import portal

    cache.clear()  # the counter lives in the cache, which outlives a test's database
    submitted(partner_b, customer_name="Endframe", customer_domain="endframe.com")
    monkeypatch.setattr(portal, "HINT_LIMIT_PER_HOUR", 2)
    client.force_login(admin_a)
    url = reverse("dealreg:conflict_hint")
    answers = [client.post(url, {"customer_domain": "endframe.com"}).content.decode() for _ in range(3)]
    assert ["possible conflict" in a for a in answers] == [True, True, False]


# --- detail, withdraw, extension -----------------------------------------------------------------------------


def test_detail_shows_the_timeline_and_the_conflict_notice(client, admin_a, partner_a, partner_b, manager_a):
    submitted(partner_b, customer_name="Nucleus Inc", customer_domain="nucleus.com")
    deal = submitted(partner_a, customer_name="Nucleus", customer_domain="nucleus.com", private_notes="Ours only")
    client.force_login(admin_a)
    html = client.get(deal.get_absolute_url()).content.decode()
    assert "Submitted for approval" in html and "Created as a draft" in html
    assert "A possible conflict exists" in html and partner_b.name not in html
    assert "Ours only" in html


def test_withdraw_from_the_detail_page(client, admin_a, partner_a):
    deal = submitted(partner_a)
    client.force_login(admin_a)
    response = client.post(reverse("dealreg:deal_withdraw", args=[deal.pk]), {"reason": "Lost interest"})
    assert response.status_code == 302
    with partner_scope(partner_a):
        deal.refresh_from_db()
    assert deal.status == Deal.Status.WITHDRAWN


def test_extension_request_form(client, admin_a, partner_a):
    deal = approved(partner_a)
    client.force_login(admin_a)
    url = reverse("dealreg:extension_request", args=[deal.pk])
    assert "can be requested in the last" in client.get(url).content.decode()  # 90 days left: too early
    with partner_scope(partner_a):
        Deal.objects.filter(pk=deal.pk).update(protected_until=days_from_today(10))
    detail = client.get(deal.get_absolute_url()).content.decode()
    assert url in detail
    assert client.post(url, {"reason": "The customer delayed the decision by a month."}).status_code == 302
    with partner_scope(partner_a):
        assert ExtensionRequest.objects.filter(deal=deal, status="pending").count() == 1


# --- rules of engagement -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_rules_page_in_every_language_with_the_configured_numbers(client, admin_a, language, settings):
    from .registration_helpers import set_policy

    settings.DEALREG_SLA_BUSINESS_HOURS = 16
    settings.DEALREG_MATERIAL_CHANGE_PERCENT = 15
    set_policy(extension_days=21, max_extensions=3, extension_window_days=25)
    admin_a.preferred_language = language
    admin_a.save()
    client.force_login(admin_a)
    response = client.get(reverse("dealreg:rules"))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{language}"' in html
    for number in ("90", "16", "15", "21", "25", "3"):
        assert re.search(rf"\b{number}\b", html), number


def test_rules_page_lists_protection_by_tier_of_the_partners_program(client, admin_a, partner_a):
    from partners.models import Tier, TierProgram

    program = TierProgram.objects.create(code="resale", name="Resale", partner_types=[partner_a.partner_type])
    Tier.objects.create(program=program, code="silver", rank=2, name="Silver", deal_protection_days=120,
                        translations={"de": "Silber"})
    Tier.objects.create(program=program, code="registered", rank=1, name="Registered", deal_protection_days=60)
    other = TierProgram.objects.create(code="referral", name="Referral", partner_types=["referral"])
    Tier.objects.create(program=other, code="scout", rank=1, name="Scout", deal_protection_days=33)
    admin_a.preferred_language = "de"
    admin_a.save()
    client.force_login(admin_a)
    html = client.get(reverse("dealreg:rules")).content.decode()
    rows = re.findall(r"<tr><td>([^<]+)</td><td class=\"num\">(\d+)</td></tr>", html)
    assert rows == [("Registered", "60"), ("Silber", "120")]
    assert "Scout" not in html
