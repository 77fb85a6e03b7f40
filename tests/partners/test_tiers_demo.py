"""Tier demo data and the generate_dataset step: programs, tiers, exceptions and partners in every
situation (grace, pinned, pending); idempotent; synthetic states reset with the dataset."""

import io
import random
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from partners.demo_tiers import ensure_tier_programs, seed_tier_demo
from partners.management.commands import generate_dataset as gd
from partners.management.commands.seed_demo import DemoContext, build_plan
from partners.models import PartnerOrganization, PartnerTier, Tier, TierChange, TierProgram, TierThresholdOverride
from prm.accounts.models import User
from prm.tenancy.scoping import partner_scope, unscoped

pytestmark = pytest.mark.django_db


def run_step(stdout=None):
    plan = build_plan()
    with unscoped():
        partners = list(PartnerOrganization.objects.filter(website__in=plan.websites).order_by("pk"))
    managers = list(User.objects.filter(staff_role=User.StaffRole.CHANNEL_MANAGER).order_by("email"))
    ctx = DemoContext(partners=partners, staff={"channel_manager": managers}, rng=random.Random("2026:tiers"),
                      now=timezone.now(), stdout=stdout or io.StringIO())
    seed_tier_demo(ctx)
    return partners


def counts():
    with unscoped():
        return (TierProgram.objects.count(), Tier.objects.count(), TierThresholdOverride.objects.count(),
                PartnerTier.objects.count(), TierChange.objects.count())


def test_demo_places_partners_in_every_tier_and_situation():
    call_command("seed_demo", stdout=io.StringIO())
    partners = run_step()
    first = counts()
    assert first[:3] == (3, 12, 4)
    eligible = [p for p in partners if p.status in PartnerOrganization.PORTAL_STATUSES]
    assert first[3] == len(eligible)
    run_step()
    assert counts() == first  # idempotent

    with unscoped():
        states = list(PartnerTier.objects.select_related("partner", "tier", "pending_tier", "pinned_tier"))
    by_name = {s.partner.name: s for s in states}
    assert by_name["Sakura Systems KK"].grace_until and by_name["Sakura Systems KK"].tier.code == "gold"
    pinned = by_name["Soluciones Andinas SA"]
    assert pinned.pinned_tier.code == "gold" and pinned.pinned_by and pinned.pinned_reason
    assert by_name["Lumière Conseil SAS"].pending_tier.code == "platinum"
    assert Counter(s.tier.code for s in states).keys() >= {"registered", "silver", "gold", "platinum"}
    with partner_scope(pinned.partner):
        assert TierChange.objects.filter(reason=TierChange.Reason.PINNED).count() == 1
    # Every program has its translated ladder.
    assert Tier.objects.get(program__code="sell-through", code="silver").display_name("ja") == "シルバー"


def test_demo_tier_page_renders_for_a_featured_partner(client):
    call_command("seed_demo", stdout=io.StringIO())
    run_step()
    with unscoped():
        state = PartnerTier.objects.select_related("partner").get(partner__name="Sakura Systems KK")
        from partners.models import Membership

        admin = Membership.objects.filter(partner=state.partner, role="admin").select_related("user").first().user
    client.force_login(admin)
    response = client.get("/portal/tier/")
    assert response.status_code == 200 and response.context["progress"].in_grace


def test_programs_are_created_once():
    ensure_tier_programs()
    ensure_tier_programs()
    assert TierProgram.objects.count() == 3 and Tier.objects.count() == 12


def test_dataset_gives_synthetic_partners_a_tier_and_resets_it():
    call_command("generate_dataset", "--partners", "40", stdout=io.StringIO())
    with unscoped():
        eligible = gd.synthetic_partners().filter(status__in=PartnerOrganization.PORTAL_STATUSES).count()
        states = PartnerTier.objects.filter(partner__in=gd.synthetic_partners())
        assert states.count() == eligible > 0
        assert len({s.tier_id for s in states}) > 1
    call_command("generate_dataset", "--partners", "0", "--reset", stdout=io.StringIO())
    with unscoped():
        assert not PartnerTier.objects.exists()
    assert TierProgram.objects.count() == 3  # the configuration stays
