"""Recruitment: submitting an application (scored, checked for duplicates), approving and rejecting it.

Approving creates the partner in ``onboarding`` and invites its first admin; nothing else creates a
partner from an application, so a company whose domain is already a partner is never created twice.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.countries import currency_for_country
from partners.models import (
    IdealProfileCriterion,
    Membership,
    PartnerApplication,
    PartnerOrganization,
    Region,
)
from prm.common.audit import audit
from prm.common.domains import company_domain
from prm.notifications.services import notify
from prm.tenancy.scoping import partner_scope

from .invitations import invitation_create

REASON_MAX = 2000


class ApplicationError(ValidationError):
    """An application cannot be submitted or decided (wrong state, duplicate partner, missing reason)."""


# --- IPP fit score -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationFacts:
    """What the Ideal Partner Profile is matched against."""

    partner_type: str
    country: str
    region_code: str
    size_band: str
    certified_staff: int
    industries: frozenset[str]

    @classmethod
    def of(cls, application: PartnerApplication, *, region: Region | None) -> "ApplicationFacts":
        return cls(
            partner_type=application.partner_type, country=application.country,
            region_code=region.code if region else "", size_band=application.size_band,
            certified_staff=application.certified_staff or 0, industries=frozenset(application.industries or []),
        )


def criterion_matches(criterion: IdealProfileCriterion, facts: ApplicationFacts) -> bool:
    attr = IdealProfileCriterion.Attribute
    values = set(criterion.values or [])
    if criterion.attribute == attr.CERTIFIED_STAFF_MIN:
        return criterion.minimum is not None and facts.certified_staff >= criterion.minimum
    if criterion.attribute == attr.INDUSTRIES:
        return bool(facts.industries & values)
    actual = {attr.PARTNER_TYPE: facts.partner_type, attr.COUNTRY: facts.country, attr.REGION: facts.region_code,
              attr.SIZE_BAND: facts.size_band}.get(criterion.attribute)
    return actual in values


def ipp_score(*, facts: ApplicationFacts, criteria: Iterable[IdealProfileCriterion]) -> tuple[int, list[dict]]:
    """The score (0–100: the share of the total weight met) and each criterion's contribution.

    Contributions are stored with the application, so the score stays explainable after the
    operators change the profile (until it is rescored).
    """
    criteria = [c for c in criteria if c.is_active and c.weight > 0]
    total = sum(c.weight for c in criteria)
    if not total:
        return 0, []
    contributions, met = [], 0
    for criterion in criteria:
        matched = criterion_matches(criterion, facts)
        met += criterion.weight if matched else 0
        contributions.append({
            "criterion_id": criterion.pk,
            "name": criterion.name,
            "attribute": criterion.attribute,
            "weight": criterion.weight,
            "matched": matched,
            "points": round(criterion.weight * 100 / total, 1) if matched else 0.0,
        })
    return round(met * 100 / total), contributions


def active_criteria() -> list[IdealProfileCriterion]:
    return list(IdealProfileCriterion.objects.filter(is_active=True).order_by("-weight", "pk"))


def region_for_country(country: str, *, regions: Iterable[Region] | None = None) -> Region | None:
    """The region whose countries include ``country`` (the first by name when several do)."""
    if regions is None:
        regions = Region.objects.order_by("name", "pk")
    return next((region for region in regions if country in (region.countries or [])), None)


def _score(application: PartnerApplication, *, criteria, region: Region | None) -> None:
    application.score, application.score_contributions = ipp_score(
        facts=ApplicationFacts.of(application, region=region), criteria=criteria
    )
    application.scored_at = timezone.now()


@transaction.atomic
def applications_rescore(*, actor, pending_only: bool = True) -> int:
    """Score applications again against the current profile (after operators change it), and take
    their region again from the regions' countries (after operators move a country).

    Set-based: the criteria and regions are read once, rows are written with one bulk update per chunk.
    """
    criteria = active_criteria()
    regions = list(Region.objects.order_by("name", "pk"))
    qs = PartnerApplication.objects.all()
    if pending_only:
        qs = qs.pending()
    changed = []
    by_id = {region.pk: region for region in regions}
    for application in qs.only("id", "partner_type", "country", "region_id", "region_chosen_at", "size_band",
                               "certified_staff", "industries").iterator(chunk_size=2000):
        if application.region_chosen_at is None:  # a manager's choice at review stands
            application.region = region_for_country(application.country, regions=regions)
        else:
            application.region = by_id.get(application.region_id)
        _score(application, criteria=criteria, region=application.region)
        changed.append(application)
    PartnerApplication.objects.bulk_update(changed, ["region", "score", "score_contributions", "scored_at"],
                                           batch_size=1000)
    audit(actor=actor, action="partners.application.rescored", data={"count": len(changed), "pending_only": pending_only})
    return len(changed)


# --- duplicates ---------------------------------------------------------------------------------------


def _find_duplicates(*, domain: str, exclude_pk: int | None = None):
    """(partner, application) already known under this registrable domain; either may be None."""
    if not domain:
        return None, None
    partner = PartnerOrganization.objects.filter(domain=domain).order_by("pk").first()
    others = PartnerApplication.objects.filter(domain=domain)
    if exclude_pk:
        others = others.exclude(pk=exclude_pk)
    # Link to the first application of the company: the one the others repeat.
    return partner, others.order_by("created_at", "pk").first()


# --- submit -------------------------------------------------------------------------------------------

SUBMITTED_FIELDS = ("company_name", "website", "country", "partner_type", "size_band", "certified_staff",
                    "industries", "target_customers", "contact_name", "contact_email", "contact_phone", "language")


def application_by_key(*, idempotency_key) -> PartnerApplication | None:
    return PartnerApplication.objects.filter(idempotency_key=idempotency_key).first()


@transaction.atomic
def application_submit(*, data: dict, idempotency_key, ip: str | None = None,
                       user_agent: str = "") -> tuple[PartnerApplication, bool]:
    """Record an application from the public form; returns (application, created).

    Idempotent on ``idempotency_key`` (the form's hidden key, unique in the database): a second
    submit of the same form, even concurrent, returns the first application and sends nothing.
    Scores it against the IPP, flags and links a duplicate domain, and e-mails a receipt in the
    applicant's language after commit. ``data`` is the form's cleaned data.
    """
    existing = application_by_key(idempotency_key=idempotency_key)
    if existing is not None:
        return existing, False
    application = PartnerApplication(idempotency_key=idempotency_key, submitted_ip=ip or None,
                                     user_agent=(user_agent or "")[:400],
                                     **{name: data[name] for name in SUBMITTED_FIELDS})
    application.contact_email = application.contact_email.strip().lower()
    application.domain = company_domain(application.website)
    if not application.domain:
        raise ApplicationError({"website": _("Enter your company's web domain, for example example.com.")})
    application.region = region_for_country(application.country)
    _score(application, criteria=active_criteria(), region=application.region)
    partner, first = _find_duplicates(domain=application.domain)
    application.duplicate_of_partner, application.duplicate_of_application = partner, first
    application.is_duplicate = bool(partner or first)
    application.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            application.save(force_insert=True)
    except IntegrityError:
        # The same form submitted twice at once: the other request won, and it sends the receipt.
        existing = application_by_key(idempotency_key=idempotency_key)
        if existing is None:
            raise
        return existing, False
    audit(actor=None, action="partners.application.submitted", target=application,
          data={"domain": application.domain, "score": application.score, "duplicate": application.is_duplicate})
    notify(
        kind="partners.application_received", to_email=application.contact_email, language=application.language,
        subject=application,
        context={"company_name": application.company_name, "contact_name": application.contact_name,
                 "reference": application.pk, "submitted_at": application.created_at.isoformat()},
    )
    return application, True


# --- review -------------------------------------------------------------------------------------------


def can_decide_application(*, user, application: PartnerApplication) -> bool:
    """Operators decide every application; channel managers those of their regions."""
    if user.is_operator:
        return True
    return bool(user.is_channel_manager and application.region_id
                and user.regions.filter(pk=application.region_id).exists())


def _lock_pending(application: PartnerApplication, *, actor) -> PartnerApplication:
    # Lock every application of the same company: two approvals of one domain run one after the other,
    # so the second sees the partner the first created.
    rows = PartnerApplication.objects.select_for_update().filter(
        Q(pk=application.pk) | (Q(domain=application.domain) if application.domain else Q(pk__in=[]))
    ).order_by("pk")
    locked = next((row for row in rows if row.pk == application.pk), None)
    if locked is None:
        raise ApplicationError(_("This application no longer exists."))
    if not can_decide_application(user=actor, application=locked):
        raise PermissionDenied
    if locked.status != PartnerApplication.Status.PENDING:
        raise ApplicationError(_("This application has already been decided."), code="decided")
    return locked


def _choose_region(application: PartnerApplication, *, region: Region, actor) -> None:
    """Move a locked, pending application to ``region`` (scored again: the IPP may weigh regions)."""
    if not isinstance(region, Region) or region.pk is None:
        raise ApplicationError({"region": _("Choose a region.")})
    before = application.region_id
    application.region = region
    application.region_chosen_by, application.region_chosen_at = actor, timezone.now()
    _score(application, criteria=active_criteria(), region=region)
    application.save(update_fields=["region", "region_chosen_by", "region_chosen_at", "score", "score_contributions",
                                    "scored_at"])
    derived = region_for_country(application.country)
    audit(actor=actor, action="partners.application.region_changed", target=application,
          data={"from_region_id": before, "to_region_id": region.pk,
                "derived_region_id": derived.pk if derived else None, "score": application.score})


@transaction.atomic
def application_set_region(*, application: PartnerApplication, actor, region: Region) -> PartnerApplication:
    """A manager chooses the application's region at review (the country's region is only the default: a
    company may be served from another region, or its country is in none yet).

    Only who may decide the application may move it (operators: any; channel managers: those of their regions),
    to any region: a manager hands it over to the managers of the region that serves the company. Pending only;
    the IPP score is recomputed; audited with the region before, after and the one the country gives.
    """
    application = _lock_pending(application, actor=actor)
    if application.region_id != getattr(region, "pk", None):
        _choose_region(application, region=region, actor=actor)
    return application


@transaction.atomic
def application_approve(*, application: PartnerApplication, actor, region: Region | None = None) -> PartnerApplication:
    """Create the partner (status ``onboarding``) and invite the applicant as its first admin.

    ``region``: the manager's choice at review, when it differs from the application's (the partner is created
    in it). Refuses when a partner with the same registrable domain exists (the application is linked to
    it instead). The invitation e-mail, in the applicant's language, leaves after commit.
    """
    application = _lock_pending(application, actor=actor)
    if region is not None and application.region_id != region.pk:
        _choose_region(application, region=region, actor=actor)
    if application.region_id is None:
        raise ApplicationError(
            _("No region includes the country %(country)s. Choose a region for this application, or add the country "
              "to a region first.") % {"country": application.country}
        )
    existing = PartnerOrganization.objects.filter(domain=application.domain).order_by("pk").first() \
        if application.domain else None
    if existing is not None:
        raise ApplicationError(
            _("%(partner)s already uses the domain %(domain)s; no second partner was created.")
            % {"partner": existing.name, "domain": application.domain}, code="duplicate",
        )
    now = timezone.now()
    partner = PartnerOrganization(
        name=application.company_name, legal_name=application.company_name, partner_type=application.partner_type,
        country=application.country, region_id=application.region_id, default_language=application.language,
        currency=currency_for_country(application.country), status=PartnerOrganization.Status.ONBOARDING,
        status_changed_at=now, website=f"https://{_host(application.website)}",
        channel_manager=actor if actor.is_channel_manager else None,
    )
    partner.full_clean()
    partner.save()
    application.status = PartnerApplication.Status.APPROVED
    application.partner = partner
    application.decided_at, application.decided_by = now, actor
    application.save(update_fields=["status", "partner", "decided_at", "decided_by"])
    audit(actor=actor, action="partners.partner.created", target=partner, partner=partner,
          data={"application_id": application.pk})
    audit(actor=actor, action="partners.application.approved", target=application, partner=partner,
          data={"partner_id": partner.pk, "score": application.score})
    with partner_scope(partner):
        invitation_create(
            partner=partner, email=application.contact_email, role=Membership.Role.ADMIN, invited_by=actor,
            language=application.language, full_name=application.contact_name,
        )
    return application


@transaction.atomic
def application_reject(*, application: PartnerApplication, actor, reason: str) -> PartnerApplication:
    """Reject with a reason (required), e-mailed to the applicant in their language after commit."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError({"reason": _("Give a reason: the applicant receives it.")}, code="required")
    if len(reason) > REASON_MAX:
        raise ApplicationError({"reason": _("Keep the reason under %(max)d characters.") % {"max": REASON_MAX}})
    application = _lock_pending(application, actor=actor)
    application.status = PartnerApplication.Status.REJECTED
    application.rejection_reason = reason
    application.decided_at, application.decided_by = timezone.now(), actor
    application.save(update_fields=["status", "rejection_reason", "decided_at", "decided_by"])
    audit(actor=actor, action="partners.application.rejected", target=application, data={"reason": reason})
    notify(
        kind="partners.application_rejected", to_email=application.contact_email, language=application.language,
        subject=application,
        context={"company_name": application.company_name, "contact_name": application.contact_name,
                 "reason": reason, "reference": application.pk},
    )
    return application


@dataclass(frozen=True)
class BulkOutcome:
    done: list[PartnerApplication]
    failed: list[tuple[PartnerApplication, str]]


def applications_decide(*, applications: Iterable[PartnerApplication], actor, approve: bool,
                        reason: str = "") -> BulkOutcome:
    """Approve or reject several applications, each in its own transaction: one that fails (already
    decided, duplicate partner, out of the actor's regions) is reported and does not stop the others."""
    done, failed = [], []
    for application in applications:
        try:
            if approve:
                done.append(application_approve(application=application, actor=actor))
            else:
                done.append(application_reject(application=application, actor=actor, reason=reason))
        except PermissionDenied:
            failed.append((application, _("Not in your regions.")))
        except ValidationError as error:
            failed.append((application, " ".join(error.messages)))
    return BulkOutcome(done=done, failed=failed)


def _host(website: str) -> str:
    """The host of what the applicant typed ("https://www.acme.com/x" -> "www.acme.com")."""
    from urllib.parse import urlsplit

    text = (website or "").strip().lower()
    host = urlsplit(text).hostname if "://" in text else text.split("/", 1)[0].split(":", 1)[0]
    return (host or "").strip(".")
