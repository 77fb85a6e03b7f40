"""The compliance questionnaire: the partner answers, and may answer again (every submission is kept as the
due-diligence history); answers that need review hold activation until a channel manager clears them with a
note, and a manager may ask for changes instead."""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partners.models import ComplianceQuestion, ComplianceResponse, PartnerOrganization
from partners.onboarding_selectors import admins_by_partner, compliance_questions_for
from partners.onboarding_steps import COMPLIANCE
from prm.common.audit import audit
from prm.notifications.services import Notice, notify, notify_bulk

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


def _snapshot(*, questions: list[ComplianceQuestion], clean: dict[int, str], language: str) -> tuple[list, list]:
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
    return snapshot, reasons


def _same_answers(a: list, b: list) -> bool:
    return [(i.get("code"), i.get("answer")) for i in a or []] == [(i.get("code"), i.get("answer")) for i in b or []]


@transaction.atomic
def compliance_submit(*, partner: PartnerOrganization, actor, answers: dict,
                      replaces: int | None = None) -> ComplianceResponse:
    """Store the answers with the questions as asked, as the partner's current submission. All or nothing.

    The first submission has ``replaces=None``; a later one names the submission it replaces (the form carries
    it): the earlier one stays as history, marked replaced. A double click finds the submission the first click
    made and returns it; a submission that replaces an outdated one is refused. The review is decided again:
    - no answer needs review: NOT_NEEDED;
    - the current submission was CLEARED and every flagged answer is one that clearance covered (same question,
      same answer): CLEARED again, carried over from it (nothing new to review);
    - otherwise PENDING, and the channel manager is told why (after "changes requested", the manager's request
      is a reason too, even when no answer is flagged: the reviewer checks the changes).
    PENDING holds activation (an active partner stays active; its manager reviews).
    """
    current = (ComplianceResponse.objects.select_for_update().filter(partner=partner, superseded_at__isnull=True)
               .first())
    questions = compliance_questions_for(partner=partner)
    if not questions:
        raise OnboardingError(_("There is no questionnaire to answer."), code="no_questions")
    clean = _validated_answers(questions=questions, answers=answers)
    language = getattr(actor, "preferred_language", "") or partner.default_language
    snapshot, reasons = _snapshot(questions=questions, clean=clean, language=language)
    if getattr(current, "pk", None) != replaces:  # the form was made for another submission than the current one
        if (current is not None and current.submitted_by_id == getattr(actor, "pk", None)
                and _same_answers(current.answers, snapshot)):
            return current  # the same form sent twice (a double click): the first one counts
        if replaces is None:
            raise OnboardingError(_("The questionnaire has already been submitted."), code="submitted")
        raise OnboardingError(_("Newer answers were submitted meanwhile. Check them, and change them again if needed."),
                              code="stale")

    now = timezone.now()
    response = ComplianceResponse(partner=partner, answers=snapshot, submitted_by=actor, submitted_at=now,
                                  number=(current.number + 1) if current else 1)
    flagged = response.flagged_answers()
    changes_requested = current is not None and current.review_status == ComplianceResponse.Review.CHANGES_REQUESTED
    if current is not None and not changes_requested and _same_answers(current.answers, snapshot):
        raise OnboardingError(_("These are the answers already on record; change an answer to submit them again."),
                              code="unchanged")
    if changes_requested:
        with translation.override(settings.LANGUAGE_CODE):  # reasons are read by staff, like the texts above
            reasons.append(_("Submitted again after changes were requested: %(note)s") % {"note": current.review_note})
    if not reasons:
        response.review_status = ComplianceResponse.Review.NOT_NEEDED
    elif (current is not None and current.review_status == ComplianceResponse.Review.CLEARED
          and flagged <= current.flagged_answers()):
        response.review_status = ComplianceResponse.Review.CLEARED
        response.clearance_from = current.clearance_from if current.clearance_from_id else current
        response.reviewed_at, response.reviewed_by_id = current.reviewed_at, current.reviewed_by_id
        response.review_note = current.review_note
    else:
        response.review_status = ComplianceResponse.Review.PENDING
    response.review_reasons = reasons
    if current is not None:
        current.superseded_at = now
        current.save(update_fields=["superseded_at"])
    try:
        with transaction.atomic():
            response.save(force_insert=True)
    except IntegrityError:  # a concurrent first submission won the one-current constraint
        raise OnboardingError(_("The questionnaire has already been submitted."), code="submitted") from None
    audit(actor=actor, action="partners.compliance.submitted", target=response,
          data={"review_status": response.review_status, "reasons": reasons, "number": response.number,
                "replaces": current.pk if current else None,
                "clearance_from": response.clearance_from_id})
    onboarding_step_complete(partner=partner, code=COMPLIANCE, actor=actor)
    if response.review_status == ComplianceResponse.Review.PENDING:
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
    if response.review_status != ComplianceResponse.Review.PENDING or not response.is_current:
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


REQUESTABLE = (ComplianceResponse.Review.PENDING, ComplianceResponse.Review.NOT_NEEDED,
               ComplianceResponse.Review.CLEARED)


@transaction.atomic
def compliance_request_changes(*, response: ComplianceResponse, actor, note: str) -> ComplianceResponse:
    """A manager asks the partner to change its answers (an unclear text, a wrong yes): the current submission
    becomes CHANGES_REQUESTED with the manager's note, activation waits for the partner's new answers (an active
    partner stays active), and the partner's admins are told after commit, in the partner's language. The
    partner's next submission goes back to review with the note as a reason."""
    note = (note or "").strip()
    if not note:
        raise OnboardingError({"note": _("Say what should change: the partner receives it.")})
    if len(note) > 2000:
        raise OnboardingError({"note": _("Keep the note under 2,000 characters.")})
    response = ComplianceResponse.objects.select_for_update().get(pk=response.pk)
    if not response.is_current or response.review_status not in REQUESTABLE:
        raise OnboardingError(_("Changes can only be requested on the current answers."), code="not_current")
    previous = response.review_status
    response.review_status = ComplianceResponse.Review.CHANGES_REQUESTED
    response.reviewed_at, response.reviewed_by, response.review_note = timezone.now(), actor, note
    response.save(update_fields=["review_status", "reviewed_at", "reviewed_by", "review_note"])
    audit(actor=actor, action="partners.compliance.changes_requested", target=response,
          data={"note": note, "previous_status": previous, "number": response.number})
    partner = PartnerOrganization.objects.get(pk=response.partner_id)
    admins = admins_by_partner(partner_ids=[partner.pk]).get(partner.pk, [])
    if admins:
        notify_bulk(kind="partners.compliance_changes_requested", notices=[
            Notice(subject=response, recipient=user, language=partner.default_language, partner=partner,
                   context={"partner_name": partner.name, "note": note,
                            "portal_url": settings.SITE_URL.rstrip("/") + reverse("partners:onboarding_compliance")})
            for user in admins
        ])
    return response
