"""An application's region comes from the applicant's country (Region.countries); a manager may choose another at
review (hand it over, or give one to a country that no region includes): admin, service and staff API."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import IdealProfileCriterion, PartnerApplication
from partners.services.applications import application_approve, application_set_region, applications_rescore
from prm.accounts.services import api_token_create
from prm.common.models import AuditEvent
from tests.api.helpers import assert_error
from tests.factories import RegionFactory, StaffFactory

from .application_factories import criterion, submit

pytestmark = pytest.mark.django_db

URL = "/api/v1/staff/applications/"


@pytest.fixture
def region_us(db):
    return RegionFactory(code="amer", name="Americas", countries=["US", "CA"])


@pytest.fixture
def manager_us(region_us):
    from prm.accounts.roles import sync_staff_groups

    manager = StaffFactory(email="amer.manager@vendor.example")
    manager.regions.add(region_us)
    sync_staff_groups(manager)
    return manager


def fresh(application):
    return PartnerApplication.objects.get(pk=application.pk)


def region_url(application):
    return reverse("admin:partners_partnerapplication_region", args=[application.pk])


def test_the_region_comes_from_the_country(region_a, region_b):
    assert submit(country="FR").region == region_a
    assert submit(country="JP").region == region_b
    assert submit(country="BR").region is None  # no region includes Brazil yet


def test_a_manager_hands_an_application_to_another_region(client, manager_a, manager_us, region_a, region_us):
    criterion("Americas", IdealProfileCriterion.Attribute.REGION, ["amer"], weight=10)
    application = submit(country="DE")  # served from the US office, say
    assert application.region == region_a and application.score == 0

    client.force_login(manager_a)
    page = client.get(region_url(application))
    assert page.status_code == 200 and page.context["form"].initial["region"] == region_a.pk
    response = client.post(region_url(application), {"region": region_us.pk})
    assert response.status_code == 302 and response.url == reverse("admin:partners_partnerapplication_changelist")
    moved = fresh(application)
    assert moved.region == region_us and moved.region_chosen_by == manager_a and moved.region_chosen_at is not None
    assert moved.score == 100  # scored again: the IPP weighs the region
    event = AuditEvent.objects.get(action="partners.application.region_changed")
    assert event.data == {"from_region_id": region_a.pk, "to_region_id": region_us.pk,
                          "derived_region_id": region_a.pk, "score": 100}
    # Region A's manager no longer sees it; the Americas manager does, and the change page says why it is there.
    assert client.get(reverse("admin:partners_partnerapplication_change", args=[application.pk])).status_code == 302
    client.force_login(manager_us)
    change = client.get(reverse("admin:partners_partnerapplication_change", args=[application.pk])).content.decode()
    assert f"Chosen by {manager_a}" in change


def test_rescoring_keeps_a_managers_choice_and_rederives_the_rest(manager_a, region_a, region_us):
    chosen, derived = submit(country="DE"), submit(country="DE")
    application_set_region(application=chosen, actor=manager_a, region=region_us)
    region_a.countries = ["FR"]  # operators move Germany out of EMEA
    region_a.save()
    applications_rescore(actor=manager_a)
    assert fresh(chosen).region == region_us
    assert fresh(derived).region is None


def test_approving_in_another_region_creates_the_partner_there(client, manager_a, region_a, region_us):
    application = submit(country="DE")
    client.force_login(manager_a)
    url = reverse("admin:partners_partnerapplication_approve", args=[application.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"].initial["region"] == region_a.pk
    assert client.post(url, {"region": "999999"}).status_code == 200  # not a region: nothing approved
    assert fresh(application).status == PartnerApplication.Status.PENDING
    assert client.post(url, {"region": region_us.pk}).status_code == 302
    done = fresh(application)
    assert done.status == PartnerApplication.Status.APPROVED and done.region == region_us
    assert done.partner.region == region_us and done.region_chosen_by == manager_a


def test_a_country_without_region_gets_one_from_an_operator(client, operator, manager_a, region_a):
    application = submit(country="BR")
    with pytest.raises(ValidationError):
        application_approve(application=application, actor=operator)
    client.force_login(manager_a)
    assert client.get(region_url(application)).status_code == 404  # not in any of the manager's regions
    client.force_login(operator)
    assert client.get(region_url(application)).context["form"].initial["region"] is None
    assert client.post(region_url(application), {"region": region_a.pk}).status_code == 302
    assert fresh(application).region == region_a
    application_approve(application=fresh(application), actor=manager_a)  # now the region's managers decide
    assert fresh(application).partner.region == region_a


def test_who_may_move_an_application(client, manager_a, executive_a, region_a, region_b, region_us):
    other = submit(country="JP")
    with pytest.raises(PermissionDenied):
        application_set_region(application=other, actor=manager_a, region=region_a)
    with pytest.raises(PermissionDenied):
        application_set_region(application=submit(country="DE"), actor=executive_a, region=region_us)
    decided = submit(country="DE")
    application_approve(application=decided, actor=manager_a)
    with pytest.raises(ValidationError):
        application_set_region(application=fresh(decided), actor=manager_a, region=region_us)
    client.force_login(manager_a)
    assert client.post(region_url(other), {"region": region_a.pk}).status_code == 404  # another region's
    assert fresh(other).region == region_b


def test_staff_api_moves_and_approves_in_a_region(manager_a, manager_us, region_a, region_us):
    api = APIClient()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=manager_a, name='t')[1]}"}
    one, two = submit(country="DE"), submit(country="FR")
    bad = api.post(f"{URL}{one.pk}/region/", {"region": "nowhere"}, format="json", **headers)
    assert "region" in assert_error(bad, 400, "invalid")["fields"]
    for nonsense in ("9" * 30, "", {"id": 1}):  # an id beyond any integer column, nothing, an object: 400, never 500
        bad = api.post(f"{URL}{one.pk}/region/", {"region": nonsense}, format="json", **headers)
        assert "region" in assert_error(bad, 400, "invalid")["fields"]
    moved = api.post(f"{URL}{one.pk}/region/", {"region": "amer"}, format="json", **headers)
    assert moved.status_code == 200 and moved.json()["region"]["code"] == "amer"
    assert moved.json()["region_chosen_at"] is not None
    assert_error(api.post(f"{URL}{one.pk}/region/", {"region": "emea"}, format="json", **headers), 404)  # handed over
    approved = api.post(f"{URL}{two.pk}/approve/", {"region": region_us.pk}, format="json", **headers)
    assert approved.status_code == 200 and fresh(two).partner.region == region_us

    us_headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=manager_us, name='t')[1]}"}
    three = submit(country="DE")
    assert_error(api.post(f"{URL}{three.pk}/region/", {"region": "amer"}, format="json", **us_headers), 404)
    assert fresh(three).region == region_a
