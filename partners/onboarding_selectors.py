"""Reads for onboarding: the applicable agreement and where a partner stands with it, the checklist,
the questionnaire, and time to first value for analytics.

Partner-owned reads run in the caller's scope (portal: the partner; admin: the staff scope; the
nudge job: a scope over its chunk). Agreement texts and questions are global configuration.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from prm.tenancy.scoping import narrowed_scope

from .models import (
    AgreementAcceptance,
    AgreementVersion,
    ComplianceQuestion,
    ComplianceResponse,
    Membership,
    OnboardingProfile,
    OnboardingStep,
    PartnerOrganization,
    PayoutDetails,
)
from .onboarding_steps import OnboardingFacts, StepDefinition, all_steps

# --- Agreements -------------------------------------------------------------------------------------


class AgreementState:
    NOT_REQUIRED = "not_required"  # no agreement applies to this partner
    REQUIRED = "required"  # not accepted; the portal is locked
    DUE = "due"  # a newer version to accept by a deadline; still open until then
    ACCEPTED = "accepted"  # the current version is accepted


@dataclass(frozen=True)
class AgreementStatus:
    state: str
    current: AgreementVersion | None = None
    accepted: AgreementAcceptance | None = None  # the latest acceptance of the applicable agreement
    deadline: date | None = None

    @property
    def locks_portal(self) -> bool:
        return self.state == AgreementState.REQUIRED

    @property
    def days_left(self) -> int | None:
        if self.deadline is None:
            return None
        return (self.deadline - timezone.localdate()).days


def _template_rank(template, *, partner_type: str, region_id: int, language: str) -> tuple | None:
    """How well a template fits a partner (higher is better), None when it does not apply.

    The legally specific text wins over the language: a type- or region-specific agreement in
    English beats a generic one in the partner's language.
    """
    if template.partner_type and template.partner_type != partner_type:
        return None
    if template.region_id and template.region_id != region_id:
        return None
    if template.language == language:
        language_rank = 2
    elif template.language == settings.LANGUAGE_CODE:
        language_rank = 1
    else:
        return None
    return (bool(template.partner_type), bool(template.region_id), language_rank)


def published_versions() -> list[AgreementVersion]:
    """Every published version of every active agreement, newest first (a small configuration table)."""
    return list(
        AgreementVersion.objects.filter(template__is_active=True, published_at__isnull=False,
                                        published_at__lte=timezone.now())
        .select_related("template")
        .defer("body")  # read on every portal request; the one text shown is loaded when needed
        .order_by("template_id", "-version")
    )


def current_version_for(*, partner: PartnerOrganization, versions: list[AgreementVersion]) -> AgreementVersion | None:
    """The newest published version of the best-fitting agreement for the partner (pure, no query)."""
    best, best_rank = None, None
    for version in versions:  # newest first per template: a template's first hit is its current version
        rank = _template_rank(version.template, partner_type=partner.partner_type, region_id=partner.region_id,
                              language=partner.default_language)
        if rank is not None and (best_rank is None or rank > best_rank):
            best, best_rank = version, rank
    return best


def agreement_state(*, partner: PartnerOrganization, current: AgreementVersion | None,
                    accepted: AgreementAcceptance | None, today: date | None = None) -> AgreementStatus:
    """The rules of the lock, in one place (pure).

    An admin who never accepted must accept before using the portal. A new version may be accepted
    until its deadline by partners who accepted an earlier one (or were already active when the
    agreement was introduced); after the deadline, or without one, the portal locks.
    """
    if current is None:
        return AgreementStatus(state=AgreementState.NOT_REQUIRED)
    if accepted is not None and accepted.version_id == current.pk:
        return AgreementStatus(state=AgreementState.ACCEPTED, current=current, accepted=accepted)
    deadline = current.reaccept_deadline
    today = today or timezone.localdate()
    had_terms = accepted is not None or partner.status == PartnerOrganization.Status.ACTIVE
    if deadline is not None and today <= deadline and had_terms:
        return AgreementStatus(state=AgreementState.DUE, current=current, accepted=accepted, deadline=deadline)
    return AgreementStatus(state=AgreementState.REQUIRED, current=current, accepted=accepted, deadline=deadline)


def agreement_status_for(*, partner: PartnerOrganization, today: date | None = None) -> AgreementStatus:
    """Where the partner stands with its agreement: two small queries (runs on every portal request)."""
    current = current_version_for(partner=partner, versions=published_versions())
    accepted = None
    if current is not None:
        accepted = (
            AgreementAcceptance.objects.filter(partner=partner, template_id=current.template_id)
            .order_by("-accepted_at", "-id")
            .first()
        )
    return agreement_state(partner=partner, current=current, accepted=accepted, today=today)


def agreement_acceptance_list_for_portal(*, partner: PartnerOrganization):
    return (
        AgreementAcceptance.objects.filter(partner=partner)
        .select_related("version", "template", "pdf")
        .order_by("-accepted_at", "-id")
    )


def agreement_acceptance_get(*, partner: PartnerOrganization, pk: int) -> AgreementAcceptance:
    """One acceptance of the partner; another partner's id is not found (404)."""
    return AgreementAcceptance.objects.select_related("version", "template", "pdf").get(partner=partner, pk=pk)


# --- Questionnaire, profile, payout -----------------------------------------------------------------


def compliance_questions_for(*, partner: PartnerOrganization) -> list[ComplianceQuestion]:
    questions = ComplianceQuestion.objects.filter(is_active=True).order_by("order", "id")
    return [q for q in questions if q.applies_to(partner.partner_type)]


def compliance_response_for(*, partner: PartnerOrganization) -> ComplianceResponse | None:
    """The partner's current submission (earlier ones are history)."""
    return (ComplianceResponse.objects.filter(partner=partner, superseded_at__isnull=True)
            .select_related("reviewed_by").first())


def compliance_history_for(*, partner: PartnerOrganization, limit: int = 50) -> list[ComplianceResponse]:
    """Every submission of the partner, newest first (the current one included), in one query."""
    return list(ComplianceResponse.objects.filter(partner=partner).select_related("submitted_by", "reviewed_by")
                .order_by("-number")[:limit])


def onboarding_profile_for(*, partner: PartnerOrganization) -> OnboardingProfile | None:
    return OnboardingProfile.objects.filter(partner=partner).first()


def payout_details_for(*, partner: PartnerOrganization) -> PayoutDetails | None:
    return PayoutDetails.objects.filter(partner=partner).first()


# --- The checklist ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepState:
    definition: StepDefinition
    done: bool
    required: bool
    available: bool
    completed_at: datetime | None = None
    completed_by: object = None
    note: str = ""

    @property
    def code(self) -> str:
        return self.definition.code


@dataclass(frozen=True)
class Checklist:
    steps: list[StepState]
    facts: OnboardingFacts
    blockers: list[str]  # codes: "agreement", "compliance_review", "compliance_changes"

    @property
    def required_steps(self) -> list[StepState]:
        return [s for s in self.steps if s.required]

    @property
    def done_count(self) -> int:
        return sum(1 for s in self.required_steps if s.done)

    @property
    def required_count(self) -> int:
        return len(self.required_steps)

    @property
    def percent(self) -> int:
        if not self.required_count:
            return 100
        return round(100 * self.done_count / self.required_count)

    @property
    def complete(self) -> bool:
        """Every required step done and nothing blocking: the partner may be activated."""
        return self.done_count == self.required_count and not self.blockers

    @property
    def missing(self) -> list[StepState]:
        return [s for s in self.required_steps if not s.done]


def onboarding_facts(*, partner: PartnerOrganization, agreement: AgreementStatus | None = None) -> OnboardingFacts:
    steps = {s.code: s for s in OnboardingStep.objects.filter(partner=partner).select_related("completed_by")}
    return OnboardingFacts(
        partner=partner,
        steps=steps,
        active_members=Membership.objects.filter(partner=partner, is_active=True).count(),
        agreement=agreement if agreement is not None else agreement_status_for(partner=partner),
        compliance=compliance_response_for(partner=partner),
        compliance_questions=len(compliance_questions_for(partner=partner)),
    )


def onboarding_checklist(*, partner: PartnerOrganization, agreement: AgreementStatus | None = None,
                         facts: OnboardingFacts | None = None) -> Checklist:
    facts = facts or onboarding_facts(partner=partner, agreement=agreement)
    states = []
    for definition in all_steps():
        row = facts.steps.get(definition.code)
        required = definition.available and bool(definition.required(facts))
        note = ""
        if not definition.available or (not required and row is None):
            note = str(definition.unavailable_note)
        states.append(StepState(
            definition=definition, done=row is not None, required=required, available=definition.available,
            completed_at=row.completed_at if row else None, completed_by=row.completed_by if row else None, note=note,
        ))
    blockers = []
    if facts.agreement.locks_portal:
        blockers.append("agreement")  # e.g. a new version without a deadline, published mid-onboarding
    if facts.compliance is not None and facts.compliance.blocks_activation:
        changes = facts.compliance.review_status == ComplianceResponse.Review.CHANGES_REQUESTED
        blockers.append("compliance_changes" if changes else "compliance_review")
    return Checklist(steps=states, facts=facts, blockers=blockers)


# --- Time to first value ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeToValue:
    """From approval (the partner organisation's creation) to activation, first deal, first win."""

    approved_at: datetime
    activated_at: datetime | None
    first_deal_registered_at: datetime | None
    first_deal_won_at: datetime | None

    def _since_approval(self, moment: datetime | None) -> timedelta | None:
        return None if moment is None else moment - self.approved_at

    @property
    def to_activation(self) -> timedelta | None:
        return self._since_approval(self.activated_at)

    @property
    def to_first_deal(self) -> timedelta | None:
        return self._since_approval(self.first_deal_registered_at)

    @property
    def to_first_win(self) -> timedelta | None:
        return self._since_approval(self.first_deal_won_at)


def ttv_for_partners(partner_ids: Iterable[int]) -> dict[int, TimeToValue]:
    """Time to first value per partner, in one query (PartnerOrganization is not partner-owned)."""
    rows = PartnerOrganization.objects.filter(pk__in=list(partner_ids)).values_list(
        "pk", "created_at", "activated_at", "first_deal_registered_at", "first_deal_won_at"
    )
    return {
        pk: TimeToValue(approved_at=created, activated_at=activated, first_deal_registered_at=registered,
                        first_deal_won_at=won)
        for pk, created, activated, registered, won in rows
    }


# --- Nudges (set-based over a chunk of partners; call inside a scope over the chunk) ------------------


def last_progress_by_partner(*, partners: list[PartnerOrganization]) -> dict[int, datetime]:
    """The latest of "entered onboarding" and "completed a step", per partner, in one query."""
    latest_step = dict(
        OnboardingStep.objects.filter(partner_id__in=[p.pk for p in partners])
        .values("partner_id").annotate(latest=Max("completed_at")).values_list("partner_id", "latest")
    )
    return {
        p.pk: max(filter(None, [p.status_changed_at, latest_step.get(p.pk)]))
        for p in partners
    }


def admins_by_partner(*, partner_ids: list[int]) -> dict[int, list]:
    """Active admins of the partners (those of the active scope), in one query; the scope is the partner filter."""
    result: dict[int, list] = {}
    with narrowed_scope(partner_ids) as kept:
        if not kept:
            return result
        rows = (Membership.objects.filter(is_active=True, role=Membership.Role.ADMIN, user__is_active=True)
                .select_related("user").order_by("partner_id", "user_id"))
        for membership in rows:
            result.setdefault(membership.partner_id, []).append(membership.user)
    return result


def latest_acceptances_by_partner(*, partner_ids: list[int]) -> dict[tuple[int, int], AgreementAcceptance]:
    """(partner id, template id) -> the latest acceptance, in one query (the scope is the partner filter)."""
    result: dict[tuple[int, int], AgreementAcceptance] = {}
    with narrowed_scope(partner_ids) as kept:
        if not kept:
            return result
        for acceptance in AgreementAcceptance.objects.order_by("accepted_at", "id"):
            result[(acceptance.partner_id, acceptance.template_id)] = acceptance
    return result


def compliance_review_count(*, partner_ids: list[int] | None = None) -> int:
    qs = ComplianceResponse.objects.filter(review_status=ComplianceResponse.Review.PENDING, superseded_at__isnull=True)
    if partner_ids is not None:
        qs = qs.filter(partner_id__in=partner_ids)
    return qs.count()
