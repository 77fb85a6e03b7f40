"""The staff enablement API: enrollments and certifications of the staff user's regions (operators: all), with the
expiring-within filter and the partner, status and course filters; bad filters are 400; partner users are refused;
lists have a constant query count."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from enablement.models import CertificationAward
from prm.accounts.models import User
from prm.tenancy.scoping import partner_scope
from tests.api.helpers import assert_error
from tests.factories import StaffFactory, make_member

from .api_helpers import enrollment_of
from .helpers import certification, complete, course

pytestmark = pytest.mark.django_db

CERTIFICATIONS = "/api/v1/staff/enablement/certifications/"
ENROLLMENTS = "/api/v1/staff/enablement/enrollments/"
TODAY = timezone.localdate()


@pytest.fixture
def api_client():
    return APIClient()


def expiring_in(award: CertificationAward, days: int) -> CertificationAward:
    with partner_scope(award.partner_id):
        CertificationAward.objects.filter(pk=award.pk).update(expires_on=TODAY + timedelta(days=days))
        award.refresh_from_db()
        return award


def certified(partner, user, item) -> CertificationAward:
    complete(partner, user, item)
    with partner_scope(partner):
        return CertificationAward.objects.get(partner=partner, user=user)


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_managers_see_their_regions_and_filter_expiring_certifications(api_client, partner_a, partner_b, user_a,
                                                                       admin_a, user_b, manager_a):
    item = course()
    certification(item)
    soon = expiring_in(certified(partner_a, user_a, item), 20)
    later = expiring_in(certified(partner_a, admin_a, item), 200)
    other_region = expiring_in(certified(partner_b, user_b, item), 10)

    api_client.force_login(manager_a)
    assert ids(api_client.get(CERTIFICATIONS)) == [soon.pk, later.pk]
    assert ids(api_client.get(CERTIFICATIONS, {"expiring_within": 60})) == [soon.pk]
    assert ids(api_client.get(CERTIFICATIONS, {"expiring_within": 60, "partner": partner_b.pk})) == []
    row = api_client.get(CERTIFICATIONS, {"expiring_within": 60}).json()["results"][0]
    assert row["partner"] == {"id": partner_a.pk, "name": partner_a.name}
    assert (row["user"]["id"], row["days_left"], row["status"]) == (user_a.pk, 20, "active")
    assert row["verification_code"] == soon.verification_code
    with partner_scope(partner_a):
        CertificationAward.objects.filter(pk=soon.pk).update(revoked_at=timezone.now())
    assert ids(api_client.get(CERTIFICATIONS, {"expiring_within": 60})) == []  # revoked: not "expiring"

    api_client.force_login(StaffFactory(staff_role=User.StaffRole.OPERATOR))
    assert ids(api_client.get(CERTIFICATIONS, {"expiring_within": 60})) == [other_region.pk]
    assert ids(api_client.get(CERTIFICATIONS, {"certification": item.certifications.get().code})) == [
        other_region.pk, soon.pk, later.pk]


def test_staff_enrollments_filter_by_partner_status_and_course(api_client, partner_a, partner_b, user_a, admin_a,
                                                               user_b, manager_a):
    first, second = course(), course()
    open_one = enrollment_of(partner_a, user=user_a, item=first)
    done = complete(partner_a, admin_a, second).pk
    theirs = enrollment_of(partner_b, user=user_b, item=first)

    api_client.force_login(manager_a)
    assert sorted(ids(api_client.get(ENROLLMENTS))) == sorted([open_one, done])
    assert ids(api_client.get(ENROLLMENTS, {"status": "completed"})) == [done]
    assert ids(api_client.get(ENROLLMENTS, {"course": first.code})) == [open_one]
    assert ids(api_client.get(ENROLLMENTS, {"partner": partner_b.pk})) == []
    row = api_client.get(ENROLLMENTS, {"status": "completed"}).json()["results"][0]
    assert (row["partner"]["id"], row["course"]["code"], row["progress_percent"]) == (partner_a.pk, second.code, 100)

    api_client.force_login(StaffFactory(staff_role=User.StaffRole.OPERATOR))
    assert ids(api_client.get(ENROLLMENTS, {"partner": partner_b.pk})) == [theirs]


def test_bad_filters_are_400_and_partner_users_are_refused(api_client, partner_a, admin_a, manager_a):
    api_client.force_login(manager_a)
    for url, params, field in ((CERTIFICATIONS, {"expiring_within": -1}, "expiring_within"),
                               (CERTIFICATIONS, {"expiring_within": "soon"}, "expiring_within"),
                               (CERTIFICATIONS, {"partner": "x"}, "partner"),
                               (ENROLLMENTS, {"status": "bogus"}, "status"),
                               (ENROLLMENTS, {"course": "no-such-course"}, "course"),
                               (ENROLLMENTS, {"partner": 0}, "partner")):
        error = assert_error(api_client.get(url, params), 400, "invalid")
        assert list(error["fields"]) == [field], (url, params, error)
    api_client.force_login(admin_a)
    for url in (CERTIFICATIONS, ENROLLMENTS):
        assert_error(api_client.get(url), 403)
    api_client.logout()
    assert api_client.get(ENROLLMENTS).status_code in (401, 403)


def _count(api_client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(url).status_code == 200
    return len(queries)


def test_staff_lists_have_a_constant_query_count(api_client, partner_a, user_a, manager_a):
    item = course()
    certification(item)
    complete(partner_a, user_a, item)
    api_client.force_login(manager_a)
    _count(api_client, ENROLLMENTS)  # warm up
    few = [_count(api_client, url) for url in (ENROLLMENTS, CERTIFICATIONS)]
    for _ in range(5):
        complete(partner_a, make_member(partner=partner_a).user, item)
    many = [_count(api_client, url) for url in (ENROLLMENTS, CERTIFICATIONS)]
    assert many == few
    assert api_client.get(CERTIFICATIONS).json()["count"] == 6
