"""Tiers in the admin: region scoping, pin, approve/decline actions, recalculation, what-if, configuration."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import Tier
from prm.common.models import AuditEvent
from tests.factories import PartnerFactory

from .tier_helpers import (  # noqa: F401 - the *_fixture names register fixtures
    GOLD_FACTS,
    SILVER_FACTS,
    TODAY,
    facts_fixture,
    history_of,
    place,
    program_fixture,
    state_of,
    tiers_fixture,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "admin:partners_partnertier_changelist"


def test_manager_sees_only_partner_tiers_of_their_regions(client, manager_a, partner_a, partner_b, tiers):
    place(partner_a, tiers["gold"])
    other = place(partner_b, tiers["silver"])
    client.force_login(manager_a)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert partner_a.name in html and partner_b.name not in html
    assert client.get(reverse("admin:partners_partnertier_pin", args=[other.pk])).status_code == 404
    assert client.get(reverse("admin:partners_partnertier_change", args=[other.pk])).status_code in (302, 404)


def test_changelist_query_count_is_constant(client, operator, region_a, tiers, django_assert_max_num_queries):
    client.force_login(operator)
    place(PartnerFactory(region=region_a), tiers["gold"])
    client.get(reverse(CHANGELIST))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse(CHANGELIST))
    for _ in range(15):
        place(PartnerFactory(region=region_a), tiers["silver"], pending_tier=tiers["gold"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(CHANGELIST)).status_code == 200


def test_manager_pins_a_tier_through_the_form(client, manager_a, partner_a, tiers):
    state = place(partner_a, tiers["silver"])
    client.force_login(manager_a)
    url = reverse("admin:partners_partnertier_pin", args=[state.pk])
    assert client.get(url).status_code == 200
    until = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = client.post(url, {"tier": tiers["gold"].pk, "until": until, "reason": ""})
    assert response.status_code == 200 and state_of(partner_a).pinned_tier is None  # reason required
    response = client.post(url, {"tier": tiers["gold"].pk, "until": until, "reason": "Key account"})
    assert response.status_code == 302
    state = state_of(partner_a)
    assert state.tier == tiers["gold"] and state.pinned_reason == "Key account" and state.pinned_by == manager_a
    response = client.post(reverse("admin:partners_partnertier_unpin", args=[state.pk]), {"reason": "Done"})
    assert response.status_code == 302 and state_of(partner_a).pinned_tier is None


def test_executive_reads_but_cannot_pin(client, executive_a, partner_a, tiers):
    state = place(partner_a, tiers["silver"])
    client.force_login(executive_a)
    assert client.get(reverse(CHANGELIST)).status_code == 200
    assert client.get(reverse("admin:partners_partnertier_pin", args=[state.pk])).status_code == 403


def test_approve_and_decline_actions(client, manager_a, partner_a, region_a, tiers):
    one = place(partner_a, tiers["silver"], pending_tier=tiers["gold"], pending_since=TODAY)
    other_partner = PartnerFactory(region=region_a)
    two = place(other_partner, tiers["silver"], pending_tier=tiers["gold"], pending_since=TODAY)
    client.force_login(manager_a)
    response = client.post(reverse(CHANGELIST), {"action": "approve_promotions", "_selected_action": [one.pk]})
    assert response.status_code == 302
    assert state_of(partner_a).tier == tiers["gold"]
    response = client.post(reverse(CHANGELIST), {"action": "decline_promotions", "_selected_action": [two.pk]})
    assert response.status_code == 302 and "decline" in response["Location"]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert client.post(response["Location"], {"reason": "Needs a reference customer first"}).status_code == 302
    state = state_of(other_partner)
    assert state.pending_tier is None and state.declined_tier == tiers["gold"]
    assert history_of(other_partner)[-1].note == "Needs a reference customer first"


def test_recalculate_action(client, manager_a, partner_a, tiers, facts):
    state = place(partner_a, tiers["silver"], since=TODAY)
    facts[partner_a.pk] = dict(GOLD_FACTS)
    client.force_login(manager_a)
    response = client.post(reverse(CHANGELIST), {"action": "recalculate", "_selected_action": [state.pk]})
    assert response.status_code == 302
    assert state_of(partner_a).tier == tiers["gold"]
    assert AuditEvent.objects.filter(action="partners.tier.recalculated").count() == 1


def test_tier_configuration_is_operators_only(client, manager_a, operator, program):
    client.force_login(manager_a)
    assert client.get(reverse("admin:partners_tierprogram_changelist")).status_code == 403
    client.force_login(operator)
    assert client.get(reverse("admin:partners_tierprogram_changelist")).status_code == 200
    tier = program[1]["silver"]
    response = client.get(reverse("admin:partners_tier_change", args=[tier.pk]))
    assert response.status_code == 200 and 'name="name_de"' in response.content.decode()


def test_operator_saves_a_tier_name_per_language(client, operator, program):
    tier = program[1]["silver"]
    client.force_login(operator)
    url = reverse("admin:partners_tier_change", args=[tier.pk])
    data = {
        "program": tier.program_id, "rank": 1, "code": "silver", "name": "Silver", "name_de": "Silber",
        "name_fr": "Argent", "name_es": "", "name_ja": "シルバー",
        "min_won_revenue": "100000", "min_active_certifications": 2, "min_won_deals": 3, "min_health_score": 40,
        "deal_protection_days": 120, "mdf_allocation_per_quarter": "", "mdf_accrual_percent": "",
        "discount_percent": "5", "priority_review": "",
        "overrides-TOTAL_FORMS": 0, "overrides-INITIAL_FORMS": 0, "overrides-MIN_NUM_FORMS": 0,
        "overrides-MAX_NUM_FORMS": 1000,
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    tier.refresh_from_db()
    assert tier.translations == {"de": "Silber", "fr": "Argent", "ja": "シルバー"}
    assert tier.display_name("fr") == "Argent" and tier.display_name("es") == "Silver"


def test_whatif_previews_moves_per_region_then_saves(client, operator, region_a, region_b, program, facts):
    prog, tiers_ = program
    emea = [PartnerFactory(region=region_a) for _ in range(3)]
    apac = [PartnerFactory(region=region_b, country="JP") for _ in range(2)]
    for partner in emea + apac:
        place(partner, tiers_["silver"])
        facts[partner.pk] = dict(SILVER_FACTS)  # 150k revenue
    client.force_login(operator)
    url = reverse("admin:partners_tierprogram_whatif", args=[prog.pk])
    assert client.get(url).status_code == 200
    data = {f"t{t.pk}_{name}": getattr(t, name) for t in tiers_.values()
            for name in ("min_won_revenue", "min_active_certifications", "min_won_deals", "min_health_score")}
    data[f"t{tiers_['silver'].pk}_min_won_revenue"] = "200000"  # Silver now needs more than they have
    response = client.post(url, {**data, "preview": "1"})
    assert response.status_code == 200
    result = response.context["result"]
    by_region = {row.region: row for row in result.regions}
    assert by_region["EMEA"].partners == 3 and by_region["EMEA"].down_edited == 3 and by_region["EMEA"].down_saved == 0
    assert by_region["APAC"].down_edited == 2
    assert result.total.up_edited == 0
    tiers_["silver"].refresh_from_db()
    assert tiers_["silver"].min_won_revenue == 100000  # a preview saves nothing
    response = client.post(url, {**data, "save": "1"})
    assert response.status_code == 302
    tiers_["silver"].refresh_from_db()
    assert tiers_["silver"].min_won_revenue == 200000
    assert AuditEvent.objects.filter(action="partners.tier.thresholds_updated").count() == 1


def test_whatif_refuses_a_ladder_that_goes_down(client, operator, program):
    prog, tiers_ = program
    client.force_login(operator)
    url = reverse("admin:partners_tierprogram_whatif", args=[prog.pk])
    data = {f"t{t.pk}_{name}": getattr(t, name) for t in tiers_.values()
            for name in ("min_won_revenue", "min_active_certifications", "min_won_deals", "min_health_score")}
    data[f"t{tiers_['gold'].pk}_min_active_certifications"] = 1  # below Silver's 2
    response = client.post(url, {**data, "save": "1"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert Tier.objects.get(pk=tiers_["gold"].pk).min_active_certifications == 5


def test_recalculate_everything_queues_the_fan_out(client, operator, program, monkeypatch, django_capture_on_commit_callbacks):
    from partners.tiers import tasks

    queued = []
    monkeypatch.setattr(tasks.tiers_recalculate_all, "delay", lambda **kw: queued.append(kw))
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:partners_tierprogram_recalculate"))
    assert response.status_code == 302 and queued == [{}]
    assert AuditEvent.objects.filter(action="partners.tier.recalculation_queued").exists()


def test_a_state_page_is_read_only(client, manager_a, partner_a, tiers):
    state = place(partner_a, tiers["silver"])
    client.force_login(manager_a)
    url = reverse("admin:partners_partnertier_change", args=[state.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert "Pin a tier" in page.content.decode()
    assert client.post(url, {}).status_code == 403
