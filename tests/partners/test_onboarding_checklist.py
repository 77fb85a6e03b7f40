"""The onboarding checklist: steps with their times, activation when the required ones are done,
the compliance hold, "just me", time to first value and the onboarding API."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from partners.models import (
    ComplianceQuestion,
    ComplianceResponse,
    OnboardingProfile,
    OnboardingStep,
    PartnerOrganization,
    PayoutDetails,
)
from partners.onboarding_selectors import onboarding_checklist, ttv_for_partners
from partners.onboarding_steps import FIRST_COURSE, StepDefinition, all_steps, get_step, register_step
from partners.services.onboarding import partner_record_first_deal
from partners.services.onboarding_compliance import compliance_submit
from prm.common.models import AuditEvent
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

from .onboarding_factories import make_acceptance, make_agreement_version, make_question

pytestmark = pytest.mark.django_db

PROFILE = {
    "legal_name": "Alpha Systems GmbH", "website": "https://alpha.example", "address_line1": "Hauptstraße 1",
    "address_line2": "", "postal_code": "10115", "city": "Berlin", "country": "DE", "vat_id": "DE123456789",
    "phone": "+49 30 1234567",
}
PAYOUT_IBAN = {"account_holder": "Alpha Systems GmbH", "bank_country": "DE", "currency": "EUR",
               "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}


@pytest.fixture
def onboarding_a(partner_a):
    partner_a.status = PartnerOrganization.Status.ONBOARDING
    partner_a.save(update_fields=["status"])
    return partner_a


def refresh(partner):
    return PartnerOrganization.objects.get(pk=partner.pk)


def test_walking_the_checklist_activates_the_partner_and_keeps_each_step_time(client, onboarding_a, admin_a):
    version = make_agreement_version(language="de")
    make_question(code="officials", review_when=ComplianceQuestion.ReviewWhen.YES)
    client.force_login(admin_a)

    page = client.get(reverse("partners:onboarding"))
    assert page.status_code == 200
    checklist = page.context["checklist"]
    assert [s.code for s in checklist.required_steps] == ["profile", "agreement", "compliance", "payout", "team"]
    assert checklist.done_count == 0 and b"<progress" in page.content

    assert client.post(reverse("partners:onboarding_profile"), PROFILE).status_code == 302
    assert client.post(reverse("partners:agreement"), {"version": version.pk, "confirm": "on"}).status_code == 302
    assert client.post(reverse("partners:onboarding_compliance"), {f"q_{ComplianceQuestion.objects.get().pk}": "no"}).status_code == 302
    assert client.post(reverse("partners:onboarding_payout"), PAYOUT_IBAN).status_code == 302
    assert refresh(onboarding_a).status == PartnerOrganization.Status.ONBOARDING  # the team step is missing

    assert client.post(reverse("partners:onboarding_just_me")).status_code == 302
    partner = refresh(onboarding_a)
    assert partner.status == PartnerOrganization.Status.ACTIVE
    assert partner.activated_at is not None
    with partner_scope(partner):
        steps = {s.code: s for s in OnboardingStep.objects.all()}
    assert set(steps) == {"profile", "agreement", "compliance", "payout", "team"}
    assert all(s.completed_by_id == admin_a.pk for s in steps.values())
    assert steps["profile"].completed_at <= steps["team"].completed_at
    assert steps["team"].note == "just me"
    assert AuditEvent.objects.filter(action="partners.partner.active", partner_id=partner.pk).exists()

    page = client.get(reverse("partners:onboarding"))
    assert page.context["checklist"].percent == 100


def test_a_second_member_completes_the_team_step_by_itself(client, onboarding_a, admin_a):
    client.force_login(admin_a)
    with partner_scope(onboarding_a):
        assert not OnboardingStep.objects.filter(code="team").exists()
    make_member(partner=onboarding_a)
    client.get(reverse("partners:onboarding"))
    with partner_scope(onboarding_a):
        assert OnboardingStep.objects.filter(code="team").exists()
    # Everything else is still missing: no activation.
    assert refresh(onboarding_a).status == PartnerOrganization.Status.ONBOARDING


def test_first_course_comes_from_enablement_and_is_not_required_without_courses(onboarding_a):
    with partner_scope(onboarding_a):
        checklist = onboarding_checklist(partner=onboarding_a)
    course = next(s for s in checklist.steps if s.code == FIRST_COURSE)
    assert course.available and not course.required and "partner type" in course.note  # no course offered
    original = get_step(FIRST_COURSE)
    try:
        register_step(StepDefinition(code=FIRST_COURSE, order=60, label="First course", description="",
                                     url_name="partners:onboarding"))
        with partner_scope(onboarding_a):
            checklist = onboarding_checklist(partner=onboarding_a)
        assert FIRST_COURSE in [s.code for s in checklist.required_steps]
    finally:
        register_step(original)
    assert [s.code for s in all_steps()][-1] == FIRST_COURSE


def test_profile_form_rejects_bad_input_with_messages_and_saves_nothing(client, onboarding_a, admin_a):
    client.force_login(admin_a)
    bad = {**PROFILE, "vat_id": "!", "phone": "call me", "website": "not a url", "country": "XX", "postal_code": ""}
    response = client.post(reverse("partners:onboarding_profile"), bad)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"vat_id", "phone", "website", "country", "postal_code"}
    with partner_scope(onboarding_a):
        assert not OnboardingProfile.objects.exists()
        assert not OnboardingStep.objects.exists()
    assert refresh(onboarding_a).website == ""


def test_profile_form_speaks_the_users_language(client, onboarding_a, admin_a):
    admin_a.preferred_language = "de"
    admin_a.save()
    client.force_login(admin_a)
    response = client.post(reverse("partners:onboarding_profile"), {**PROFILE, "city": ""})
    with translation.override("de"):
        required = translation.gettext("This field is required.")
    assert required != "This field is required." and required in response.context["form"].errors["city"]


def test_only_partner_admins_change_the_profile_and_do_the_admin_steps(client, onboarding_a, user_a):
    client.force_login(user_a)
    assert client.get(reverse("partners:onboarding_profile")).status_code == 200  # read-only view
    assert client.post(reverse("partners:onboarding_profile"), PROFILE).status_code == 403
    assert client.get(reverse("partners:onboarding_payout")).status_code == 403
    assert client.get(reverse("partners:onboarding_compliance")).status_code == 403
    assert client.post(reverse("partners:onboarding_just_me")).status_code == 403
    with partner_scope(onboarding_a):
        assert not OnboardingProfile.objects.exists()


def test_onboarding_pages_show_only_the_own_partners_data(client, partner_a, partner_b, admin_a, admin_b):
    with partner_scope(partner_b):
        OnboardingProfile.objects.create(partner=partner_b, address_line1="Secret 1", postal_code="100-0001",
                                         city="Tokyo", country="JP", vat_id="T1234567890123", phone="+81 3 1234 5678")
        PayoutDetails.objects.create(partner=partner_b, account_holder="Beta KK", bank_country="JP",
                                     method=PayoutDetails.Method.ACCOUNT, account_number="99998888",
                                     routing_number="0001", currency="JPY")
    client.force_login(admin_a)
    for name in ("partners:onboarding", "partners:onboarding_profile", "partners:onboarding_payout",
                 "partners:onboarding_compliance", "partners:agreement"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert b"Secret 1" not in response.content and b"8888" not in response.content and b"Beta KK" not in response.content


# --- Compliance --------------------------------------------------------------------------------------


def test_flagged_answers_hold_activation_until_a_manager_clears_them(client, onboarding_a, admin_a, manager_a):
    onboarding_a.channel_manager = manager_a
    onboarding_a.save(update_fields=["channel_manager"])
    officials = make_question(code="officials", text={"en": "Do government officials own part of your company?",
                                                      "de": "Sind Amtsträger an Ihrem Unternehmen beteiligt?"},
                              review_when=ComplianceQuestion.ReviewWhen.YES)
    gdpr = make_question(code="gdpr", review_when=ComplianceQuestion.ReviewWhen.NO, order=1)
    notes = make_question(code="notes", answer_type=ComplianceQuestion.AnswerType.TEXT, required=False, order=2)
    with partner_scope(onboarding_a):
        for code in ("profile", "payout", "team"):
            OnboardingStep.objects.create(partner=onboarding_a, code=code)
        response = compliance_submit(partner=onboarding_a, actor=admin_a,
                                     answers={officials.pk: "yes", gdpr.pk: "yes", notes.pk: ""})
    assert response.review_status == ComplianceResponse.Review.PENDING
    assert response.review_reasons == ["Do government officials own part of your company? — yes"]
    assert refresh(onboarding_a).status == PartnerOrganization.Status.ONBOARDING
    mail = Notification.objects.get(kind="partners.onboarding_compliance_review")
    assert mail.recipient == manager_a and mail.context["reasons"] == response.review_reasons

    client.force_login(admin_a)
    page = client.get(reverse("partners:onboarding"))
    assert page.context["checklist"].blockers == ["compliance_review"]

    # The admin action: a note is required, then the partner activates.
    manager_client = client.__class__()
    manager_client.force_login(manager_a)
    changelist = reverse("admin:partners_complianceresponse_changelist")
    action = {"action": "clear_compliance_review", "_selected_action": [response.pk]}
    assert manager_client.post(changelist, action).status_code == 200  # the note form
    assert manager_client.post(changelist, {**action, "apply": "1", "note": ""}).status_code == 200
    assert refresh(onboarding_a).status == PartnerOrganization.Status.ONBOARDING
    done = manager_client.post(changelist, {**action, "apply": "1", "note": "Minority stake, disclosed, fine."})
    assert done.status_code == 302
    with partner_scope(onboarding_a):
        response.refresh_from_db()
    assert response.review_status == ComplianceResponse.Review.CLEARED and response.reviewed_by == manager_a
    assert refresh(onboarding_a).status == PartnerOrganization.Status.ACTIVE
    assert AuditEvent.objects.filter(action="partners.compliance.cleared", actor=manager_a,
                                     data__note="Minority stake, disclosed, fine.").exists()


def test_a_manager_of_another_region_cannot_see_or_clear_the_review(client, partner_b, admin_b, manager_a):
    question = make_question(code="officials", review_when=ComplianceQuestion.ReviewWhen.YES)
    with partner_scope(partner_b):
        response = compliance_submit(partner=partner_b, actor=admin_b, answers={question.pk: "yes"})
    client.force_login(manager_a)
    assert client.get(reverse("admin:partners_complianceresponse_change", args=[response.pk])).status_code in (302, 404)
    client.post(reverse("admin:partners_complianceresponse_changelist"),
                {"action": "clear_compliance_review", "_selected_action": [response.pk], "apply": "1", "note": "x"})
    with partner_scope(partner_b):
        response.refresh_from_db()
    assert response.review_status == ComplianceResponse.Review.PENDING


def test_questionnaire_bad_input_is_refused_whole(client, onboarding_a, admin_a):
    first = make_question(code="a")
    second = make_question(code="b", order=1)
    client.force_login(admin_a)
    response = client.post(reverse("partners:onboarding_compliance"), {f"q_{first.pk}": "maybe"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {f"q_{first.pk}", f"q_{second.pk}"}
    with partner_scope(onboarding_a):
        assert not ComplianceResponse.objects.exists()
        assert not OnboardingStep.objects.filter(code="compliance").exists()
        with pytest.raises(ValidationError):
            compliance_submit(partner=onboarding_a, actor=admin_a, answers={first.pk: "yes"})
        assert not ComplianceResponse.objects.exists()


def test_questions_are_asked_in_the_readers_language_with_english_fallback(client, onboarding_a, admin_a):
    make_question(code="a", text={"en": "Do you agree?", "de": "Stimmen Sie zu?"})
    make_question(code="b", text={"en": "English only?"}, order=1)
    client.force_login(admin_a)
    client.cookies["prm_language"] = "de"
    page = client.get(reverse("partners:onboarding_compliance")).content.decode()
    assert "Stimmen Sie zu?" in page and "English only?" in page


# --- Time to first value -----------------------------------------------------------------------------


def test_first_deal_times_are_set_once(partner_a):
    first = timezone.now() - timedelta(days=3)
    partner_record_first_deal(partner=partner_a, registered_at=first)
    partner_record_first_deal(partner=partner_a, registered_at=timezone.now(), won_at=first + timedelta(days=1))
    partner_record_first_deal(partner=partner_a, won_at=timezone.now())
    partner = refresh(partner_a)
    assert partner.first_deal_registered_at == first
    assert partner.first_deal_won_at == first + timedelta(days=1)
    assert AuditEvent.objects.filter(action="partners.partner.first_value", partner_id=partner_a.pk).count() == 2


def test_ttv_selector_reports_durations_from_approval(partner_a, partner_b, django_assert_num_queries):
    created = refresh(partner_a).created_at
    partner_record_first_deal(partner=partner_a, registered_at=created + timedelta(days=10),
                              won_at=created + timedelta(days=40))
    with django_assert_num_queries(1):
        ttv = ttv_for_partners([partner_a.pk, partner_b.pk])
    assert ttv[partner_a.pk].to_first_deal == timedelta(days=10)
    assert ttv[partner_a.pk].to_first_win == timedelta(days=40)
    assert ttv[partner_b.pk].to_first_deal is None and ttv[partner_b.pk].activated_at is None


# --- API ---------------------------------------------------------------------------------------------


def test_onboarding_api_shows_the_callers_checklist_and_agreement(client, onboarding_a, admin_a, partner_b, admin_b):
    version = make_agreement_version(language="de")
    make_acceptance(partner=onboarding_a, version=version, user=admin_a)
    with partner_scope(onboarding_a):
        OnboardingStep.objects.create(partner=onboarding_a, code="profile", completed_by=admin_a)
    client.force_login(admin_a)
    body = client.get("/api/v1/onboarding/").json()
    assert body["partner_status"] == "onboarding"
    steps = {s["code"]: s for s in body["steps"]}
    assert steps["profile"]["done"] and steps["profile"]["completed_by"] == admin_a.email
    assert steps["profile"]["completed_at"]
    assert not steps["payout"]["done"] and steps["first_course"]["required"] is False
    assert body["agreement"]["state"] == "accepted" and body["agreement"]["accepted_version"] == 1
    assert body["required_total"] == 4 and body["progress_percent"] == 25  # no questions: compliance not required

    client.force_login(admin_b)  # another partner sees its own, empty checklist
    other = client.get("/api/v1/onboarding/").json()
    assert not any(s["done"] for s in other["steps"])
    assert client.get("/api/v1/onboarding/", HTTP_X_PARTNER_ID=str(onboarding_a.pk)).status_code == 404


def test_onboarding_api_needs_a_partner_membership(client, manager_a):
    client.force_login(manager_a)
    assert client.get("/api/v1/onboarding/").status_code == 404
    client.logout()
    assert client.get("/api/v1/onboarding/").status_code in (401, 403)

