"""What-if per region: an operator edits one region's exceptions, previews how many of its partners would move
up or down (country exceptions still on top), then saves them as the region's exceptions."""

from decimal import Decimal

import pytest
from django.urls import reverse

from partners.models import TierThresholdOverride
from partners.tiers.config import TierConfig
from partners.tiers.whatif import tier_whatif
from prm.common.models import AuditEvent
from prm.tenancy.scoping import unscoped
from tests.factories import PartnerFactory

from .tier_helpers import (  # noqa: F401 - the *_fixture names register fixtures
    SILVER_FACTS,
    TODAY,
    facts_fixture,
    place,
    program_fixture,
    recalc,
    state_of,
    tiers_fixture,
)

pytestmark = pytest.mark.django_db
FIELDS = ("min_won_revenue", "min_active_certifications", "min_won_deals", "min_health_score")


def blank_form(tiers_) -> dict:
    return {f"t{t.pk}_{name}": "" for t in tiers_.values() for name in FIELDS}


@pytest.fixture
def silver_everywhere(region_a, region_b, program, facts):
    _prog, tiers_ = program
    emea = [PartnerFactory(region=region_a, country="FR") for _ in range(3)]
    apac = [PartnerFactory(region=region_b, country="JP") for _ in range(2)]
    for partner in emea + apac:
        place(partner, tiers_["silver"])
        facts[partner.pk] = dict(SILVER_FACTS)  # 150k revenue, 3 certifications, 4 deals, health 50
    return emea, apac


def test_edited_region_exceptions_replace_the_saved_ones_and_empty_fields_inherit(region_a, program):
    _prog, tiers_ = program
    silver = tiers_["silver"]
    TierThresholdOverride.objects.create(tier=silver, region=region_a, min_won_revenue=Decimal("50000"),
                                         min_won_deals=1)
    saved = TierConfig.load()
    assert saved.thresholds(silver, region_a.pk, "FR") == (Decimal("50000"), 2, 1, 40)
    edited = TierConfig.load(region_override_edits={(silver.pk, region_a.pk): {
        "min_won_revenue": Decimal("80000"), "min_active_certifications": None, "min_won_deals": None,
        "min_health_score": 30}})
    assert edited.thresholds(silver, region_a.pk, "FR") == (Decimal("80000"), 2, 3, 30)  # deals back to global
    assert edited.thresholds(silver, None, "FR") == (Decimal("100000"), 2, 3, 40)  # other places untouched


def test_preview_of_a_regions_exceptions_counts_only_its_partners(client, operator, region_a, program,
                                                                 silver_everywhere):
    prog, tiers_ = program
    client.force_login(operator)
    url = reverse("admin:partners_tierprogram_whatif", args=[prog.pk]) + f"?region={region_a.pk}"
    page = client.get(url)
    assert page.status_code == 200 and page.context["region"] == region_a
    assert page.context["form"].fields[f"t{tiers_['silver'].pk}_min_won_revenue"].widget.attrs["placeholder"] == "100000.00"

    data = {**blank_form(tiers_), f"t{tiers_['silver'].pk}_min_won_revenue": "200000", "preview": "1"}
    response = client.post(url, data)
    assert response.status_code == 200
    result = response.context["result"]
    assert [(r.region, r.partners, r.down_saved, r.down_edited, r.up_edited) for r in result.regions] == [
        ("EMEA", 3, 0, 3, 0)]  # APAC is not measured: its thresholds do not change
    assert not TierThresholdOverride.objects.exists()  # a preview saves nothing


def test_lowering_a_regions_bar_shows_promotions(region_a, region_b, program, facts, silver_everywhere):
    prog, tiers_ = program
    emea, _apac = silver_everywhere
    gold_for_young_market = {"min_won_revenue": Decimal("120000"), "min_active_certifications": 3,
                             "min_won_deals": 4, "min_health_score": None}
    with unscoped():
        result = tier_whatif(program=prog, region=region_a, as_of=TODAY,
                             region_override_edits={tiers_["gold"].pk: gold_for_young_market})
    assert (result.total.partners, result.total.up_saved, result.total.up_edited) == (3, 0, 0)  # health 50 < 60
    gold_for_young_market["min_health_score"] = 50
    with unscoped():
        result = tier_whatif(program=prog, region=region_a, as_of=TODAY,
                             region_override_edits={tiers_["gold"].pk: gold_for_young_market})
    assert (result.total.up_saved, result.total.up_edited, result.total.down_edited) == (0, 3, 0)


def test_a_country_exception_still_beats_the_edited_region(region_a, program, facts, silver_everywhere):
    prog, tiers_ = program
    emea, _apac = silver_everywhere
    germany = PartnerFactory(region=region_a, country="DE")
    place(germany, tiers_["silver"])
    facts[germany.pk] = dict(SILVER_FACTS)
    TierThresholdOverride.objects.create(tier=tiers_["silver"], country="DE", min_won_revenue=Decimal("100000"))
    with unscoped():
        result = tier_whatif(program=prog, region=region_a, as_of=TODAY,
                             region_override_edits={tiers_["silver"].pk: {"min_won_revenue": Decimal("200000")}})
    assert (result.total.partners, result.total.down_edited) == (4, 3)  # the German partner keeps Silver


def test_saving_writes_the_regions_exceptions_and_the_engine_uses_them(client, operator, region_a, region_b, program,
                                                                       silver_everywhere):
    prog, tiers_ = program
    emea, apac = silver_everywhere
    gold = TierThresholdOverride.objects.create(tier=tiers_["gold"], region=region_a, min_won_deals=8)
    client.force_login(operator)
    url = reverse("admin:partners_tierprogram_whatif", args=[prog.pk]) + f"?region={region_a.pk}"
    form = client.get(url).context["form"]
    assert form.fields[f"t{tiers_['gold'].pk}_min_won_deals"].initial == 8  # the saved exception is prefilled
    data = {**blank_form(tiers_), f"t{tiers_['silver'].pk}_min_won_revenue": "200000", "save": "1"}
    response = client.post(url, data)
    assert response.status_code == 302 and response.url.endswith(f"?region={region_a.pk}")
    silver = TierThresholdOverride.objects.get(tier=tiers_["silver"], region=region_a)
    assert silver.min_won_revenue == Decimal("200000") and silver.min_won_deals is None
    assert not TierThresholdOverride.objects.filter(pk=gold.pk).exists()  # emptied: the exception is removed
    event = AuditEvent.objects.get(action="partners.tier.region_overrides_updated")
    assert event.data["region"] == "emea" and set(event.data["changes"]) == {"silver", "gold"}
    assert event.data["changes"]["gold"] == {"before": {"min_won_revenue": None, "min_active_certifications": None,
                                                        "min_won_deals": "8", "min_health_score": None}, "after": None}

    recalc(*emea, *apac, on=TODAY)
    assert {state_of(p).grace_until is not None for p in emea} == {True}  # below the new EMEA bar: grace starts
    assert {state_of(p).grace_until is None for p in apac} == {True}


def test_a_region_ladder_that_goes_down_is_refused(client, operator, region_a, program):
    prog, tiers_ = program
    client.force_login(operator)
    url = reverse("admin:partners_tierprogram_whatif", args=[prog.pk]) + f"?region={region_a.pk}"
    data = {**blank_form(tiers_), f"t{tiers_['silver'].pk}_min_won_deals": "50", "save": "1"}  # above Gold's 10
    response = client.post(url, data)
    assert response.status_code == 200 and "EMEA" in str(response.context["form"].non_field_errors())
    assert not TierThresholdOverride.objects.exists()


def test_only_operators_and_known_regions(client, manager_a, operator, region_a, program):
    prog, _tiers = program
    url = reverse("admin:partners_tierprogram_whatif", args=[prog.pk])
    client.force_login(manager_a)
    assert client.get(url + f"?region={region_a.pk}").status_code == 403
    client.force_login(operator)
    assert client.get(url + "?region=999999").status_code == 404


def test_an_edit_of_one_tier_is_checked_against_the_saved_exceptions_of_the_others(region_a, program):
    """An edit that names only Silver is checked against Gold's saved exception in the region, not Gold's global
    threshold: Silver at 80k over Gold's regional 60k would make the region's ladder go down."""
    from partners.services.tiers import TierError, clean_region_override_edits

    prog, tiers_ = program
    silver, gold = tiers_["silver"], tiers_["gold"]
    TierThresholdOverride.objects.create(tier=gold, region=region_a, min_won_revenue=Decimal("60000"))
    only_silver = {silver.pk: {"min_won_revenue": "80000"}}
    with pytest.raises(TierError) as refused:
        clean_region_override_edits(program=prog, region=region_a, edits=only_silver)
    assert refused.value.code == "order"
    # Submitting Gold too (back to its global threshold) makes the same Silver value valid.
    both = {**only_silver, gold.pk: {"min_won_revenue": None}}
    assert clean_region_override_edits(program=prog, region=region_a, edits=both)[silver.pk]["min_won_revenue"] \
        == Decimal("80000")
