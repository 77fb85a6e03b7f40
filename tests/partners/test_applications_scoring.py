"""IPP fit score (0–100, each criterion's contribution stored) and duplicate detection by registrable domain."""

import pytest
from django.core.exceptions import ValidationError

from partners.models import IdealProfileCriterion, PartnerApplication
from partners.services.applications import ApplicationFacts, applications_rescore, ipp_score, region_for_country
from tests.factories import PartnerFactory, RegionFactory

from .application_factories import criterion, standard_profile, submit

pytestmark = pytest.mark.django_db
A = IdealProfileCriterion.Attribute


def facts(**overrides) -> ApplicationFacts:
    values = {"partner_type": "reseller", "country": "DE", "region_code": "emea", "size_band": "51-200",
              "certified_staff": 4, "industries": frozenset({"manufacturing"})}
    values.update(overrides)
    return ApplicationFacts(**values)


def test_score_is_the_share_of_weight_met_with_every_contribution():
    profile = standard_profile()
    score, contributions = ipp_score(facts=facts(), criteria=profile)
    # reseller 40 + certified 30 + emea 10 met; healthcare 20 not met
    assert score == 80
    by_name = {c["name"]: c for c in contributions}
    assert by_name["Resellers"] == {"criterion_id": profile[0].pk, "name": "Resellers", "attribute": "partner_type",
                                    "weight": 40, "matched": True, "points": 40.0}
    assert by_name["Healthcare"]["matched"] is False and by_name["Healthcare"]["points"] == 0.0
    assert sum(c["points"] for c in contributions) == 80


def test_score_bounds_and_each_attribute():
    profile = standard_profile()
    assert ipp_score(facts=facts(industries=frozenset({"healthcare"})), criteria=profile)[0] == 100
    nothing = facts(partner_type="msp", certified_staff=2, industries=frozenset({"retail"}), region_code="apac")
    assert ipp_score(facts=nothing, criteria=profile)[0] == 0
    # the certified-staff minimum is inclusive
    assert ipp_score(facts=facts(certified_staff=3), criteria=[profile[1]])[0] == 100
    assert ipp_score(facts=facts(certified_staff=2), criteria=[profile[1]])[0] == 0
    country = criterion("DACH", A.COUNTRY, ["DE", "AT", "CH"])
    size = criterion("Big", A.SIZE_BAND, ["201-1000", "1000+"])
    assert ipp_score(facts=facts(), criteria=[country])[0] == 100
    assert ipp_score(facts=facts(country="FR"), criteria=[country])[0] == 0
    assert ipp_score(facts=facts(), criteria=[size])[0] == 0
    assert ipp_score(facts=facts(size_band="1000+"), criteria=[size])[0] == 100


def test_uneven_weights_round_to_whole_points():
    a = criterion("a", A.PARTNER_TYPE, ["reseller"], weight=1)
    b = criterion("b", A.PARTNER_TYPE, ["msp"], weight=2)
    score, contributions = ipp_score(facts=facts(), criteria=[a, b])
    assert score == 33 and contributions[0]["points"] == 33.3


def test_no_profile_means_zero_and_inactive_criteria_do_not_count():
    assert ipp_score(facts=facts(), criteria=[]) == (0, [])
    off = criterion("off", A.PARTNER_TYPE, ["msp"], weight=50, is_active=False)
    on = criterion("on", A.PARTNER_TYPE, ["reseller"], weight=10)
    score, contributions = ipp_score(facts=facts(), criteria=[off, on])
    assert score == 100 and [c["name"] for c in contributions] == ["on"]


def test_submitted_application_is_scored_and_its_region_follows_the_country(region_a, region_b):
    standard_profile()
    application = submit(country="FR", industries=["healthcare"])
    assert application.region == region_a
    assert application.score == 100 and len(application.score_contributions) == 4
    japanese = submit(country="JP", partner_type="msp", certified_staff="0", industries=["retail"])
    assert japanese.region == region_b and japanese.score == 0
    nowhere = submit(country="BR")
    assert nowhere.region is None


def test_rescore_takes_the_region_again_from_the_countries(region_a, region_b, operator):
    application = submit(country="SG")
    assert application.region is None
    region_b.countries = [*region_b.countries, "SG"]
    region_b.save()
    applications_rescore(actor=operator)
    application.refresh_from_db()
    assert application.region == region_b


def test_region_for_country_picks_the_region_listing_it(region_a, region_b):
    assert region_for_country("ES") == region_a and region_for_country("AU") == region_b
    assert region_for_country("US") is None


def test_rescore_after_the_profile_changes(region_a, operator):
    application = submit(partner_type="msp")
    assert application.score == 0 and application.score_contributions == []
    criterion("MSPs", A.PARTNER_TYPE, ["msp"], weight=10)
    assert applications_rescore(actor=operator) == 1
    application.refresh_from_db()
    assert application.score == 100 and application.score_contributions[0]["name"] == "MSPs"


@pytest.mark.parametrize(("attribute", "values", "minimum", "field"), [
    (A.PARTNER_TYPE, ["wholesaler"], None, "values"),
    (A.COUNTRY, ["XX"], None, "values"),
    (A.REGION, ["atlantis"], None, "values"),
    (A.INDUSTRIES, [], None, "values"),
    (A.CERTIFIED_STAFF_MIN, [], None, "minimum"),
])
def test_criterion_values_are_checked_per_attribute(region_a, attribute, values, minimum, field):
    item = IdealProfileCriterion(name="x", attribute=attribute, values=values, minimum=minimum, weight=5)
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert field in error.value.message_dict


def test_criterion_values_are_normalised(region_a):
    item = IdealProfileCriterion(name="x", attribute=A.COUNTRY, values=["de", " FR ", "de"], weight=5)
    item.full_clean()
    assert item.values == ["DE", "FR"]
    region = IdealProfileCriterion(name="r", attribute=A.REGION, values=["emea"], weight=5)
    region.full_clean()


# --- duplicates -------------------------------------------------------------------------------------------

def test_partner_domain_is_kept_in_step_with_its_website(region_a):
    partner = PartnerFactory(region=region_a, website="https://shop.Alpha-Systems.co.uk/en")
    assert partner.domain == "alpha-systems.co.uk"
    partner.website = "https://www.alpha.de"
    partner.save(update_fields=["website"])
    partner.refresh_from_db()
    assert partner.domain == "alpha.de"
    assert PartnerFactory(region=region_a, website="").domain == ""


def test_application_matching_an_existing_partner_is_flagged_and_linked(region_a):
    partner = PartnerFactory(region=region_a, website="https://www.acme-tools.de")
    application = submit(website="https://sales.acme-tools.de/apply")
    assert application.is_duplicate and application.duplicate_of_partner == partner
    assert application.duplicate_of_application is None


def test_second_application_of_a_company_links_to_the_first(region_a):
    first = submit(website="beta-widgets.com")
    second = submit(website="https://www.beta-widgets.com/", company_name="Beta Widgets again")
    third = submit(website="eu.beta-widgets.com")
    assert not first.is_duplicate
    assert second.is_duplicate and second.duplicate_of_application == first
    assert third.duplicate_of_application == first
    assert set(first.duplicates.values_list("pk", flat=True)) == {second.pk, third.pk}
    assert PartnerApplication.objects.filter(domain="beta-widgets.com").count() == 3  # kept, never merged silently


def test_different_companies_on_one_suffix_are_not_duplicates(region_a):
    one = submit(website="alpha.co.uk")
    two = submit(website="beta.co.uk")
    assert not one.is_duplicate and not two.is_duplicate


def test_region_factory_unused_regions_do_not_break_lookup():
    RegionFactory(code="empty", countries=[])
    assert region_for_country("DE") is None


# --- the profile in the admin -----------------------------------------------------------------------------

def test_operator_configures_the_profile_and_rescores(client, operator, region_a):
    from django.urls import reverse

    application = submit(partner_type="msp")
    client.force_login(operator)
    add = reverse("admin:partners_idealprofilecriterion_add")
    bad = client.post(add, {"name": "Types", "attribute": "partner_type", "values": "msp, wholesaler", "weight": "10",
                            "is_active": "on"})
    assert bad.status_code == 200 and "wholesaler" in str(bad.context["adminform"].form.errors)
    ok = client.post(add, {"name": "Types", "attribute": "partner_type", "values": "msp; isv", "weight": "10",
                           "is_active": "on"})
    assert ok.status_code == 302
    item = IdealProfileCriterion.objects.get(name="Types")
    assert item.values == ["isv", "msp"]
    changelist = reverse("admin:partners_idealprofilecriterion_changelist")
    assert client.post(changelist, {"action": "rescore_pending", "_selected_action": [item.pk]}).status_code == 302
    application.refresh_from_db()
    assert application.score == 100


def test_managers_do_not_configure_the_profile(client, manager_a):
    from django.urls import reverse

    client.force_login(manager_a)
    assert client.get(reverse("admin:partners_idealprofilecriterion_changelist")).status_code == 403
