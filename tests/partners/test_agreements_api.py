"""The API is locked like the portal until the company accepts the partner agreement."""

import pytest

from partners.models import PartnerOrganization
from tests.partners.onboarding_factories import make_acceptance, make_agreement_version

pytestmark = pytest.mark.django_db


def test_api_answers_agreement_required_until_accepted(client, partner_a, admin_a):
    partner_a.status = PartnerOrganization.Status.ONBOARDING
    partner_a.save(update_fields=["status"])
    client.force_login(admin_a)
    assert client.get("/api/v1/members/").status_code == 200  # no agreement published: nothing to accept

    version = make_agreement_version(language="de")
    locked = client.get("/api/v1/members/")
    assert locked.status_code == 403
    assert locked.json()["error"]["code"] == "agreement_required"
    assert client.get("/api/v1/partner/").status_code == 200  # the way through stays open
    assert client.get("/api/v1/onboarding/").status_code == 200

    make_acceptance(partner=partner_a, version=version, user=admin_a)
    assert client.get("/api/v1/members/").status_code == 200


def test_another_partners_acceptance_does_not_unlock(client, partner_a, partner_b, admin_a, admin_b):
    version = make_agreement_version(language="de")
    make_acceptance(partner=partner_b, version=version, user=admin_b)
    client.force_login(admin_a)
    assert client.get("/api/v1/members/").status_code == 403
