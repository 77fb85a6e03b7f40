"""/api/v1/staff/applications/: region-scoped list with score and contributions, detail, approve and reject."""

import pytest
from rest_framework.test import APIClient

from partners.models import PartnerApplication
from prm.accounts.services import api_token_create
from prm.notifications.models import Notification
from tests.api.helpers import assert_error
from tests.factories import StaffFactory

from .application_factories import standard_profile, submit

pytestmark = pytest.mark.django_db

URL = "/api/v1/staff/applications/"


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def bearer():
    def make(user):
        _, raw_key = api_token_create(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}

    return make


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_manager_lists_own_region_ranked_with_contributions(api_client, bearer, manager_a, region_a, region_b):
    standard_profile()
    low = submit(partner_type="msp", certified_staff="0", industries=["retail"])
    high = submit(industries=["healthcare"])
    submit(country="JP")
    response = api_client.get(URL, **bearer(manager_a))
    assert ids(response) == [high.pk, low.pk]
    row = response.json()["results"][0]
    assert row["score"] == 100 and row["region"]["code"] == "emea" and row["status"] == "pending"
    assert {c["name"] for c in row["score_contributions"]} == {"Resellers", "Three certified", "Healthcare", "EMEA"}
    assert all(set(c) == {"criterion_id", "name", "attribute", "weight", "matched", "points"}
               for c in row["score_contributions"])


def test_detail_of_another_region_is_404(api_client, bearer, manager_a, region_a, region_b):
    mine, theirs = submit(country="DE"), submit(country="JP")
    headers = bearer(manager_a)
    assert api_client.get(f"{URL}{mine.pk}/", **headers).json()["company_name"] == mine.company_name
    assert_error(api_client.get(f"{URL}{theirs.pk}/", **headers), 404, "not_found")
    assert_error(api_client.post(f"{URL}{theirs.pk}/approve/", {}, format="json", **headers), 404)
    assert_error(api_client.post(f"{URL}{theirs.pk}/reject/", {"reason": "x"}, format="json", **headers), 404)
    theirs.refresh_from_db()
    assert theirs.status == "pending"


def test_operator_sees_all_and_filters(api_client, bearer, operator, region_a, region_b, manager_a):
    de, jp, dup = submit(country="DE", website="eta.de"), submit(country="JP"), submit(country="DE", website="eta.de")
    from partners.services.applications import application_reject

    application_reject(application=jp, actor=operator, reason="No.")
    headers = bearer(operator)
    assert set(ids(api_client.get(URL, **headers))) == {de.pk, jp.pk, dup.pk}
    assert set(ids(api_client.get(URL, {"status": "pending"}, **headers))) == {de.pk, dup.pk}
    assert ids(api_client.get(URL, {"status": "rejected"}, **headers)) == [jp.pk]
    assert set(ids(api_client.get(URL, {"region": "emea"}, **headers))) == {de.pk, dup.pk}
    assert ids(api_client.get(URL, {"region": str(region_b.pk)}, **headers)) == [jp.pk]
    assert ids(api_client.get(URL, {"duplicate": "true"}, **headers)) == [dup.pk]
    assert_error(api_client.get(URL, {"status": "maybe"}, **headers), 400, "invalid")


def test_approve_and_reject(api_client, bearer, manager_a, region_a, django_capture_on_commit_callbacks):
    one, two = submit(), submit(language="fr")
    headers = bearer(manager_a)
    response = api_client.post(f"{URL}{one.pk}/approve/", {}, format="json", **headers)
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert response.json()["partner"] == PartnerApplication.objects.get(pk=one.pk).partner_id
    missing = api_client.post(f"{URL}{two.pk}/reject/", {}, format="json", **headers)
    assert "reason" in assert_error(missing, 400, "invalid")["fields"]
    with django_capture_on_commit_callbacks(execute=True):
        rejected = api_client.post(f"{URL}{two.pk}/reject/", {"reason": "Not a fit."}, format="json", **headers)
    assert rejected.status_code == 200 and rejected.json()["rejection_reason"] == "Not a fit."
    assert Notification.objects.get(kind="partners.application_rejected").language == "fr"
    again = api_client.post(f"{URL}{one.pk}/approve/", {}, format="json", **headers)
    assert_error(again, 400)


def test_duplicate_partner_approval_is_a_400(api_client, bearer, manager_a, region_a):
    first, second = submit(website="theta.de"), submit(website="theta.de")
    headers = bearer(manager_a)
    assert api_client.post(f"{URL}{first.pk}/approve/", {}, format="json", **headers).status_code == 200
    assert_error(api_client.post(f"{URL}{second.pk}/approve/", {}, format="json", **headers), 400)


def test_executive_reads_but_cannot_decide(api_client, bearer, executive_a, region_a):
    application = submit()
    headers = bearer(executive_a)
    assert ids(api_client.get(URL, **headers)) == [application.pk]
    assert_error(api_client.post(f"{URL}{application.pk}/approve/", {}, format="json", **headers), 403)


def test_partner_users_and_anonymous_are_refused(api_client, bearer, admin_a, region_a):
    application = submit()
    assert_error(api_client.get(URL, **bearer(admin_a)), 403, "permission_denied")
    assert_error(api_client.post(f"{URL}{application.pk}/approve/", {}, format="json", **bearer(admin_a)), 403)
    api_client.credentials()
    assert_error(api_client.get(URL), 401)


def test_list_query_count_is_constant(api_client, manager_a, region_a, django_assert_max_num_queries):
    standard_profile()
    submit()
    api_client.force_login(manager_a)
    api_client.get(URL)
    with django_assert_max_num_queries(15) as few:
        api_client.get(URL)
    for _ in range(20):
        submit()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(ids(api_client.get(URL))) == 21


def test_manager_without_regions_sees_nothing(api_client, bearer, region_a):
    submit()
    assert ids(api_client.get(URL, **bearer(StaffFactory()))) == []
