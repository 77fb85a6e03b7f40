"""Outcomes: won at the close date's rate (stored with the rate), lost with a reason, nothing half-saved."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dealreg.models import Deal
from dealreg.services.outcomes import OutcomeError, deal_close_lost, deal_close_won
from partners.models import PartnerOrganization
from prm.common.fx import FxRateMissingError
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope

from .engine_helpers import make_deal, make_rate

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def base_eur(settings):
    settings.BASE_CURRENCY = "EUR"


def reload(deal) -> Deal:
    with partner_scope(deal.partner_id):
        return Deal.objects.get(pk=deal.pk)


def test_won_is_converted_at_the_close_dates_rate_and_the_rate_is_stored(partner_a, user_a):
    deal = make_deal(partner=partner_a, status=Deal.Status.APPROVED, currency="USD")
    closed_on = TODAY - timedelta(days=10)
    make_rate(closed_on - timedelta(days=3), "USD", "EUR", "0.9")
    make_rate(closed_on, "USD", "EUR", "0.8")
    make_rate(TODAY, "USD", "EUR", "0.5")  # today's rate is not the close date's
    with partner_scope(partner_a):
        deal_close_won(deal=deal, amount="12500.50", currency="usd", closed_on=closed_on, actor=user_a)
    deal = reload(deal)
    assert deal.status == Deal.Status.WON and deal.closed_at == closed_on
    assert (deal.won_amount, deal.won_currency) == (Decimal("12500.50"), "USD")
    assert deal.fx_rate == Decimal("0.80000000") and deal.won_amount_base == Decimal("10000.40")
    event = AuditEvent.objects.get(action="dealreg.deal.won")
    assert event.partner_id == partner_a.pk and event.data["fx_rate"] == "0.80000000"


def test_won_in_the_base_currency_needs_no_rate(partner_a, user_a):
    deal = make_deal(partner=partner_a, status=Deal.Status.APPROVED)
    with partner_scope(partner_a):
        deal_close_won(deal=deal, amount=Decimal("999.99"), currency="EUR", closed_on=TODAY, actor=user_a)
    deal = reload(deal)
    assert deal.won_amount_base == Decimal("999.99") and deal.fx_rate == Decimal("1")


def test_missing_rate_saves_nothing(partner_a, user_a):
    deal = make_deal(partner=partner_a, status=Deal.Status.APPROVED)
    make_rate(TODAY - timedelta(days=60), "JPY", "EUR", "0.006")  # too old
    with partner_scope(partner_a), pytest.raises(FxRateMissingError):
        deal_close_won(deal=deal, amount="1000000", currency="JPY", closed_on=TODAY, actor=user_a)
    deal = reload(deal)
    assert deal.status == Deal.Status.APPROVED and deal.won_amount is None and deal.closed_at is None
    assert not AuditEvent.objects.filter(action="dealreg.deal.won").exists()


@pytest.mark.parametrize(
    ("amount", "currency", "closed_on"),
    [("0", "EUR", TODAY), ("-5", "EUR", TODAY), ("abc", "EUR", TODAY), ("10", "XXX", TODAY),
     ("10", "EUR", TODAY + timedelta(days=1))],
)
def test_bad_won_input_is_refused(partner_a, user_a, amount, currency, closed_on):
    deal = make_deal(partner=partner_a, status=Deal.Status.APPROVED)
    with partner_scope(partner_a), pytest.raises(OutcomeError):
        deal_close_won(deal=deal, amount=amount, currency=currency, closed_on=closed_on, actor=user_a)
    assert reload(deal).status == Deal.Status.APPROVED


def test_partners_close_approved_registrations_and_staff_also_waiting_ones(partner_a, user_a, manager_a):
    waiting = make_deal(partner=partner_a, status=Deal.Status.SUBMITTED)
    with partner_scope(partner_a), pytest.raises(ValidationError):
        deal_close_lost(deal=waiting, reason="Budget cut", closed_on=TODAY, actor=user_a)
    with partner_scope(partner_a):
        deal_close_lost(deal=waiting, reason="Budget cut", closed_on=TODAY, actor=manager_a)
    waiting = reload(waiting)
    assert waiting.status == Deal.Status.LOST and waiting.lost_reason == "Budget cut"
    rejected = make_deal(partner=partner_a, status=Deal.Status.REJECTED)
    with partner_scope(partner_a), pytest.raises(ValidationError):
        deal_close_won(deal=rejected, amount="10", currency="EUR", closed_on=TODAY, actor=manager_a)


def test_lost_needs_a_reason(partner_a, user_a):
    deal = make_deal(partner=partner_a, status=Deal.Status.APPROVED)
    with partner_scope(partner_a), pytest.raises(OutcomeError):
        deal_close_lost(deal=deal, reason="  ", closed_on=TODAY, actor=user_a)
    assert reload(deal).status == Deal.Status.APPROVED


def test_first_win_is_recorded_for_time_to_first_value(partner_a, user_a):
    if not hasattr(PartnerOrganization, "first_deal_won_at"):
        pytest.skip("partners does not track time to first value")
    first, second = (make_deal(partner=partner_a, status=Deal.Status.APPROVED) for _ in range(2))
    with partner_scope(partner_a):
        deal_close_won(deal=first, amount="10", currency="EUR", closed_on=TODAY - timedelta(days=200), actor=user_a)
        deal_close_won(deal=second, amount="10", currency="EUR", closed_on=TODAY, actor=user_a)
    partner_a.refresh_from_db()
    assert partner_a.first_deal_won_at.date() == TODAY - timedelta(days=200)


# --- the pages --------------------------------------------------------------------------------------------

def test_partner_closes_as_won_in_the_portal(client, partner_a, admin_a):
    from django.urls import reverse

    deal = make_deal(partner=partner_a, status=Deal.Status.APPROVED, currency="USD")
    make_rate(TODAY - timedelta(days=2), "USD", "EUR", "0.9")
    client.force_login(admin_a)
    url = reverse("dealreg:deal_close_won", kwargs={"pk": deal.pk})
    assert client.get(url).status_code == 200
    bad = client.post(url, {"outcome": "won", "closed_on": TODAY.isoformat(), "amount": "", "currency": "USD"})
    assert bad.status_code == 400 and reload(deal).status == Deal.Status.APPROVED
    response = client.post(url, {"outcome": "won", "closed_on": TODAY.isoformat(), "amount": "200", "currency": "USD"})
    assert response.status_code == 302
    deal = reload(deal)
    assert (deal.status, deal.won_amount_base, deal.fx_rate) == ("won", Decimal("180.00"), Decimal("0.90000000"))


def test_missing_rate_is_shown_on_the_form(client, partner_a, admin_a):
    from django.urls import reverse

    deal = make_deal(partner=partner_a, status=Deal.Status.APPROVED)
    client.force_login(admin_a)
    response = client.post(reverse("dealreg:deal_close_won", kwargs={"pk": deal.pk}),
                           {"outcome": "won", "closed_on": TODAY.isoformat(), "amount": "5", "currency": "SEK"})
    assert response.status_code == 400 and "No exchange rate from SEK to EUR" in response.content.decode()
    assert reload(deal).status == Deal.Status.APPROVED


def test_lost_in_the_portal_needs_a_reason(client, partner_a, admin_a):
    from django.urls import reverse

    deal = make_deal(partner=partner_a, status=Deal.Status.APPROVED)
    client.force_login(admin_a)
    url = reverse("dealreg:deal_close_won", kwargs={"pk": deal.pk})
    assert client.post(url, {"outcome": "lost", "closed_on": TODAY.isoformat()}).status_code == 400
    assert client.post(url, {"outcome": "lost", "closed_on": TODAY.isoformat(),
                             "lost_reason": "Went with a competitor"}).status_code == 302
    assert reload(deal).lost_reason == "Went with a competitor"


def test_outcome_page_of_another_partners_deal_is_404(client, partner_b, admin_a):
    from django.urls import reverse

    theirs = make_deal(partner=partner_b, status=Deal.Status.APPROVED)
    client.force_login(admin_a)
    assert client.get(reverse("dealreg:deal_close_won", kwargs={"pk": theirs.pk})).status_code == 404


def test_manager_closes_in_the_admin(rf, partner_a, manager_a):
    """OutcomeAdminMixin's page, on a ModelAdmin of its own (the deal admin mixes it in the same way)."""
    from django.contrib import admin as django_admin
    from django.contrib.messages.storage.fallback import FallbackStorage

    from dealreg.admin.outcomes import OutcomeAdminMixin
    from prm.tenancy.scoping import partners_scope

    class DealOutcomeAdmin(OutcomeAdminMixin, django_admin.ModelAdmin):
        pass

    model_admin = DealOutcomeAdmin(Deal, django_admin.site)
    assert any(p.name == "dealreg_deal_outcome" for p in model_admin.get_urls())
    deal = make_deal(partner=partner_a, status=Deal.Status.SUBMITTED)
    data = {"outcome": "lost", "closed_on": TODAY.isoformat(), "lost_reason": "Customer froze budget"}
    request = rf.post("/admin/dealreg/deal/1/outcome/", data)
    request.user, request.session = manager_a, {}
    request._messages = FallbackStorage(request)
    with partners_scope([partner_a.pk]):
        response = model_admin.outcome_view(request, deal.pk)
    assert response.status_code == 302
    assert reload(deal).status == Deal.Status.LOST  # a waiting registration: staff may close it, partners may not
