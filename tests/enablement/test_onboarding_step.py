"""The onboarding checklist's "first course" step: not required while no published course targets the partner's
type (an empty catalogue never blocks activation), required once one does, and recorded once, by onboarding_sync,
when an active member has completed a course; its link is the learning catalogue."""

import pytest
from django.urls import reverse

from enablement.models import Enrollment
from enablement.onboarding import FIRST_COURSE_STEP
from partners.models import Membership, OnboardingStep, PartnerOrganization
from partners.onboarding_selectors import onboarding_checklist
from partners.onboarding_steps import FIRST_COURSE, get_step
from partners.services.onboarding import onboarding_sync
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

from .api_helpers import enrollment_of
from .helpers import complete, course

pytestmark = pytest.mark.django_db


@pytest.fixture
def onboarding_a(partner_a):
    partner_a.status = PartnerOrganization.Status.ONBOARDING
    partner_a.save(update_fields=["status"])
    return partner_a


def step_of(checklist):
    return next(s for s in checklist.steps if s.code == FIRST_COURSE)


def sync(partner, actor=None):
    with partner_scope(partner):
        return onboarding_sync(partner=partner, actor=actor)


def test_enablement_replaces_the_placeholder_and_links_to_the_catalogue():
    step = get_step(FIRST_COURSE)
    assert step is FIRST_COURSE_STEP and step.available and step.derived is not None
    assert reverse(step.url_name) == reverse("enablement:catalogue")


def test_not_required_with_an_empty_catalogue_or_one_for_other_partner_types(onboarding_a, admin_a):
    course(published=False)
    course(partner_types=[PartnerOrganization.PartnerType.SYSTEM_INTEGRATOR])
    checklist = sync(onboarding_a, admin_a)
    step = step_of(checklist)
    assert step.available and not step.required and not step.done
    assert FIRST_COURSE not in [s.code for s in checklist.required_steps]
    assert "partner type" in step.note


def test_required_once_a_course_targets_the_partner_type_and_recorded_once_when_a_member_completes_one(
        onboarding_a, admin_a, user_a, client):
    item = course(partner_types=[onboarding_a.partner_type], roles=[Membership.Role.USER])  # any role counts
    step = step_of(sync(onboarding_a, admin_a))
    assert step.required and not step.done

    enrollment_of(onboarding_a, user=user_a, item=item)  # enrolled is not completed
    assert not step_of(sync(onboarding_a, admin_a)).done

    complete(onboarding_a, user_a, item)
    checklist = sync(onboarding_a, admin_a)
    assert step_of(checklist).done and step_of(checklist).required
    sync(onboarding_a, admin_a)
    with partner_scope(onboarding_a):
        assert OnboardingStep.objects.filter(code=FIRST_COURSE).count() == 1
        assert AuditEvent.objects.filter(action="partners.onboarding_step.completed",
                                         data__code=FIRST_COURSE).count() == 1

    client.force_login(admin_a)
    page = client.get(reverse("partners:onboarding"))
    assert page.status_code == 200 and f'href="{reverse("enablement:catalogue")}"' in page.content.decode()
    body = client.get("/api/v1/onboarding/").json()
    shown = next(s for s in body["steps"] if s["code"] == FIRST_COURSE)
    assert shown["available"] and shown["required"] and shown["done"]


def test_a_completion_by_someone_who_left_does_not_count(onboarding_a, admin_a):
    item = course()
    gone = make_member(partner=onboarding_a)
    complete(onboarding_a, gone.user, item)
    with partner_scope(onboarding_a):
        Membership.objects.filter(pk=gone.pk).update(is_active=False)
        assert Enrollment.objects.filter(status=Enrollment.Status.COMPLETED).exists()
    step = step_of(sync(onboarding_a, admin_a))
    assert step.required and not step.done


def test_the_step_reads_a_fixed_number_of_queries_per_checklist(onboarding_a, admin_a, django_assert_max_num_queries):
    for _ in range(5):
        course()
    with partner_scope(onboarding_a):
        checklist = onboarding_checklist(partner=onboarding_a)
        assert step_of(checklist).required
        facts = checklist.facts
        # Both facts are read once and kept for the rest of the checklist.
        with django_assert_max_num_queries(0):
            assert FIRST_COURSE_STEP.required(facts)
        with django_assert_max_num_queries(1):
            assert not FIRST_COURSE_STEP.derived(facts)
        with django_assert_max_num_queries(0):
            assert not FIRST_COURSE_STEP.derived(facts)


def test_completing_a_course_records_the_step_without_anyone_opening_the_checklist(
        onboarding_a, user_a, django_capture_on_commit_callbacks):
    item = course()
    with django_capture_on_commit_callbacks(execute=True):
        complete(onboarding_a, user_a, item)
    with partner_scope(onboarding_a):
        step = OnboardingStep.objects.get(partner=onboarding_a, code=FIRST_COURSE)
    assert step.completed_by == user_a
