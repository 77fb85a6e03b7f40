"""The onboarding demo step: agreements in every language, checklists matching each partner's status,
a compliance review waiting, coherent time to first value; idempotent, and the demo reset still works."""

import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from partners.demo_onboarding import seed_onboarding_demo
from partners.management.commands.seed_demo import DemoContext, build_plan
from partners.models import (
    AgreementAcceptance,
    AgreementTemplate,
    ComplianceResponse,
    OnboardingStep,
    PartnerOrganization,
    PayoutDetails,
)
from partners.onboarding_selectors import AgreementState, agreement_status_for
from partners.sql import agreement_acceptances_purge_for_demo
from prm.tenancy.scoping import partner_scope, unscoped

pytestmark = pytest.mark.django_db


def run_step():
    plan = build_plan()
    with unscoped():
        partners = list(PartnerOrganization.objects.filter(website__in=plan.websites).order_by("pk"))
    ctx = DemoContext(partners=partners, staff={}, rng=random.Random("2026:partners-onboarding"), now=timezone.now(),
                      stdout=io.StringIO())
    seed_onboarding_demo(ctx)
    return partners


def snapshot():
    with unscoped():
        return (AgreementAcceptance.objects.count(), OnboardingStep.objects.count(), PayoutDetails.objects.count(),
                ComplianceResponse.objects.count(), AgreementTemplate.objects.count())


def test_demo_step_builds_onboarding_data_once():
    call_command("seed_demo", stdout=io.StringIO())
    partners = run_step()
    first = snapshot()
    assert first[0] > 20 and first[4] == 5
    run_step()
    assert snapshot() == first

    fresh = {p.pk: p for p in PartnerOrganization.objects.filter(pk__in=[p.pk for p in partners])}
    active = [p for p in fresh.values() if p.status == PartnerOrganization.Status.ACTIVE]
    assert all(p.activated_at and p.created_at < p.activated_at for p in active)
    states = Counter()
    for partner in active:
        with partner_scope(partner):
            states[agreement_status_for(partner=partner).state] += 1
    # English partners see version 2 as due; nobody active is locked out.
    assert states[AgreementState.DUE] > 0 and states[AgreementState.REQUIRED] == 0
    with unscoped():
        assert ComplianceResponse.objects.filter(review_status=ComplianceResponse.Review.PENDING).exists()

    ids = list(fresh)
    assert agreement_acceptances_purge_for_demo(partner_ids=ids) == first[0]
    with unscoped():
        assert not AgreementAcceptance.objects.exists()
