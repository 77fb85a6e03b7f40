"""Onboarding nudges: stalled onboarding (admins after N days, the channel manager after 2N) and agreement
re-acceptance (14 and 3 days before the deadline); each sent once, whatever the number of runs."""

from datetime import timedelta

import pytest
from django.utils import timezone

from partners.models import Membership, OnboardingStep, PartnerOrganization
from partners.services.onboarding_nudges import (
    KIND_REACCEPT_DUE,
    KIND_STALLED,
    KIND_STALLED_MANAGER,
    onboarding_nudges_send,
)
from partners.tasks import onboarding_nudges
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope
from tests.factories import PartnerFactory, make_member

from .onboarding_factories import make_acceptance, make_agreement_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def stalled_a(partner_a, admin_a, manager_a, settings):
    settings.PRM_ONBOARDING_STALL_DAYS = 7
    partner_a.status = PartnerOrganization.Status.ONBOARDING
    partner_a.status_changed_at = timezone.now() - timedelta(days=30)
    partner_a.channel_manager = manager_a
    partner_a.save(update_fields=["status", "status_changed_at", "channel_manager"])
    return partner_a


def sent(kind):
    return list(Notification.objects.filter(kind=kind).order_by("email"))


def test_stalled_onboarding_nudges_admins_then_the_manager_once(stalled_a, admin_a, user_a, manager_a):
    with partner_scope(stalled_a):
        OnboardingStep.objects.create(partner=stalled_a, code="profile",
                                      completed_at=timezone.now() - timedelta(days=8))
    now = timezone.now()
    first = onboarding_nudges_send(now=now)
    assert first.stalled_admins == 1 and first.stalled_managers == 0  # 8 days idle: admins only
    [mail] = sent(KIND_STALLED)
    assert mail.recipient == admin_a and mail.partner_id == stalled_a.pk and mail.context["days"] == 8
    assert "/portal/onboarding/" in mail.context["checklist_url"]

    later = onboarding_nudges_send(now=now + timedelta(days=7))  # 15 days idle: the manager too
    assert later.stalled_admins == 0 and later.stalled_managers == 1
    assert sent(KIND_STALLED_MANAGER)[0].recipient == manager_a

    again = onboarding_nudges_send(now=now + timedelta(days=8))
    assert (again.stalled_admins, again.stalled_managers) == (0, 0)
    assert len(sent(KIND_STALLED)) == 1 and len(sent(KIND_STALLED_MANAGER)) == 1


def test_progress_resets_the_clock_and_opens_a_new_episode(stalled_a, admin_a):
    onboarding_nudges_send()
    assert len(sent(KIND_STALLED)) == 1
    with partner_scope(stalled_a):
        OnboardingStep.objects.create(partner=stalled_a, code="payout")
    assert onboarding_nudges_send().stalled_admins == 0  # progress today: not stalled
    assert onboarding_nudges_send(now=timezone.now() + timedelta(days=7)).stalled_admins == 1
    assert len(sent(KIND_STALLED)) == 2


def test_active_and_fresh_partners_are_not_nudged(partner_a, admin_a, partner_b, admin_b):
    partner_b.status = PartnerOrganization.Status.ONBOARDING
    partner_b.status_changed_at = timezone.now() - timedelta(days=2)
    partner_b.save(update_fields=["status", "status_changed_at"])
    result = onboarding_nudges_send()
    assert (result.stalled_admins, result.stalled_managers, result.reacceptance_due) == (0, 0, 0)
    assert not Notification.objects.exists()


def test_reacceptance_reminders_at_14_and_3_days_each_once(partner_a, admin_a):
    first = make_agreement_version(language="de")
    make_acceptance(partner=partner_a, version=first, user=admin_a)
    today = timezone.localdate()
    second = make_agreement_version(template=first.template, deadline=today + timedelta(days=20))
    now = timezone.now()

    assert onboarding_nudges_send(now=now).reacceptance_due == 0  # 20 days left: nothing yet
    assert onboarding_nudges_send(now=now + timedelta(days=6)).reacceptance_due == 1  # 14 left
    assert onboarding_nudges_send(now=now + timedelta(days=7)).reacceptance_due == 0  # 13 left, sent already
    assert onboarding_nudges_send(now=now + timedelta(days=17)).reacceptance_due == 1  # 3 left
    assert onboarding_nudges_send(now=now + timedelta(days=19)).reacceptance_due == 0
    mails = sent(KIND_REACCEPT_DUE)
    assert [m.window for m in sorted(mails, key=lambda m: m.id)] == [f"v{second.pk}-14d", f"v{second.pk}-3d"]
    assert all(m.recipient == admin_a for m in mails)
    assert mails[0].context["deadline"] == second.reaccept_deadline.isoformat()

    make_acceptance(partner=partner_a, version=second, user=admin_a)  # accepted: no more reminders
    Notification.objects.all().delete()
    assert onboarding_nudges_send(now=now + timedelta(days=18)).reacceptance_due == 0


def test_the_periodic_task_runs_the_same_pass_and_is_idempotent(stalled_a, admin_a):
    assert onboarding_nudges.delay().get()["stalled_admins"] == 1
    assert onboarding_nudges.delay().get()["stalled_admins"] == 0
    assert len(sent(KIND_STALLED)) == 1


def test_nudge_queries_do_not_grow_with_the_number_of_partners(stalled_a, admin_a, region_a,
                                                               django_assert_max_num_queries):
    make_agreement_version(language="de", deadline=timezone.localdate() + timedelta(days=10))
    with django_assert_max_num_queries(40) as few:
        onboarding_nudges_send()
    Notification.objects.all().delete()
    for _ in range(12):
        partner = PartnerFactory(region=region_a, status=PartnerOrganization.Status.ONBOARDING,
                                 status_changed_at=timezone.now() - timedelta(days=30), default_language="de")
        make_member(partner=partner, role=Membership.Role.ADMIN)
    with django_assert_max_num_queries(len(few.captured_queries)):
        result = onboarding_nudges_send()
    assert result.stalled_admins == 13


@pytest.mark.parametrize("language", ["en", "de", "ja"])
def test_every_onboarding_email_renders_in_the_recipients_language(stalled_a, admin_a, manager_a, language,
                                                                   django_capture_on_commit_callbacks):
    from django.core import mail

    from partners.models import ComplianceQuestion
    from partners.services.onboarding_compliance import compliance_submit
    from prm.notifications.delivery import notification_send

    from .onboarding_factories import make_question

    for user in (admin_a, manager_a):
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])
    first = make_agreement_version(language="de")
    make_acceptance(partner=stalled_a, version=first, user=admin_a)
    make_agreement_version(template=first.template, deadline=timezone.localdate() + timedelta(days=2))
    question = make_question(code="officials", review_when=ComplianceQuestion.ReviewWhen.YES)
    onboarding_nudges_send()  # idle for 30 days; 2 days left to accept version 2
    with partner_scope(stalled_a):
        compliance_submit(partner=stalled_a, actor=admin_a, answers={question.pk: "yes"})
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {KIND_STALLED, KIND_STALLED_MANAGER, KIND_REACCEPT_DUE, "partners.onboarding_compliance_review"}
    for notification in Notification.objects.filter(status=Notification.Status.PENDING):
        assert notification.language == language
        assert notification_send(notification_id=notification.pk), notification.kind
    assert len(mail.outbox) == 4
    for message in mail.outbox:
        assert stalled_a.name in message.subject + message.body
        assert "{{" not in message.body and "{%" not in message.body
        html = message.alternatives[0].content if hasattr(message.alternatives[0], "content") else message.alternatives[0][0]
        assert "<html" in html


def test_the_partner_pass_is_skipped_while_no_deadline_is_within_the_reminder_steps(partner_a, admin_a, monkeypatch):
    from partners.services import onboarding_nudges

    first = make_agreement_version(language="de")
    make_acceptance(partner=partner_a, version=first, user=admin_a)
    today = timezone.localdate()
    make_agreement_version(template=first.template, deadline=today + timedelta(days=20))
    now = timezone.now()
    passes = []
    real_chunks = onboarding_nudges._partner_chunks
    monkeypatch.setattr(onboarding_nudges, "_partner_chunks", lambda qs: passes.append(qs) or real_chunks(qs))

    def run(at) -> tuple[int, int]:
        passes.clear()
        due = onboarding_nudges_send(now=at).reacceptance_due
        return due, len(passes)  # one pass over onboarding partners (stalled), one more for re-acceptance

    assert run(now) == (0, 1)  # 20 days before the deadline nobody can be due: no pass over the portal partners
    assert run(now + timedelta(days=6)) == (1, 2)  # 14 days left: the pass runs and reminds
    assert run(now + timedelta(days=21)) == (0, 1)  # past the deadline (the portal locks): skipped again
