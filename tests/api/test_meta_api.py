"""Every API URL that takes an object id answers 404 (with the error body) to the other side, now and later."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from partners.models import PartnerOrganization
from prm.accounts.models import User
from tests.factories import StaffFactory, make_invitation, make_member

from .helpers import assert_error


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{entry.namespace}:" if entry.namespace else ""
            for route, name in _walk(entry.url_patterns, prefix + str(entry.pattern)):
                yield route, (ns + name if name and ns and not name.startswith(ns) else name)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name


def api_object_urls() -> list[str]:
    return sorted(
        {
            name
            for route, name in _walk(get_resolver().url_patterns)
            if route.startswith("api/") and ("<" in route) and name
        }
    )


def _manager_of(partner: PartnerOrganization) -> User:
    manager = StaffFactory()
    manager.regions.add(partner.region)
    return manager


def _application_in_region_of(partner: PartnerOrganization) -> int:
    """Applications are not partner-owned: "partner A's" is one from a country of A's region."""
    from tests.partners.application_factories import submit

    return submit(country=partner.country).pk


# url name -> (object of partner A -> pk, methods[, request body]). A new API URL with an id must be added here.
API_OBJECT_URLS = {
    "api:member-detail": (lambda a: make_member(partner=a).pk, ["get", "patch", "delete"]),
    "api:invitation-detail": (lambda a: make_invitation(partner=a, email="x@example.org")[0].pk, ["delete"]),
    "api:staff-partner-detail": (lambda a: a.pk, ["get"]),
    "api:staff-application-detail": (_application_in_region_of, ["get"]),
    "api:staff-application-approve": (_application_in_region_of, ["post"]),
    "api:staff-application-reject": (_application_in_region_of, ["post"], {"reason": "Not a fit."}),
    "api:staff-application-region": (_application_in_region_of, ["post"], {"region": "emea"}),
    # deal registrations (tests/dealreg/registration_helpers.py)
    "api:deal-detail": (lambda a: _registrations().draft_of(a)["pk"], ["get", "patch", "delete"]),
    "api:deal-submit": (lambda a: _registrations().draft_of(a)["pk"], ["post"]),
    "api:deal-withdraw": (lambda a: _registrations().submitted_of(a)["pk"], ["post"]),
    "api:deal-extensions": (lambda a: _registrations().approved_of(a)["pk"], ["get", "post"]),
    # multi-partner deals and outcomes (tests/dealreg/engine_helpers.py)
    "api:deal-participants": (lambda a: _deal_engine().approved_deal_of(a), ["get", "post"]),
    "api:deal-participant-detail": (lambda a: _deal_engine().deal_participant_of(a), ["delete"]),
    "api:deal-close": (lambda a: _deal_engine().approved_deal_of(a), ["post"],
                       {"outcome": "lost", "lost_reason": "The customer chose a competitor."}),
    "api:deal-shared-detail": (lambda a: _deal_engine().shared_participation_of(a), ["get"]),
    "api:deal-shared-accept": (lambda a: _deal_engine().shared_participation_of(a), ["post"]),
    "api:deal-shared-decline": (lambda a: _deal_engine().shared_participation_of(a), ["post"]),
    # market development funds (tests/mdf/api_helpers.py); a builder may return all the URL's kwargs
    "api:mdf-fund-detail": (lambda a: _mdf().fund_of(a), ["get"]),
    "api:mdf-activity-detail": (lambda a: _mdf().draft_of(a), ["get", "patch"]),
    "api:mdf-activity-submit": (lambda a: _mdf().draft_of(a), ["post"]),
    "api:mdf-activity-cancel": (lambda a: _mdf().submitted_of(a), ["post"]),
    "api:mdf-activity-claim": (lambda a: _mdf().claim_draft_of(a), ["get", "post", "patch"]),
    "api:mdf-activity-claim-proofs": (lambda a: _mdf().claim_draft_of(a), ["get", "post"]),
    "api:mdf-activity-claim-proof": (lambda a: _mdf().proof_of(a), ["delete"]),
    "api:mdf-activity-claim-submit": (lambda a: _mdf().submitted_claim_activity_of(a), ["post"]),
    "api:staff-mdf-activity-detail": (lambda a: _mdf().submitted_of(a), ["get"]),
    "api:staff-mdf-activity-approve": (lambda a: _mdf().submitted_of(a), ["post"]),
    "api:staff-mdf-activity-reject": (lambda a: _mdf().submitted_of(a), ["post"], {"reason": "Not this quarter."}),
    "api:staff-mdf-activity-request-info": (lambda a: _mdf().submitted_of(a), ["post"], {"message": "Which venue?"}),
    "api:staff-mdf-claim-detail": (lambda a: _mdf().submitted_claim_of(a), ["get"]),
    "api:staff-mdf-claim-approve": (lambda a: _mdf().submitted_claim_of(a), ["post"]),
    "api:staff-mdf-claim-reject": (lambda a: _mdf().submitted_claim_of(a), ["post"], {"reason": "No proof."}),
    "api:staff-mdf-claim-request-info": (lambda a: _mdf().submitted_claim_of(a), ["post"], {"message": "Invoice?"}),
    "api:staff-mdf-claim-pay": (lambda a: _mdf().approved_claim_of(a), ["post"],
                                {"paid_on": "2000-01-03", "reference": "PAY-1"}),
    # enablement (tests/enablement/api_helpers.py)
    "api:enablement-enrollment-detail": (lambda a: _enablement().enrollment_of(a), ["get"]),
    # analytics (tests/analytics/test_api_kpis.py): a partner's health, a region's KPIs
    "api:staff-health": (lambda a: {"partner_id": a.pk}, ["get"]),
    "api:staff-kpis-region": (lambda a: {"code": a.region.code}, ["get"]),
}


def _registrations():
    from tests.dealreg import registration_helpers

    return registration_helpers


def _deal_engine():
    from tests.dealreg import engine_helpers

    return engine_helpers


def _mdf():
    from tests.mdf import api_helpers

    return api_helpers


def _enablement():
    from tests.enablement import api_helpers

    return api_helpers


def test_every_api_object_url_is_in_the_cross_partner_table():
    assert sorted(API_OBJECT_URLS) == api_object_urls()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(API_OBJECT_URLS))
def test_api_object_url_answers_404_to_the_other_side(api_client, url_name, partner_a, partner_b, admin_a, admin_b):
    make_pk, methods, *body = API_OBJECT_URLS[url_name]
    data = body[0] if body else {}
    made = make_pk(partner_a)
    url = reverse(url_name, kwargs=made if isinstance(made, dict) else {"pk": made})
    outsider = _manager_of(partner_b) if "staff" in url_name else admin_b
    api_client.force_login(outsider)
    for method in methods:
        assert_error(getattr(api_client, method)(url, data, format="json"), 404)
    insider = StaffFactory(staff_role=User.StaffRole.OPERATOR) if "staff" in url_name else admin_a
    api_client.force_login(insider)
    assert getattr(api_client, methods[0])(url, data, format="json").status_code in (200, 204)
