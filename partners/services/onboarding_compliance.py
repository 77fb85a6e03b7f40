"""The compliance questionnaire: the partner answers once; answers that need review hold activation
until a channel manager clears them with a note."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import ComplianceQuestion, ComplianceResponse, PartnerOrganization
from partners.onboarding_selectors import compliance_questions_for
from partners.onboarding_steps import COMPLIANCE
from prm.common.audit import audit
from prm.notifications.services import notify

from .onboarding import OnboardingError, onboarding_activate_if_ready, onboarding_step_complete

YES_NO = ("yes", "no")


def _validated_answers(*, questions: list[ComplianceQuestion], answers: dict) -> dict[int, str]:
    """Every question answered as its type demands, or one OnboardingError naming each problem."""
    errors, clean = {}, {}
    for question in questions:
        answer = str(answers.get(question.pk, answers.get(str(question.pk), "")) or "").strip()
        if question.answer_type == ComplianceQuestion.AnswerType.YES_NO and answer and answer not in YES_NO:
            errors[f"q_{question.pk}"] = _("Answer yes or no.")
        elif question.required and not answer:
            errors[f"q_{question.pk}"] = _("This question needs an answer.")
        elif len(answer) > 2000:
            errors[f"q_{question.pk}"] = _("Keep the answer under 2,000 characters.")
        clean[question.pk] = answer
    if errors:
        raise OnboardingError(errors)
    return clean


@transaction.atomic
def compliance_submit(*, partner: PartnerOrganization, actor, answers: dict) -> ComplianceResponse:
    """Store the answers with the questions as asked. All or nothing; once per partner.

    Answers that need review put the response in PENDING (activation waits) and tell the
    partner's channel manager why.
    """
    if ComplianceResponse.objects.filter(partner=partner).exists():
        raise OnboardingError(_("The questionnaire has already been submitted."), code="submitted")
    questions = compliance_questions_for(partner=partner)
    if not questions:
        raise OnboardingError(_("There is no questionnaire to answer."), code="no_questions")
    clean = _validated_answers(questions=questions, answers=answers)
    language = getattr(actor, "preferred_language", "") or partner.default_language
    snapshot, reasons = [], []
    for question in questions:
        answer = clean[question.pk]
        flagged = question.needs_review(answer)
        snapshot.append({
            "question_id": question.pk, "code": question.code, "topic": question.topic,
            "answer_type": question.answer_type, "text": question.text_for(settings.LANGUAGE_CODE),
            "text_as_asked": question.text_for(language), "answer": answer, "needs_review": flagged,
        })
        if flagged:
            reasons.append(f"{question.text_for(settings.LANGUAGE_CODE)} — {answer}")
    status = ComplianceResponse.Review.PENDING if reasons else ComplianceResponse.Review.NOT_NEEDED
    try:
        with transaction.atomic():
            response = ComplianceResponse.objects.create(
                partner=partner, answers=snapshot, submitted_by=actor, review_status=status, review_reasons=reasons,
            )
    except IntegrityError:
        raise OnboardingError(_("The questionnaire has already been submitted."), code="submitted") from None
    audit(actor=actor, action="partners.compliance.submitted", target=response,
          data={"review_status": status, "reasons": reasons})
    onboarding_step_complete(partner=partner, code=COMPLIANCE, actor=actor)
    if reasons:
        _tell_channel_manager(partner=partner, response=response)
    onboarding_activate_if_ready(partner=partner, actor=actor)
    return response


def _tell_channel_manager(*, partner: PartnerOrganization, response: ComplianceResponse) -> None:
    manager = PartnerOrganization.objects.select_related("channel_manager").get(pk=partner.pk).channel_manager
    if manager is None or not manager.is_active:
        return  # the admin's "waiting for review" list shows it to every manager of the region
    notify(
        kind="partners.onboarding_compliance_review", recipient=manager, subject=response, partner=partner,
        context={
            "partner_name": partner.name, "reasons": response.review_reasons,
            "admin_url": settings.SITE_URL.rstrip("/")
            + reverse("admin:partners_complianceresponse_change", args=[response.pk]),
        },
    )


@transaction.atomic
def compliance_review_clear(*, response: ComplianceResponse, actor, note: str) -> ComplianceResponse:
    """A manager clears flagged answers with a note; the partner activates if nothing else is missing."""
    if not (note or "").strip():
        raise OnboardingError({"note": _("Say why the answers are acceptable.")})
    response = ComplianceResponse.objects.select_for_update().get(pk=response.pk)
    if response.review_status != ComplianceResponse.Review.PENDING:
        raise OnboardingError(_("This questionnaire is not waiting for review."), code="not_pending")
    response.review_status = ComplianceResponse.Review.CLEARED
    response.reviewed_at = timezone.now()
    response.reviewed_by = actor
    response.review_note = note.strip()
    response.save(update_fields=["review_status", "reviewed_at", "reviewed_by", "review_note"])
    audit(actor=actor, action="partners.compliance.cleared", target=response,
          data={"note": response.review_note, "reasons": response.review_reasons})
    partner = PartnerOrganization.objects.get(pk=response.partner_id)
    onboarding_activate_if_ready(partner=partner, actor=actor)
    return response
