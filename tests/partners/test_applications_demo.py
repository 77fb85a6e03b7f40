"""seed_demo's recruitment step: an IPP and applications in every state, idempotent."""

import io

import pytest
from django.core.management import call_command

from partners.models import IdealProfileCriterion, PartnerApplication

pytestmark = pytest.mark.django_db


def test_demo_applications_cover_every_state_and_are_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    applications = list(PartnerApplication.objects.select_related("partner", "region"))
    by_status = {status: [a for a in applications if a.status == status] for status in PartnerApplication.Status.values}
    assert len(by_status["pending"]) >= 4 and by_status["approved"] and by_status["rejected"]
    pending_scores = {a.score for a in by_status["pending"]}
    assert len(pending_scores) >= 3 and max(pending_scores) > min(pending_scores)
    assert all(a.score_contributions for a in applications)
    duplicates = [a for a in applications if a.is_duplicate]
    assert duplicates and all(d.duplicate_of_application.domain == d.domain for d in duplicates)
    approved = by_status["approved"][0]
    assert approved.partner is not None and approved.partner.status == "onboarding"
    assert all(a.rejection_reason for a in by_status["rejected"])
    assert all(a.region is not None for a in applications)
    criteria = IdealProfileCriterion.objects.count()
    assert criteria == 5

    call_command("seed_demo", stdout=io.StringIO())
    assert PartnerApplication.objects.count() == len(applications)
    assert IdealProfileCriterion.objects.count() == criteria
