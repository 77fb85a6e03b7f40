"""Onboarding writes: checklist steps, the company profile, payout details, "just me", activation,
and time to first value.

Every function runs inside the partner's scope (portal) or a staff scope that includes it (admin).
A partner in ``onboarding`` becomes ``active`` as soon as its checklist is complete; every write
that can complete it ends with ``onboarding_activate_if_ready``.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import OnboardingProfile, OnboardingStep, PartnerOrganization, PayoutDetails
from partners.onboarding_selectors import Checklist, onboarding_checklist, onboarding_facts
from partners.onboarding_steps import PAYOUT, PROFILE, TEAM, all_steps, get_step
from prm.common.audit import audit

from .organizations import partner_set_status


class OnboardingError(ValidationError):
    """An onboarding step cannot be done (wrong state, missing data)."""


@transaction.atomic
def onboarding_step_complete(*, partner: PartnerOrganization, code: str, actor, note: str = "") -> OnboardingStep:
    """Record that the partner did a step (idempotent: the first time counts, its time is kept)."""
    get_step(code)  # unknown codes are a programming error
    step, created = OnboardingStep.objects.get_or_create(
        partner=partner, code=code,
        defaults={"completed_at": timezone.now(), "completed_by": actor if getattr(actor, "pk", None) else None,
                  "note": note[:200]},
    )
    if created:
        audit(actor=actor, action="partners.onboarding_step.completed", target=step, data={"code": code, "note": note})
    return step


@transaction.atomic
def onboarding_activate_if_ready(*, partner: PartnerOrganization, actor, checklist: Checklist | None = None) -> bool:
    """Make an onboarding partner active when every required step is done and nothing blocks it.

    True when this call activated it. ``activated_at`` is set once, the first time.
    """
    status = PartnerOrganization.objects.filter(pk=partner.pk).values_list("status", flat=True).first()
    if status != PartnerOrganization.Status.ONBOARDING:
        return False
    checklist = checklist or onboarding_checklist(partner=partner)
    if not checklist.complete:
        return False
    partner_set_status(partner=partner, status=PartnerOrganization.Status.ACTIVE, actor=actor,
                       reason="onboarding checklist complete")
    now = timezone.now()
    PartnerOrganization.objects.filter(pk=partner.pk, activated_at__isnull=True).update(activated_at=now)
    # The caller's instance (often request.partner) shows the new state on the page it renders next.
    partner.status = PartnerOrganization.Status.ACTIVE
    partner.activated_at = partner.activated_at or now
    return True


def onboarding_sync(*, partner: PartnerOrganization, actor=None) -> Checklist:
    """Record steps whose condition now holds (e.g. a second member joined), then activate if ready.

    Idempotent; called when the checklist is shown (portal page and API). Reads first and opens a
    write transaction only when there is something to record, so showing the page stays a read.
    """
    facts = onboarding_facts(partner=partner)
    for definition in all_steps():
        if definition.derived and definition.code not in facts.steps and definition.derived(facts):
            facts.steps[definition.code] = onboarding_step_complete(partner=partner, code=definition.code, actor=actor)
    checklist = onboarding_checklist(partner=partner, facts=facts)
    if partner.status == PartnerOrganization.Status.ONBOARDING and checklist.complete:
        onboarding_activate_if_ready(partner=partner, actor=actor, checklist=checklist)
    return checklist


@transaction.atomic
def onboarding_profile_update(*, partner: PartnerOrganization, actor, legal_name: str, website: str,
                              address_line1: str, address_line2: str, postal_code: str, city: str, country: str,
                              vat_id: str, phone: str) -> OnboardingProfile:
    """Save the partner's company profile (legal name and website on the partner, the rest on its profile)."""
    locked = PartnerOrganization.objects.select_for_update().get(pk=partner.pk)
    before = {"legal_name": locked.legal_name, "website": locked.website}
    locked.legal_name, locked.website = legal_name, website
    locked.save(update_fields=["legal_name", "website"])
    partner.legal_name, partner.website = legal_name, website
    profile, _created = OnboardingProfile.objects.update_or_create(
        partner=partner,
        defaults={"address_line1": address_line1, "address_line2": address_line2, "postal_code": postal_code,
                  "city": city, "country": country, "vat_id": vat_id, "phone": phone, "updated_by": actor},
    )
    audit(actor=actor, action="partners.onboarding_profile.updated", target=profile, data={"before": before})
    onboarding_step_complete(partner=partner, code=PROFILE, actor=actor)
    onboarding_activate_if_ready(partner=partner, actor=actor)
    return profile


@transaction.atomic
def payout_details_update(*, partner: PartnerOrganization, actor, account_holder: str, bank_country: str,
                          method: str, currency: str, iban: str = "", bic: str = "", account_number: str = "",
                          routing_number: str = "") -> PayoutDetails:
    """Save where the partner is paid. Fields of the other method are cleared; the audit keeps only the mask."""
    if method == PayoutDetails.Method.IBAN:
        if not iban:
            raise OnboardingError({"iban": _("Enter the IBAN.")})
        account_number = routing_number = ""
    elif method == PayoutDetails.Method.ACCOUNT:
        if not (account_number and routing_number):
            raise OnboardingError(_("Enter the account number and the routing number."))
        iban = bic = ""
    else:
        raise OnboardingError(_("Choose how we pay you."))
    details, _created = PayoutDetails.objects.update_or_create(
        partner=partner,
        defaults={"account_holder": account_holder, "bank_country": bank_country, "method": method,
                  "currency": currency, "iban": iban, "bic": bic, "account_number": account_number,
                  "routing_number": routing_number, "updated_by": actor},
    )
    audit(actor=actor, action="partners.payout_details.updated", target=details,
          data={"account": details.masked_account, "currency": currency, "method": method})
    onboarding_step_complete(partner=partner, code=PAYOUT, actor=actor)
    onboarding_activate_if_ready(partner=partner, actor=actor)
    return details


@transaction.atomic
def onboarding_team_just_me(*, partner: PartnerOrganization, actor) -> OnboardingStep:
    """The partner admin says they work alone: the team step is done without inviting anyone."""
    step = onboarding_step_complete(partner=partner, code=TEAM, actor=actor, note="just me")
    onboarding_activate_if_ready(partner=partner, actor=actor)
    return step


@transaction.atomic
def partner_record_first_deal(*, partner: PartnerOrganization, registered_at=None, won_at=None) -> PartnerOrganization:
    """Time to first value: keep the first registered and first won deal times; later calls change nothing.

    Called by deal registration on every registration and win; conditional updates make it safe
    under concurrency (the first writer wins) and cheap when already set.
    """
    changed = {}
    if registered_at is not None and PartnerOrganization.objects.filter(
        pk=partner.pk, first_deal_registered_at__isnull=True
    ).update(first_deal_registered_at=registered_at):
        changed["first_deal_registered_at"] = registered_at.isoformat()
    if won_at is not None and PartnerOrganization.objects.filter(
        pk=partner.pk, first_deal_won_at__isnull=True
    ).update(first_deal_won_at=won_at):
        changed["first_deal_won_at"] = won_at.isoformat()
    if changed:
        audit(actor=None, action="partners.partner.first_value", target=partner, partner=partner, data=changed)
    fresh = PartnerOrganization.objects.only("first_deal_registered_at", "first_deal_won_at").get(pk=partner.pk)
    partner.first_deal_registered_at = fresh.first_deal_registered_at
    partner.first_deal_won_at = fresh.first_deal_won_at
    return partner
