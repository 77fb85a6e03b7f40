"""Managers' and operators' tier actions: pin and unpin, approve or decline pending promotions, recalculate
on demand, save thresholds edited in the what-if. Each is one transaction with its audit row; notices go
to the partner's admins through the outbox (sent after commit).

Callers run inside a scope that covers the partners (admin requests already do).
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import PartnerOrganization, PartnerTier, Tier, TierChange, TierProgram
from partners.tiers import engine, metrics
from partners.tiers.config import TierConfig
from partners.tiers.criteria import criteria_for, criteria_json, measured_json, rung_of
from partners.tiers.notices import send_moves
from prm.common.audit import audit

R = TierChange.Reason


class TierError(ValidationError):
    """A tier action is not possible (wrong program, nothing pending, missing reason…)."""


def _locked_state(partner: PartnerOrganization) -> PartnerTier:
    state = PartnerTier.objects.select_for_update().filter(partner=partner).first()
    if state is None:
        with transaction.atomic():  # a concurrent creator wins; we then lock its row
            state, _created = PartnerTier.objects.get_or_create(partner=partner)
        state = PartnerTier.objects.select_for_update().get(pk=state.pk)
    return state


def _snapshot(partner: PartnerOrganization, tier: Tier | None, as_of: date, config: TierConfig) -> tuple[dict, list]:
    """What the partner measures now and the criteria of ``tier``, for the history row."""
    facts = engine.evaluate([partner.pk], as_of=as_of, config=config)
    if not facts:
        return {}, []
    available = metrics.available_codes()
    criteria = criteria_for(rung_of(facts[0].ladder, getattr(tier, "pk", None)), facts[0].measured, available)
    return measured_json(facts[0].measured, available), criteria_json(getattr(tier, "code", ""), criteria)


def _record(*, partner, reason, from_tier, to_tier, actor, as_of, config, note="") -> TierChange:
    measured, criteria = _snapshot(partner, to_tier or from_tier, as_of, config)
    return TierChange.objects.create(partner=partner, reason=reason, from_tier=from_tier, to_tier=to_tier, note=note,
                                     actor=actor, as_of=as_of, measured=measured, criteria=criteria)


def _program_of(partner: PartnerOrganization, config: TierConfig):
    program = config.program_for(partner.partner_type)
    if program is None:
        raise TierError(_("No active tier program covers this partner's type."))
    return program


@transaction.atomic
def tier_pin(*, partner: PartnerOrganization, tier: Tier, until: date, reason: str, actor,
             today: date | None = None) -> PartnerTier:
    """Hold ``tier`` for the partner until ``until`` (inclusive), whatever it measures. Applies at once;
    the engine respects it until it ends. A reason is required; audited."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise TierError(_("Give a reason for the pin."), code="reason")
    if until is None or until < today:
        raise TierError(_("The pin needs an end date from today on."), code="until")
    config = TierConfig.load()
    program = _program_of(partner, config)
    if tier.program_id != program.id:
        raise TierError(_("This tier belongs to another program than the partner's."), code="tier")
    state = _locked_state(partner)
    previous = state.tier
    state.program_id = program.id
    state.pinned_tier, state.pinned_until, state.pinned_reason = tier, until, reason
    state.pinned_by, state.pinned_at = actor, timezone.now()
    state.grace_started_on = state.grace_until = state.grace_final_warned_on = None
    state.pending_tier = state.pending_since = None
    if previous != tier:
        state.tier, state.since = tier, today
    state.updated_at = timezone.now()
    state.save()
    _record(partner=partner, reason=R.PINNED, from_tier=previous, to_tier=tier, actor=actor, as_of=today,
            config=config, note=reason)
    audit(actor=actor, action="partners.tier.pinned", target=state, partner=partner,
          data={"tier": tier.code, "from": getattr(previous, "code", None), "until": until.isoformat(), "reason": reason})
    send_moves([(partner, previous, tier)], as_of=today)
    return state


@transaction.atomic
def tier_unpin(*, partner: PartnerOrganization, actor, reason: str = "", today: date | None = None) -> PartnerTier:
    """End a pin now. The partner keeps the tier until the next recalculation applies the usual rules
    (a partner below it gets the grace period)."""
    today = today or timezone.localdate()
    state = _locked_state(partner)
    if state.pinned_tier_id is None:
        raise TierError(_("This partner's tier is not pinned."), code="not_pinned")
    pinned = state.pinned_tier
    state.pinned_tier = state.pinned_until = state.pinned_by = state.pinned_at = None
    state.pinned_reason = ""
    state.updated_at = timezone.now()
    state.save()
    config = TierConfig.load()
    _record(partner=partner, reason=R.PIN_REMOVED, from_tier=state.tier, to_tier=state.tier, actor=actor, as_of=today,
            config=config, note=(reason or "").strip())
    audit(actor=actor, action="partners.tier.unpinned", target=state, partner=partner,
          data={"tier": getattr(pinned, "code", None), "reason": (reason or "").strip()})
    return state


def _pending_states(partner_ids) -> list[PartnerTier]:
    return list(PartnerTier.objects.select_for_update(of=("self",)).filter(partner_id__in=list(partner_ids),
                                                               pending_tier__isnull=False)
                .select_related("partner", "tier", "pending_tier").order_by("partner_id"))


@transaction.atomic
def tier_promotions_approve(*, partner_ids, actor, today: date | None = None) -> int:
    """Move each partner with a pending promotion to that tier. Returns how many moved. Audited."""
    today = today or timezone.localdate()
    states = _pending_states(partner_ids)
    if not states:
        raise TierError(_("None of these partners has a promotion awaiting approval."), code="nothing_pending")
    now = timezone.now()
    moves = []
    for state in states:
        moves.append((state.partner, state.tier, state.pending_tier))
        state.tier, state.since = state.pending_tier, today
        state.pending_tier = state.pending_since = state.declined_tier = None
        state.grace_started_on = state.grace_until = state.grace_final_warned_on = None
        state.updated_at = now
    PartnerTier.objects.bulk_update(states, ["tier", "since", "pending_tier", "pending_since", "declined_tier",
                                             "grace_started_on", "grace_until", "grace_final_warned_on", "updated_at"])
    TierChange.objects.bulk_create([
        TierChange(partner=partner, reason=R.PROMOTION_APPROVED, from_tier=old, to_tier=new, actor=actor, as_of=today,
                   at=now)
        for partner, old, new in moves
    ])
    audit(actor=actor, action="partners.tier.promotion_approved", target=states[0] if len(states) == 1 else None,
          partner=states[0].partner if len(states) == 1 else None,
          data={"promotions": [{"partner_id": p.pk, "from": getattr(o, "code", None), "to": n.code}
                               for p, o, n in moves]})
    send_moves(moves, as_of=today)
    return len(moves)


@transaction.atomic
def tier_promotions_decline(*, partner_ids, actor, reason: str, today: date | None = None) -> int:
    """Decline pending promotions with a reason; not proposed again until the partner falls back below."""
    today = today or timezone.localdate()
    reason = (reason or "").strip()
    if not reason:
        raise TierError(_("Give a reason for declining."), code="reason")
    states = _pending_states(partner_ids)
    if not states:
        raise TierError(_("None of these partners has a promotion awaiting approval."), code="nothing_pending")
    now = timezone.now()
    declined = []
    for state in states:
        declined.append((state.partner, state.tier, state.pending_tier))
        state.declined_tier = state.pending_tier
        state.pending_tier = state.pending_since = None
        state.updated_at = now
    PartnerTier.objects.bulk_update(states, ["declined_tier", "pending_tier", "pending_since", "updated_at"])
    TierChange.objects.bulk_create([
        TierChange(partner=partner, reason=R.PROMOTION_DECLINED, from_tier=held, to_tier=pending, actor=actor,
                   note=reason, as_of=today, at=now)
        for partner, held, pending in declined
    ])
    audit(actor=actor, action="partners.tier.promotion_declined", target=states[0] if len(states) == 1 else None,
          partner=states[0].partner if len(states) == 1 else None,
          data={"reason": reason, "partner_ids": [p.pk for p, _h, _n in declined]})
    return len(declined)


def tier_recalculate(*, partner_ids, actor, as_of: date | None = None) -> engine.ChunkResult:
    """Recalculate these partners now, in-process (an admin action on a selection). Each chunk commits on
    its own, like the nightly job; one audit row for the run."""
    as_of = as_of or timezone.localdate()
    ids = sorted({int(pid) for pid in partner_ids})
    result = engine.recalculate(partner_ids=ids, as_of=as_of)
    audit(actor=actor, action="partners.tier.recalculated", data={"as_of": as_of.isoformat(), **result.as_dict(),
                                                                   "partner_ids": ids[:100]})
    return result


@transaction.atomic
def tier_recalculate_all(*, actor) -> None:
    """Queue the nightly job now (after commit): every eligible partner, in chunks on the workers."""
    from partners.tiers.tasks import tiers_recalculate_all

    audit(actor=actor, action="partners.tier.recalculation_queued", data={})
    transaction.on_commit(lambda: tiers_recalculate_all.delay(), robust=True)


THRESHOLD_FIELDS = tuple(m.threshold_field for m in metrics.METRICS)


def clean_threshold_edits(*, program: TierProgram, edits: dict) -> dict[int, dict]:
    """Validate {tier id: {field: value}} for the program's tiers: known fields, whole numbers, no negatives,
    health at most 100, and the ladder still rises (a higher tier never asks for less)."""
    tiers = {t.pk: t for t in program.tiers.all()}
    cleaned: dict[int, dict] = {}
    for tier_id, values in edits.items():
        tier = tiers.get(int(tier_id))
        if tier is None:
            raise TierError(_("A tier of another program was submitted."), code="tier")
        row = {}
        for name, raw in values.items():
            if name not in THRESHOLD_FIELDS:
                raise TierError(_("Unknown threshold."), code="field")
            value = _cleaned_value(name, raw)
            if value is None:  # global thresholds have no "inherit": blank is not a number
                raise TierError(_("Thresholds must be numbers."), code="number")
            row[name] = value
        cleaned[tier.pk] = row
    ordered = sorted(tiers.values(), key=lambda t: t.rank)
    for name in THRESHOLD_FIELDS:
        values = [cleaned.get(t.pk, {}).get(name, getattr(t, name)) for t in ordered]
        if any(low > high for low, high in zip(values, values[1:], strict=False)):
            raise TierError(_("A higher tier cannot require less than a lower one."), code="order")
    return cleaned


@transaction.atomic
def tier_thresholds_update(*, program: TierProgram, edits: dict, actor) -> list[Tier]:
    """Save edited global thresholds of the program's tiers (after a what-if). Audited with before and after."""
    cleaned = clean_threshold_edits(program=program, edits=edits)
    tiers = list(Tier.objects.select_for_update().filter(program=program, pk__in=list(cleaned)))
    changes = {}
    for tier in tiers:
        before = {name: str(getattr(tier, name)) for name in cleaned[tier.pk]}
        for name, value in cleaned[tier.pk].items():
            setattr(tier, name, value)
        after = {name: str(getattr(tier, name)) for name in cleaned[tier.pk]}
        if before != after:
            changes[tier.code] = {"before": before, "after": after}
    if changes:
        Tier.objects.bulk_update(tiers, list(THRESHOLD_FIELDS))
        audit(actor=actor, action="partners.tier.thresholds_updated", target=program, data={"changes": changes})
    return tiers


def _cleaned_value(name: str, raw):
    """A threshold from a form or an API (None and "" mean "inherit"), or TierError."""
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw)) if name == "min_won_revenue" else int(raw)
    except (InvalidOperation, TypeError, ValueError):
        raise TierError(_("Thresholds must be numbers."), code="number") from None
    if value < 0 or (name == "min_health_score" and value > 100):
        raise TierError(_("Thresholds are zero or more; the health score at most 100."), code="range")
    return value.quantize(Decimal("0.01")) if name == "min_won_revenue" else value


def clean_region_override_edits(*, program: TierProgram, region, edits: dict) -> dict[int, dict]:
    """Validate a region's exceptions {tier id: {field: value or None}} for the program's tiers: known fields,
    numbers in range, and the region's effective ladder still rises: the submitted exceptions, the saved ones of
    the tiers not submitted, the global thresholds for the rest (an edit may name a single tier)."""
    from partners.models import TierThresholdOverride

    tiers = {t.pk: t for t in program.tiers.all()}
    cleaned: dict[int, dict] = {}
    for tier_id, values in edits.items():
        tier = tiers.get(int(tier_id))
        if tier is None:
            raise TierError(_("A tier of another program was submitted."), code="tier")
        if set(values) - set(THRESHOLD_FIELDS):
            raise TierError(_("Unknown threshold."), code="field")
        cleaned[tier.pk] = {name: _cleaned_value(name, values.get(name)) for name in THRESHOLD_FIELDS}
    saved = {o.tier_id: o for o in TierThresholdOverride.objects.filter(tier__program=program, region=region)}

    def exception(tier, name):
        if tier.pk in cleaned:
            return cleaned[tier.pk].get(name)
        return getattr(saved[tier.pk], name) if tier.pk in saved else None

    ordered = sorted(tiers.values(), key=lambda t: t.rank)
    for name in THRESHOLD_FIELDS:
        effective = [v if (v := exception(t, name)) is not None else getattr(t, name) for t in ordered]
        if any(low > high for low, high in zip(effective, effective[1:], strict=False)):
            raise TierError(_("In %(region)s a higher tier would require less than a lower one.") % {"region": region},
                            code="order")
    return cleaned


@transaction.atomic
def tier_region_overrides_update(*, program: TierProgram, region, edits: dict, actor) -> int:
    """Save a region's exceptions to the program's thresholds (after a what-if): a tier with a value creates or
    updates its exception, a tier left empty removes it. Audited with before and after; returns the rows changed."""
    from partners.models import TierThresholdOverride

    cleaned = clean_region_override_edits(program=program, region=region, edits=edits)
    existing = {o.tier_id: o for o in TierThresholdOverride.objects.select_for_update()
                .filter(tier__program=program, region=region)}
    tiers = {t.pk: t for t in program.tiers.all()}
    changes: dict[str, dict] = {}
    for tier_id, values in cleaned.items():
        row = existing.get(tier_id)
        before = {n: (str(getattr(row, n)) if getattr(row, n) is not None else None) for n in THRESHOLD_FIELDS} \
            if row else None
        after = {n: (str(v) if v is not None else None) for n, v in values.items()}
        if all(v is None for v in values.values()):
            if row is not None:
                row.delete()
                changes[tiers[tier_id].code] = {"before": before, "after": None}
            continue
        if before == after:
            continue
        if row is None:
            row = TierThresholdOverride(tier_id=tier_id, region=region)
        for name, value in values.items():
            setattr(row, name, value)
        row.full_clean()
        row.save()
        changes[tiers[tier_id].code] = {"before": before, "after": after}
    if changes:
        audit(actor=actor, action="partners.tier.region_overrides_updated", target=program,
              data={"region_id": region.pk, "region": region.code, "changes": changes})
    return len(changes)
