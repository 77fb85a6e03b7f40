"""Reads for deal registration: the partner's own registrations (portal, API) and the published rules.

Lists are one query per page (plus a count) whatever their length.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Deal, DealEvent, DealRegistrationPolicy, ExtensionRequest, Product
from .services.protection import protection_days_for
from .sla import sla_hours

LIST_FIELDS = (
    "id", "partner_id", "reference", "customer_name", "customer_domain", "customer_country", "value", "currency",
    "expected_close_date", "stage", "status", "registered_at", "created_at", "protected_until", "has_conflict",
    "registered_by_id", "registered_by__full_name", "registered_by__email",
)


def deal_list_for_portal(*, partner, status: str | None = None, stage: str | None = None, q: str | None = None,
                         ) -> QuerySet[Deal]:
    """The partner's registrations, newest first; ``q`` searches customer, domain and reference."""
    qs = Deal.objects.filter(partner=partner).select_related("registered_by").only(*LIST_FIELDS)
    if status:
        qs = qs.filter(status=status)
    if stage:
        qs = qs.filter(stage=stage)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(customer_name__icontains=q) | Q(customer_domain__icontains=q) | Q(reference__icontains=q))
    return qs.order_by("-created_at", "-id")


def deal_list_for_api(*, partner) -> QuerySet[Deal]:
    return Deal.objects.filter(partner=partner).prefetch_related(
        Prefetch("products", queryset=Product.objects.only("id", "code", "name"))
    ).order_by("-created_at", "-id")


def deal_get_for_portal(*, partner, pk: int) -> Deal:
    """One of the partner's registrations; another partner's id is simply not found (404)."""
    return (
        Deal.objects.select_related("registered_by", "decided_by", "rejection_reason", "mdf_activity")
        .prefetch_related("products")
        .get(partner=partner, pk=pk)
    )


def deal_timeline(*, deal: Deal) -> list[DealEvent]:
    return list(DealEvent.objects.filter(deal=deal).select_related("actor").order_by("at", "id"))


def extension_requests_for(*, deal: Deal) -> list[ExtensionRequest]:
    return list(ExtensionRequest.objects.filter(deal=deal).select_related("requested_by").order_by("-requested_at"))


def active_products() -> QuerySet[Product]:
    return Product.objects.filter(is_active=True).order_by("family", "name")


@dataclass(frozen=True)
class PublishedRules:
    """The numbers the rules page shows: what this program actually applies today."""

    protection_days: int
    default_protection_days: int
    tier_protection_days: list  # [(tier name, days)] of the partner's tier program
    extension_days: int
    max_extensions: int
    extension_window_days: int
    sla_hours: int
    material_change_percent: int
    vendor_account_rule: str
    vendor_account_rule_label: str


def published_rules(*, partner) -> PublishedRules:
    from .services.registration import material_change_percent

    policy = DealRegistrationPolicy.get()
    return PublishedRules(
        protection_days=protection_days_for(partner),
        default_protection_days=int(getattr(settings, "DEALREG_DEFAULT_PROTECTION_DAYS", 90)),
        tier_protection_days=_tier_protection_days(partner),
        extension_days=policy.extension_days,
        max_extensions=policy.max_extensions,
        extension_window_days=policy.extension_window_days,
        sla_hours=sla_hours(),
        material_change_percent=int(material_change_percent()),
        vendor_account_rule=policy.vendor_account_rule,
        vendor_account_rule_label=policy.get_vendor_account_rule_display(),
    )


def _tier_protection_days(partner) -> list[tuple[str, int]]:
    """(tier name, protection days) of the tiers of the partner's program, lowest first (two queries)."""
    from partners.models import Tier, TierProgram

    programs = [p.pk for p in TierProgram.objects.filter(is_active=True).only("id", "partner_types").order_by("id")
                if partner.partner_type in (p.partner_types or [])]
    if not programs:
        return []
    tiers = Tier.objects.filter(program_id=programs[0]).order_by("rank")
    return [(tier.display_name(), tier.deal_protection_days) for tier in tiers]


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    kind: str
    label: str
    actor: str
    lines: tuple[str, ...]


def deal_timeline_entries(*, deal: Deal) -> list[TimelineEntry]:
    """The timeline as the partner reads it, in the active language (two queries)."""
    from django.utils.translation import gettext as _

    from .models import RejectionReason

    events = deal_timeline(deal=deal)
    codes = {e.data.get("reason") for e in events if e.kind == DealEvent.Kind.REJECTED and e.data.get("reason")}
    reasons = {r.code: r for r in RejectionReason.objects.filter(code__in=codes)} if codes else {}
    labels = dict(DealEvent.Kind.choices)
    entries = []
    for event in events:
        data = event.data or {}
        lines = []
        fields = data.get("fields") or []
        if fields:
            names = [str(Deal._meta.get_field(name).verbose_name) for name in fields
                     if name in {f.name for f in Deal._meta.get_fields()}]
            lines.append(_("Changed: %(fields)s") % {"fields": ", ".join(names)})
        if data.get("reason") and event.kind == DealEvent.Kind.REJECTED:
            reason = reasons.get(data["reason"])
            lines.append(reason.label_in() if reason else data["reason"])
        elif data.get("reason"):
            lines.append(data["reason"])
        for key in ("note", "message"):
            if data.get(key):
                lines.append(data[key])
        if data.get("co_sell"):
            lines.append(_("Co-sell with the vendor's account owner."))
        if event.kind == DealEvent.Kind.AUTO_APPROVED:
            actor = _("Automatically, by the program's rules")
        elif event.actor is not None:
            actor = event.actor.get_full_name()
        else:
            actor = ""
        entries.append(TimelineEntry(at=event.at, kind=event.kind, label=str(labels.get(event.kind, event.kind)),
                                     actor=actor, lines=tuple(lines)))
    return entries


def won_deals_between(*, partner_ids, start, end) -> list[Deal]:
    """Won registrations of these partners closed in [start, end], with their base-currency amount
    (MDF accruals). One query; call inside a scope covering the partners."""
    return list(
        Deal.objects.filter(partner_id__in=list(partner_ids), status=Deal.Status.WON, closed_at__gte=start,
                            closed_at__lte=end, won_amount_base__isnull=False)
        .only("id", "partner_id", "reference", "closed_at", "won_amount_base")
        .order_by("closed_at", "id")
    )


def sourced_deal_figures(*, activity_ids) -> dict[int, dict]:
    """Per MDF activity: the registrations it sourced — count, pipeline generated (the estimated value of
    every submitted registration but rejected ones, as (value, currency, day) for the caller to convert)
    and won revenue in the base currency. One query."""
    figures: dict[int, dict] = {}
    rows = (Deal.objects.filter(mdf_activity_id__in=list(activity_ids))
            .exclude(status__in=[Deal.Status.DRAFT, Deal.Status.WITHDRAWN])
            .values_list("mdf_activity_id", "status", "value", "currency", "registered_at", "won_amount_base"))
    for activity_id, status, value, currency, registered_at, won_base in rows:
        item = figures.setdefault(activity_id, {"deals": 0, "won_deals": 0, "pipeline": [], "won_base": 0})
        item["deals"] += 1
        if status == Deal.Status.WON:
            item["won_deals"] += 1
            item["won_base"] += won_base or 0
        if status != Deal.Status.REJECTED and value:
            item["pipeline"].append((value, currency, (registered_at or timezone.now()).date()))
    return figures
