"""A partner's side of a registration: create (idempotent), edit, submit, withdraw, delete a draft,
and the instant conflict hint of the form.

Every function runs in the partner's scope (portal, API). Checks of who may act (the
``can_register_deals`` capability) are the caller's; the rules of the registration are here.
"""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg.models import Deal, DealEvent, DealReferenceCounter, ExtensionRequest, Product
from partners.countries import country_codes
from prm.common.audit import audit
from prm.common.domains import company_domain

from .conflict_check import check_conflicts
from .errors import DealStateError
from .events import record_event
from .locks import Customer, decision_lock_for, flag_conflicting_deals

# What a partner may set; everything else (status, dates, flags, reference) belongs to the services.
EDITABLE_FIELDS = (
    "customer_name", "customer_domain", "customer_contact_email", "customer_country", "value", "currency",
    "expected_close_date", "stage", "description", "private_notes", "mdf_activity",
)
REFERENCE_FORMAT = "DR-{year}-{number:06d}"


def material_change_percent() -> Decimal:
    return Decimal(str(getattr(settings, "DEALREG_MATERIAL_CHANGE_PERCENT", 20)))


# --- values and validation -------------------------------------------------------------------------------


def _clean(values: dict) -> dict:
    cleaned = {}
    for name, value in values.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(f"{name!r} cannot be set on a registration")
        if isinstance(value, str):
            value = value.strip()
        if name in ("customer_country", "currency") and isinstance(value, str):
            value = value.upper()
        if name == "customer_contact_email" and isinstance(value, str):
            value = value.lower()
        if name in ("value", "expected_close_date", "mdf_activity") and value == "":
            value = None
        cleaned[name] = value
    return cleaned


def _derive(deal: Deal) -> None:
    """The fields the conflict engine compares, from what the partner entered."""
    from dealreg.normalize import normalize_company_name

    deal.customer_name_normalized = normalize_company_name(deal.customer_name or "")[:200]
    entered = deal.customer_domain or ""
    deal.customer_domain = company_domain(entered) or company_domain(deal.customer_contact_email or "")


MDF_SOURCE_STATUSES = ("approved", "completed")


def mdf_activity_may_source(*, deal: Deal) -> bool:
    """A registration may name only its own partner's pre-approved (or settled) MDF activity."""
    from mdf.models import Activity

    activity = Activity.objects.filter(pk=deal.mdf_activity_id).only("partner_id", "status").first()
    return bool(activity and activity.partner_id == deal.partner_id and activity.status in MDF_SOURCE_STATUSES)


def _validate_draft(deal: Deal) -> None:
    """What even a draft must satisfy (the database's own rules, in words)."""
    errors: dict[str, list] = {}
    if not (deal.customer_name or "").strip():
        errors.setdefault("customer_name", []).append(_("Enter the customer's company name."))
    if deal.customer_country and deal.customer_country not in country_codes():
        errors.setdefault("customer_country", []).append(_("Choose a country from the list."))
    if deal.currency not in settings.CURRENCIES:
        errors.setdefault("currency", []).append(_("Choose one of the program's currencies."))
    if deal.value is not None and deal.value < 0:
        errors.setdefault("value", []).append(_("The value cannot be negative."))
    if deal.stage not in Deal.Stage.values:
        errors.setdefault("stage", []).append(_("Choose a stage from the list."))
    if deal.mdf_activity_id is not None and not mdf_activity_may_source(deal=deal):
        errors.setdefault("mdf_activity", []).append(
            _("Choose one of your organisation's pre-approved MDF activities."))
    if errors:
        raise ValidationError(errors)


def validate_for_submission(*, deal: Deal, product_ids: list[int], today: date) -> None:
    """Everything a registration needs before a manager sees it; all problems at once, per field."""
    errors: dict[str, list] = {}
    try:
        _validate_draft(deal)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not deal.customer_country:
        errors.setdefault("customer_country", []).append(_("Choose the customer's country."))
    if not deal.customer_domain:
        errors.setdefault("customer_domain", []).append(
            _("Enter the customer's web domain, or a contact e-mail address at the customer's own domain "
              "(free mail addresses do not identify a company).")
        )
    if deal.value is None:
        errors.setdefault("value", []).append(_("Enter the estimated value."))
    elif deal.value <= 0:
        errors.setdefault("value", []).append(_("The estimated value must be more than zero."))
    if deal.expected_close_date is None:
        errors.setdefault("expected_close_date", []).append(_("Enter the expected close date."))
    elif deal.expected_close_date <= today:
        errors.setdefault("expected_close_date", []).append(_("The expected close date must be in the future."))
    if not product_ids:
        errors.setdefault("products", []).append(_("Choose at least one product."))
    if errors:
        raise ValidationError(errors)


def _check_products(products, *, already: set[int] = frozenset()) -> list[Product] | None:
    """Products must be offered; one no longer offered may stay on a registration that has it."""
    if products is None:
        return None
    products = list(products)
    inactive = [p for p in products if not p.is_active and p.pk not in already]
    if inactive:
        raise ValidationError({"products": [_("%(product)s is no longer offered.") % {"product": inactive[0].name}]})
    return products


# --- references ------------------------------------------------------------------------------------------


def next_reference(*, partner, year: int) -> str:
    """The partner's next reference for ``year``: an atomic increment, safe when two creates race.

    The UPDATE holds the counter row until commit; the first use of a year inserts it, and a
    racing insert falls back to the increment.
    """
    counters = DealReferenceCounter.objects.filter(partner=partner, year=year)
    if not counters.update(last_number=F("last_number") + 1):
        try:
            with transaction.atomic():
                DealReferenceCounter.objects.create(partner=partner, year=year, last_number=1)
        except IntegrityError:
            counters.update(last_number=F("last_number") + 1)
    number = counters.values_list("last_number", flat=True).get()
    return REFERENCE_FORMAT.format(year=year, number=number)


# --- create, edit, submit --------------------------------------------------------------------------------


@transaction.atomic
def deal_create(*, partner, actor, values: dict, products=None, idempotency_key: str = "", submit: bool = False,
                now: datetime | None = None) -> tuple[Deal, bool]:
    """Create a draft (and submit it when ``submit``). Returns (deal, created).

    Idempotent per partner and ``idempotency_key``: a repeated call (a double click, a retried
    API request) returns the registration the first call made and changes nothing. With
    ``submit``, a registration that fails the submission checks is not saved at all.
    """
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:64]
    if key:
        existing = Deal.objects.filter(partner=partner, idempotency_key=key).first()
        if existing is not None:
            return existing, False
    products = _check_products(products) or []
    deal = Deal(partner=partner, registered_by=actor, idempotency_key=key,
                **{"currency": partner.currency, **_clean(values)})
    _derive(deal)
    _validate_draft(deal)
    if submit:
        validate_for_submission(deal=deal, product_ids=[p.pk for p in products], today=now.date())
    try:
        # The savepoint covers the reference too: a create that loses the idempotency race
        # rolls back its number with it.
        with transaction.atomic():
            deal.reference = next_reference(partner=partner, year=now.year)
            deal.save()
    except IntegrityError:
        if key:
            existing = Deal.objects.filter(partner=partner, idempotency_key=key).first()
            if existing is not None:
                return existing, False
        raise
    deal.products.set(products)
    record_event(deal=deal, kind=DealEvent.Kind.CREATED, actor=actor, at=now)
    audit(actor=actor, action="dealreg.deal.created", target=deal)
    if submit:
        deal = deal_submit(deal=deal, actor=actor, now=now)
    return deal, True


def _snapshot(deal: Deal, product_ids) -> dict:
    snapshot = {name: getattr(deal, name) for name in EDITABLE_FIELDS}
    snapshot["customer_name_normalized"] = deal.customer_name_normalized
    snapshot["products"] = sorted(product_ids)
    return snapshot


def material_changes(*, before: dict, deal: Deal, product_ids) -> list[str]:
    """The changes that need a new approval: customer, domain, currency, value beyond the set percent."""
    changes = []
    if before["customer_name_normalized"] != deal.customer_name_normalized:
        changes.append("customer_name")
    if before["customer_domain"] != deal.customer_domain:
        changes.append("customer_domain")
    if before["currency"] != deal.currency:
        changes.append("currency")
    base = deal.approved_value if deal.approved_value is not None else before["value"]
    if deal.value != before["value"] and base is not None and deal.value is not None:
        if base == 0:
            changes.append("value")
        elif abs(deal.value - base) * 100 / base > material_change_percent():
            changes.append("value")
    return changes


@transaction.atomic
def deal_update(*, deal: Deal, actor, values: dict, products=None, submit: bool = False,
                now: datetime | None = None) -> Deal:
    """Change a registration that is still open (draft, submitted, more information, approved).

    A material change to an approved registration (customer, domain, currency, or value beyond
    DEALREG_MATERIAL_CHANGE_PERCENT of the approved value) sends it back for approval; its
    registration time never changes. Values not given stay as they are. With ``submit`` a draft
    (or a registration waiting for more information) is submitted too: all or nothing.
    """
    deal = _update(deal=deal, actor=actor, values=values, products=products, now=now or timezone.now())
    if submit:
        deal = deal_submit(deal=deal, actor=actor, now=now)
    return deal


def _customer_with(deal: Deal, cleaned: dict) -> Customer:
    """The customer ``deal`` would have with ``cleaned`` values (``deal`` itself is not changed)."""
    candidate = Deal(customer_name=deal.customer_name, customer_domain=deal.customer_domain,
                     customer_contact_email=deal.customer_contact_email)
    for name in ("customer_name", "customer_domain", "customer_contact_email"):
        if name in cleaned:
            setattr(candidate, name, cleaned[name])
    _derive(candidate)
    return Customer.of(candidate)


def _update(*, deal: Deal, actor, values: dict, products, now: datetime) -> Deal:
    cleaned = _clean(values)
    # Before the row lock, as submissions and approvals: the customer's locks, as it is and as it will be.
    locks = decision_lock_for(deal, _customer_with(deal, cleaned))
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    locks.cover(Customer.of(deal), _customer_with(deal, cleaned))
    if not deal.is_editable:
        raise DealStateError(_("This registration is closed and can no longer be changed."))
    old_product_ids = list(deal.products.values_list("pk", flat=True))
    products = _check_products(products, already=set(old_product_ids))
    before = _snapshot(deal, old_product_ids)
    for name, value in cleaned.items():
        setattr(deal, name, value)
    _derive(deal)
    new_product_ids = sorted(p.pk for p in products) if products is not None else before["products"]
    after = _snapshot(deal, new_product_ids)
    changed = [name for name in [*EDITABLE_FIELDS, "products"] if before[name] != after[name]]
    if not changed:
        return deal
    _validate_draft(deal)
    if deal.status != Deal.Status.DRAFT:
        # An open registration must stay complete: the manager reviews (or has approved) exactly this.
        validate_for_submission(deal=deal, product_ids=new_product_ids,
                                today=now.date() if "expected_close_date" in changed else date.min)
    material = material_changes(before=before, deal=deal, product_ids=new_product_ids)
    deal.save()
    if products is not None:
        deal.products.set(products)
    record_event(deal=deal, kind=DealEvent.Kind.UPDATED, actor=actor, at=now, data={"fields": changed})
    audit(actor=actor, action="dealreg.deal.updated", target=deal, data={"fields": changed, "material": material})
    if deal.status == Deal.Status.APPROVED and material:
        return _enter_review(deal=deal, actor=actor, now=now, kind=DealEvent.Kind.REAPPROVAL,
                             data={"fields": material})
    if deal.status in (Deal.Status.SUBMITTED, Deal.Status.MORE_INFO) and {"customer_name", "customer_domain",
                                                                             "customer_country", "products"} & set(changed):
        _store_conflicts(deal)
    return deal


@transaction.atomic
def deal_submit(*, deal: Deal, actor, now: datetime | None = None) -> Deal:
    """Send a draft (or a registration the manager asked more about) for approval.

    Validates everything; the first submission sets ``registered_at`` for good. Checks conflicts,
    marks the registrations it conflicts with, and applies the auto-approval rules.
    """
    now = now or timezone.now()
    locks = decision_lock_for(deal)
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    locks.cover(Customer.of(deal))
    if deal.status not in (Deal.Status.DRAFT, Deal.Status.MORE_INFO):
        raise DealStateError(_("Only drafts and registrations waiting for more information can be submitted."))
    validate_for_submission(deal=deal, product_ids=list(deal.products.values_list("pk", flat=True)), today=now.date())
    kind = DealEvent.Kind.SUBMITTED
    return _enter_review(deal=deal, actor=actor, now=now, kind=kind)


def _store_conflicts(deal: Deal):
    summary = check_conflicts(deal=deal)
    deal.has_conflict = summary.has_conflict
    deal.conflict_score = summary.score
    deal.save(update_fields=["has_conflict", "conflict_score", "updated_at"])
    flag_conflicting_deals({pk: score for pk, score in summary.deal_scores().items() if pk != deal.pk})
    return summary


def _enter_review(*, deal: Deal, actor, now: datetime, kind: str, data: dict | None = None) -> Deal:
    """Put a (locked) registration in the approval queue: the SLA clock starts, conflicts are checked,
    and the auto-approval rules may decide at once. The caller holds the customer's decision locks."""
    from .approvals import auto_approve

    first_submission = deal.registered_at is None
    deal.status = Deal.Status.SUBMITTED
    deal.submitted_at = now
    if first_submission:
        deal.registered_at = now
    deal.sla_escalated_at = None
    deal.decided_at = None
    deal.decided_by = None
    deal.decided_by_rule = None
    deal.rejection_reason = None
    deal.save()
    summary = _store_conflicts(deal)
    record_event(deal=deal, kind=kind, actor=actor, at=now, data=data)
    audit(actor=actor, action="dealreg.deal.submitted", target=deal,
          data={"first": first_submission, "conflict_score": deal.conflict_score, "event": kind})
    if first_submission:
        _record_first_deal(partner=deal.partner, registered_at=now)
    return auto_approve(deal=deal, summary=summary, now=now)


def _record_first_deal(*, partner, registered_at: datetime) -> None:
    # Time to first value: partners.services.onboarding records the first registration (issue #3);
    # until that module exists there is nothing to record.
    try:
        from partners.services.onboarding import partner_record_first_deal
    except ImportError:
        return
    partner_record_first_deal(partner=partner, registered_at=registered_at)


# --- withdraw, delete ------------------------------------------------------------------------------------


@transaction.atomic
def deal_withdraw(*, deal: Deal, actor, reason: str = "", now: datetime | None = None) -> Deal:
    """The partner takes a registration back; an approved one loses its protection."""
    now = now or timezone.now()
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if deal.status not in Deal.WITHDRAWABLE_STATUSES:
        raise DealStateError(_("Only submitted or approved registrations can be withdrawn."))
    previous = deal.status
    deal.status = Deal.Status.WITHDRAWN
    deal.save(update_fields=["status", "updated_at"])
    ExtensionRequest.objects.pending().filter(deal=deal).update(
        status=ExtensionRequest.Status.DENIED, decided_at=now, decision_note=_("The registration was withdrawn.")
    )
    record_event(deal=deal, kind=DealEvent.Kind.WITHDRAWN, actor=actor, at=now,
                 data={"reason": reason.strip()} if reason.strip() else None)
    audit(actor=actor, action="dealreg.deal.withdrawn", target=deal, data={"from": previous})
    return deal


@transaction.atomic
def deal_delete(*, deal: Deal, actor) -> None:
    """Delete a draft. Anything that was ever submitted stays on record (withdraw it instead)."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    if deal.status != Deal.Status.DRAFT:
        raise DealStateError(_("Only drafts can be deleted; withdraw a submitted registration instead."))
    audit(actor=actor, action="dealreg.deal.deleted", target=deal, data={"reference": deal.reference})
    deal.delete()


# --- the instant hint ------------------------------------------------------------------------------------


def conflict_hint(*, partner, values: dict, deal: Deal | None = None) -> bool:
    """Whether the customer entered so far may conflict with another registration or a vendor account.

    Reads only; answers a yes/no that the form shows as "a possible conflict exists; it will be
    reviewed" — never whose, which or how much.
    """
    values = {name: value for name, value in _clean(values).items()
              if name in ("customer_name", "customer_domain", "customer_contact_email", "customer_country")}
    if deal is not None:
        candidate = Deal.objects.get(pk=deal.pk)  # a fresh copy; the changes below are never saved
    else:
        candidate = Deal(partner=partner, currency=partner.currency)
    for name, value in values.items():
        setattr(candidate, name, value)
    _derive(candidate)
    if not (candidate.customer_name_normalized or candidate.customer_domain):
        return False
    return check_conflicts(deal=candidate).has_conflict
