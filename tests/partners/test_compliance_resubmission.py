"""The compliance questionnaire can be answered again: every submission is kept as history, the current one is
reviewed again (flags, the manager's request for changes, clearance carried over only for the same flagged
answers), in the portal, the admin and the API."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from partners.models import ComplianceQuestion, ComplianceResponse, OnboardingStep, PartnerOrganization
from partners.onboarding_selectors import compliance_history_for, compliance_response_for, compliance_review_count
from partners.services.onboarding_compliance import (
    compliance_request_changes,
    compliance_review_clear,
    compliance_submit,
)
from prm.common.models import AuditEvent
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope, partners_scope

from .onboarding_factories import make_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def onboarding_a(partner_a, manager_a):
    partner_a.status = PartnerOrganization.Status.ONBOARDING
    partner_a.channel_manager = manager_a
    partner_a.save(update_fields=["status", "channel_manager"])
    with partner_scope(partner_a):
        for code in ("profile", "payout", "team"):
            OnboardingStep.objects.create(partner=partner_a, code=code)
    return partner_a


@pytest.fixture
def questions(db):
    return {
        "officials": make_question(code="officials", review_when=ComplianceQuestion.ReviewWhen.YES,
                                   text={"en": "Do government officials own part of your company?"}),
        "gifts": make_question(code="gifts", answer_type=ComplianceQuestion.AnswerType.TEXT,
                               review_when=ComplianceQuestion.ReviewWhen.ANY_TEXT, required=False, order=1,
                               text={"en": "Gifts to officials in the last year?"}),
        "notes": make_question(code="notes", answer_type=ComplianceQuestion.AnswerType.TEXT, required=False, order=2),
    }


def answers(questions, *, officials="no", gifts="", notes=""):
    return {questions["officials"].pk: officials, questions["gifts"].pk: gifts, questions["notes"].pk: notes}


def submit(partner, actor, questions, replaces=None, **given):
    with partner_scope(partner):
        return compliance_submit(partner=partner, actor=actor, answers=answers(questions, **given), replaces=replaces)


def status_of(partner):
    return PartnerOrganization.objects.get(pk=partner.pk).status


def rows(partner):
    with partner_scope(partner):
        return list(ComplianceResponse.objects.order_by("number"))


def test_a_correction_before_review_replaces_the_answers_and_keeps_the_first(onboarding_a, admin_a, questions):
    first = submit(onboarding_a, admin_a, questions, officials="yes")
    assert first.review_status == ComplianceResponse.Review.PENDING and first.number == 1
    assert status_of(onboarding_a) == PartnerOrganization.Status.ONBOARDING
    with partners_scope([onboarding_a.pk]):
        assert compliance_review_count() == 1

    second = submit(onboarding_a, admin_a, questions, replaces=first.pk, officials="no")
    assert second.number == 2 and second.review_status == ComplianceResponse.Review.NOT_NEEDED
    old, new = rows(onboarding_a)
    assert old.pk == first.pk and old.superseded_at is not None and old.review_status == ComplianceResponse.Review.PENDING
    assert old.answers[0]["answer"] == "yes"  # the history keeps what was answered then
    assert new.is_current and not old.is_current
    with partners_scope([onboarding_a.pk]):
        assert compliance_review_count() == 0  # a replaced submission is history, not a task
    with partner_scope(onboarding_a):
        assert compliance_response_for(partner=onboarding_a).pk == second.pk
        assert [r.number for r in compliance_history_for(partner=onboarding_a)] == [2, 1]
    assert status_of(onboarding_a) == PartnerOrganization.Status.ACTIVE  # nothing flagged any more
    assert AuditEvent.objects.filter(action="partners.compliance.submitted", data__number=2,
                                     data__replaces=first.pk).exists()


def test_changes_requested_hold_activation_and_the_new_answers_go_back_to_review(
        client, onboarding_a, admin_a, manager_a, questions):
    first = submit(onboarding_a, admin_a, questions, notes="We sometimes invite customers to dinner.")
    assert first.review_status == ComplianceResponse.Review.NOT_NEEDED
    assert status_of(onboarding_a) == PartnerOrganization.Status.ACTIVE
    onboarding_a.status = PartnerOrganization.Status.ONBOARDING  # a second look before activation
    onboarding_a.save(update_fields=["status"])

    client.force_login(manager_a)
    changelist = reverse("admin:partners_complianceresponse_changelist")
    action = {"action": "request_compliance_changes", "_selected_action": [first.pk]}
    assert client.post(changelist, action).status_code == 200  # the note form
    assert client.post(changelist, {**action, "apply": "1", "note": ""}).status_code == 200  # a note is required
    done = client.post(changelist, {**action, "apply": "1", "note": "Say how often, and the usual amount."})
    assert done.status_code == 302
    (current,) = rows(onboarding_a)
    assert current.review_status == ComplianceResponse.Review.CHANGES_REQUESTED and current.reviewed_by == manager_a
    mail = Notification.objects.get(kind="partners.compliance_changes_requested")
    assert mail.recipient == admin_a and mail.context["note"] == "Say how often, and the usual amount."
    assert AuditEvent.objects.filter(action="partners.compliance.changes_requested", actor=manager_a).exists()

    client.force_login(admin_a)
    checklist = client.get(reverse("partners:onboarding")).context["checklist"]
    assert checklist.blockers == ["compliance_changes"] and not checklist.complete
    page = client.get(reverse("partners:onboarding_compliance")).content.decode()
    assert "Say how often, and the usual amount." in page

    # Nothing is flagged in the new answers, yet they go back to the manager who asked for the change.
    response = client.post(reverse("partners:onboarding_compliance"), {
        "replaces": first.pk, f"q_{questions['officials'].pk}": "no",
        f"q_{questions['notes'].pk}": "Twice a year, under 100 EUR per person.",
    })
    assert response.status_code == 302
    old, new = rows(onboarding_a)
    assert new.review_status == ComplianceResponse.Review.PENDING
    assert new.review_reasons == ["Submitted again after changes were requested: Say how often, and the usual amount."]
    assert old.review_status == ComplianceResponse.Review.CHANGES_REQUESTED and old.superseded_at is not None
    assert Notification.objects.filter(kind="partners.onboarding_compliance_review", recipient=manager_a).count() == 1
    assert status_of(onboarding_a) == PartnerOrganization.Status.ONBOARDING

    with partner_scope(onboarding_a):
        compliance_review_clear(response=new, actor=manager_a, note="Reasonable hospitality.")
    assert status_of(onboarding_a) == PartnerOrganization.Status.ACTIVE


def test_a_clearance_carries_over_only_for_the_same_flagged_answers(onboarding_a, admin_a, manager_a, questions):
    first = submit(onboarding_a, admin_a, questions, officials="yes", gifts="A calendar, 2025.")
    with partner_scope(onboarding_a):
        compliance_review_clear(response=first, actor=manager_a, note="Minority stake, disclosed.")

    # Only an unflagged answer changed: nothing new to review.
    second = submit(onboarding_a, admin_a, questions, replaces=first.pk, officials="yes", gifts="A calendar, 2025.",
                    notes="New office in Lyon.")
    assert second.review_status == ComplianceResponse.Review.CLEARED
    assert second.clearance_from_id == first.pk and second.reviewed_by == manager_a
    assert second.review_note == "Minority stake, disclosed."
    assert Notification.objects.filter(kind="partners.onboarding_compliance_review").count() == 1  # the first only

    # A flagged answer changed: the manager reviews again.
    third = submit(onboarding_a, admin_a, questions, replaces=second.pk, officials="yes",
                   gifts="A calendar, 2025; a dinner for a ministry official.", notes="New office in Lyon.")
    assert third.review_status == ComplianceResponse.Review.PENDING and third.clearance_from is None
    assert third.reviewed_by is None
    assert [r.number for r in rows(onboarding_a)] == [1, 2, 3]
    # An active partner stays active while its new answers are reviewed.
    assert status_of(onboarding_a) == PartnerOrganization.Status.ACTIVE


def test_double_clicks_stale_forms_and_unchanged_answers(client, onboarding_a, admin_a, user_a, questions):
    from tests.factories import make_member

    colleague = make_member(partner=onboarding_a, role="admin").user
    client.force_login(admin_a)
    url = reverse("partners:onboarding_compliance")
    form = {f"q_{questions['officials'].pk}": "no", f"q_{questions['notes'].pk}": "first"}
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302  # the second click of the first submission
    assert len(rows(onboarding_a)) == 1
    first = rows(onboarding_a)[0]

    again = {**form, "replaces": first.pk, f"q_{questions['notes'].pk}": "second"}
    assert client.post(url, again).status_code == 302
    assert client.post(url, again).status_code == 302  # a double click on the resubmission
    assert [r.number for r in rows(onboarding_a)] == [1, 2]

    # A colleague's form still names submission 1: refused, nothing written.
    with pytest.raises(ValidationError) as stale:
        submit(onboarding_a, colleague, questions, replaces=first.pk, officials="no", notes="third")
    assert stale.value.code == "stale"
    # Sending the answers on record again changes nothing.
    page = client.post(url, {**again, "replaces": rows(onboarding_a)[1].pk})
    assert page.status_code == 200 and "already on record" in page.content.decode()
    assert len(rows(onboarding_a)) == 2


def test_the_database_allows_one_current_submission_per_partner(onboarding_a, admin_a, questions):
    submit(onboarding_a, admin_a, questions)
    with partner_scope(onboarding_a), pytest.raises(IntegrityError), transaction.atomic():
        ComplianceResponse.objects.create(partner=onboarding_a, number=2, answers=[])


def test_only_the_current_submission_can_be_cleared_or_sent_back(onboarding_a, admin_a, manager_a, questions):
    first = submit(onboarding_a, admin_a, questions, officials="yes")
    submit(onboarding_a, admin_a, questions, replaces=first.pk, officials="yes", notes="more")
    with partner_scope(onboarding_a):
        first.refresh_from_db()
        with pytest.raises(ValidationError):
            compliance_review_clear(response=first, actor=manager_a, note="late")
        with pytest.raises(ValidationError):
            compliance_request_changes(response=first, actor=manager_a, note="late")
    assert rows(onboarding_a)[0].review_status == ComplianceResponse.Review.PENDING


def test_portal_prefills_the_answers_and_lists_the_history(client, onboarding_a, admin_a, questions):
    first = submit(onboarding_a, admin_a, questions, officials="yes", notes="Berlin office")
    submit(onboarding_a, admin_a, questions, replaces=first.pk, officials="no", notes="Berlin office")
    client.force_login(admin_a)
    url = reverse("partners:onboarding_compliance")
    page = client.get(url)
    assert not page.context["editing"] and [r.number for r in page.context["history"]] == [1]
    edit = client.get(url + "?edit=1")
    form = edit.context["form"]
    assert form.initial["replaces"] == rows(onboarding_a)[1].pk
    assert form.initial[f"q_{questions['officials'].pk}"] == "no"
    assert form.initial[f"q_{questions['notes'].pk}"] == "Berlin office"


def test_another_partners_history_stays_hidden(client, onboarding_a, partner_b, admin_a, admin_b, manager_a, questions):
    first = submit(partner_b, admin_b, questions, notes="Beta secret answer")
    submit(partner_b, admin_b, questions, replaces=first.pk, notes="Beta second secret")
    client.force_login(admin_a)
    page = client.get(reverse("partners:onboarding_compliance")).content.decode()
    assert "Beta secret answer" not in page and "Beta second secret" not in page
    # A manager of region A neither sees partner B's submissions nor can send them back.
    client.force_login(manager_a)
    assert client.get(reverse("admin:partners_complianceresponse_change", args=[first.pk])).status_code in (302, 404)
    client.post(reverse("admin:partners_complianceresponse_changelist"),
                {"action": "request_compliance_changes", "_selected_action": [rows(partner_b)[1].pk], "apply": "1",
                 "note": "x"})
    assert rows(partner_b)[1].review_status == ComplianceResponse.Review.NOT_NEEDED


def test_admin_lists_current_submissions_and_links_the_history(client, onboarding_a, admin_a, manager_a, questions):
    first = submit(onboarding_a, admin_a, questions, officials="yes")
    second = submit(onboarding_a, admin_a, questions, replaces=first.pk, officials="no")
    client.force_login(manager_a)
    changelist = reverse("admin:partners_complianceresponse_changelist")
    assert [r.pk for r in client.get(changelist).context["cl"].result_list] == [second.pk]
    assert [r.pk for r in client.get(changelist + "?submission=replaced").context["cl"].result_list] == [first.pk]
    assert {r.pk for r in client.get(changelist + "?submission=all").context["cl"].result_list} == {first.pk, second.pk}
    change = client.get(reverse("admin:partners_complianceresponse_change", args=[second.pk])).content.decode()
    assert reverse("admin:partners_complianceresponse_change", args=[first.pk]) in change


def test_api_reports_the_current_submission(client, onboarding_a, admin_a, manager_a, questions):
    first = submit(onboarding_a, admin_a, questions)
    with partner_scope(onboarding_a):
        compliance_request_changes(response=first, actor=manager_a, note="Please add your DPO's name.")
    client.force_login(admin_a)
    body = client.get("/api/v1/onboarding/").json()
    assert body["compliance"]["number"] == 1 and body["compliance"]["review_status"] == "changes_requested"
    assert body["compliance"]["changes_requested"] == "Please add your DPO's name."
    assert "compliance_changes" in body["blockers"]
