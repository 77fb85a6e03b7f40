"""The onboarding checklist as a registry of step definitions.

Other apps add their steps with ``register_step`` from their AppConfig.ready(): enablement will
replace the "first_course" placeholder (same code) with a real, required step. A step is done when
an OnboardingStep row exists for (partner, code); a step with ``derived`` is recorded automatically
the first time its condition holds (partners.services.onboarding.onboarding_sync).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from partners.models import ComplianceResponse, OnboardingStep, PartnerOrganization
    from partners.onboarding_selectors import AgreementStatus


@dataclass
class OnboardingFacts:
    """What step predicates may look at, read once per checklist (partners.onboarding_selectors)."""

    partner: "PartnerOrganization"
    steps: dict[str, "OnboardingStep"]
    active_members: int
    agreement: "AgreementStatus"
    compliance: "ComplianceResponse | None"
    compliance_questions: int
    extra: dict[str, Any] = field(default_factory=dict)  # for registered steps of other apps


def _always(facts: OnboardingFacts) -> bool:
    return True


def _never(facts: OnboardingFacts) -> bool:
    return False


@dataclass(frozen=True)
class StepDefinition:
    code: str
    label: str | Promise
    description: str | Promise
    order: int
    url_name: str = ""  # where the step is done (a URL name without arguments)
    required: Callable[[OnboardingFacts], bool] = _always
    available: bool = True  # False: shown but not doable yet
    unavailable_note: str | Promise = ""
    derived: Callable[[OnboardingFacts], bool] | None = None
    admin_only: bool = True  # only partner admins can complete it


_REGISTRY: dict[str, StepDefinition] = {}


def register_step(definition: StepDefinition) -> StepDefinition:
    """Add or replace (same code) a step."""
    _REGISTRY[definition.code] = definition
    return definition


def all_steps() -> list[StepDefinition]:
    return sorted(_REGISTRY.values(), key=lambda step: (step.order, step.code))


def get_step(code: str) -> StepDefinition:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise LookupError(f"Unknown onboarding step {code!r}") from None


PROFILE = "profile"
AGREEMENT = "agreement"
COMPLIANCE = "compliance"
PAYOUT = "payout"
TEAM = "team"
FIRST_COURSE = "first_course"

register_step(StepDefinition(
    code=PROFILE, order=10, url_name="partners:onboarding_profile",
    label=_("Company profile"),
    description=_("Legal name, address, VAT or tax ID and a phone number."),
))
register_step(StepDefinition(
    code=AGREEMENT, order=20, url_name="partners:agreement",
    label=_("Partner agreement"),
    description=_("Read and accept the partner agreement for your company."),
    required=lambda facts: facts.agreement.current is not None,
    unavailable_note=_("No agreement to accept yet."),
))
register_step(StepDefinition(
    code=COMPLIANCE, order=30, url_name="partners:onboarding_compliance",
    label=_("Compliance questionnaire"),
    description=_("Anti-bribery due diligence and data protection."),
    required=lambda facts: facts.compliance_questions > 0,
))
register_step(StepDefinition(
    code=PAYOUT, order=40, url_name="partners:onboarding_payout",
    label=_("Payout details"),
    description=_("The bank account we pay funds and fees to."),
))
register_step(StepDefinition(
    code=TEAM, order=50, url_name="partners:team",
    label=_("Invite your team"),
    description=_("Invite at least one colleague, or tell us you work alone."),
    derived=lambda facts: facts.active_members >= 2,
))
# Replaced by the enablement app when it exists; until then shown, not required.
register_step(StepDefinition(
    code=FIRST_COURSE, order=60,
    label=_("Your first course"),
    description=_("A short course to get started with the program."),
    required=_never, available=False, unavailable_note=_("Coming with enablement."),
))
