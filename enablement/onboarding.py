"""The onboarding checklist's "first course" step, replacing the placeholder partners registers under the same
code (registered from EnablementConfig.ready()).

Required only while at least one published course is offered to the partner's type, so an empty catalogue never
blocks a partner's activation. Derived: recorded once, by partners.services.onboarding.onboarding_sync, the first
time an active member of the partner has completed any course. Each fact is read lazily, once per checklist, and
kept in ``OnboardingFacts.extra``; both reads are in the partner's (or a staff) scope like the rest of the facts.
"""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from partners.models import Membership
from partners.onboarding_steps import FIRST_COURSE, OnboardingFacts, StepDefinition, register_step

from .models import Course, Enrollment

FACTS_KEY = "enablement"


def _facts(facts: OnboardingFacts) -> dict:
    return facts.extra.setdefault(FACTS_KEY, {})


def courses_offered(facts: OnboardingFacts) -> bool:
    """At least one published course targets the partner's type (any role). One query (targeting is decided in
    Python, as the catalogue does, so it works on both databases)."""
    known = _facts(facts)
    if "courses_offered" not in known:
        partner_type = facts.partner.partner_type
        known["courses_offered"] = any(not types or partner_type in types for types in
                                       Course.objects.published().values_list("partner_types", flat=True))
    return known["courses_offered"]


def course_completed(facts: OnboardingFacts) -> bool:
    """An active member of the partner has completed a course (any course, taken here or imported). One query."""
    known = _facts(facts)
    if "course_completed" not in known:
        member = Membership.objects.filter(partner_id=OuterRef("partner_id"), user_id=OuterRef("user_id"),
                                           is_active=True)
        known["course_completed"] = (Enrollment.objects.filter(partner=facts.partner,
                                                               status=Enrollment.Status.COMPLETED)
                                     .filter(Exists(member)).exists())
    return known["course_completed"]


FIRST_COURSE_STEP = StepDefinition(
    code=FIRST_COURSE, order=60, url_name="enablement:catalogue",
    label=_("Your first course"),
    description=_("Someone in your team completes a course from the learning catalogue."),
    required=courses_offered, derived=course_completed, admin_only=False,
    unavailable_note=_("No course is offered to your partner type yet."),
)


def register() -> None:
    register_step(FIRST_COURSE_STEP)
