"""Demo data of market development funds, written through the MDF services so the ledger is real.

Every active demo partner gets its fund for the current quarter: the tier's allocation
(``funds_allocate_chunk``), or, when its tier has none, a manual allocation by its channel manager with a
reason. The featured partners (four regions, four currencies) get a request in every state — draft,
submitted, waiting for information, pre-approved (one partially), rejected, cancelled, lapsed and settled —
and claims in every state with proof files (PDF, PNG, CSV made in code), a partial approval with a reason,
payments, registrations the activities sourced (so ROPI has numbers) and one claim whose invoice number is
already on another partner's claim. A few more partners, one per other currency, get a shorter story.
Activities that have already run are created with the services' ``now=``/``today=`` set in the past, so
the funds of earlier quarters carry them; those funds are then expired like the nightly job does.

Idempotent: requests are matched by a fixed idempotency key per partner ("demo:<slot>"), allocations by
their ledger keys; a second run adds nothing. The decisions' e-mails are recorded as sent (no mail goes
out for the demo). ``seed_demo --reset`` removes it all (mdf.sql.ledger_purge_for_demo).
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from mdf.demo_files import proof_for
from mdf.models import (
    REQUIRED_EVIDENCE,
    Activity,
    ActivityEvent,
    ActivityType,
    Claim,
    Fund,
    FundEntry,
    Payment,
    ProofFile,
)
from mdf.periods import quarter_of
from mdf.services import (
    activity_approve,
    activity_cancel,
    activity_create,
    activity_lapse,
    activity_reject,
    activity_request_info,
    claim_approve,
    claim_reject,
    claim_request_info,
    claim_start,
    claim_submit,
    claim_update,
    cost_share_percent_for,
    fund_adjust,
    fund_for_period,
    funds_accrue_chunk,
    funds_allocate_chunk,
    funds_expire_chunk,
    payment_record,
    proof_add,
)
from partners.models import Membership, PartnerOrganization
from prm.common.fx import convert
from prm.tenancy.scoping import partners_scope

_A = ActivityType
SHARES_PER_FUND = 40  # a slot's share is counted in 1/40ths of the partner's quarterly fund
MANUAL_ALLOCATION_BASE = Decimal("6000")  # in the base currency, for partners whose tier gives no MDF
KEY_PREFIX = "demo:"


@dataclass(frozen=True)
class Slot:
    """One demo request and how far its story goes (``name`` is also the story)."""

    name: str
    activity_type: str
    title: str
    share: int  # the vendor's share asked for, in 1/40ths of the quarterly fund
    ends_in: int  # days from today to the activity's last day; negative: it has run
    days: int = 1  # how long it runs
    asked: int | None = None  # days ago it was submitted; default: a month before it starts

    @property
    def submitted_ago(self) -> int:
        return self.asked if self.asked is not None else self.days - self.ends_in + 30


SLOTS = [
    Slot("draft", _A.EVENT, "Customer appreciation evening", 3, 45, asked=0),
    Slot("submitted", _A.WEBINAR, "Zero-trust webinar series", 4, 28, asked=1),
    Slot("more_info", _A.DIGITAL, "LinkedIn lead-generation campaign", 3, 40, days=30, asked=6),
    Slot("rejected", _A.TRADE_SHOW, "Booth at the regional IT fair", 6, 35, days=3, asked=9),
    Slot("approved_partial", _A.EVENT, "Executive roundtable on cloud security", 5, 15, asked=14),
    Slot("cancelled", _A.CONTENT, "Customer case study video", 2, 25, days=10, asked=20),
    Slot("claimable", _A.WEBINAR, "Cloud cost optimisation webinar", 2, -50),
    Slot("lapsed", _A.OTHER, "Partner newsletter sponsorship", 2, -75),
    Slot("claim_draft", _A.EVENT, "Hands-on security workshop", 3, -5, days=2),
    Slot("claim_submitted", _A.DIGITAL, "Search advertising push", 3, -12, days=21),
    Slot("claim_more_info", _A.TRADE_SHOW, "Stand at the cloud summit", 2, -20, days=2),
    Slot("claim_approved", _A.WEBINAR, "Data protection webinar", 4, -30),
    Slot("claim_rejected", _A.CONTENT, "Solution brochure translation", 2, -25, days=5),
    Slot("claim_paid", _A.EVENT, "Customer summit", 5, -45),
]
DUPLICATE = Slot("claim_duplicate", _A.EVENT, "Regional partner breakfast", 2, -15)
BY_NAME = {slot.name: slot for slot in [*SLOTS, DUPLICATE]}
LIGHT_SLOTS = ("submitted", "claimable", "claim_submitted", "claim_paid")
HISTORY_DAYS = max(slot.submitted_ago for slot in BY_NAME.values()) + 5

# The featured partners get every state; the first's paid claim has the invoice number the second one claims again.
FULL_PARTNERS = ("Summit Ridge Technologies Inc.", "Nordlicht IT GmbH", "Sakura Systems KK", "Soluciones Andinas SA",
                 "Lumière Conseil SAS")
MANUAL_REASON = "Co-marketing budget agreed at the quarterly business review (the partner's tier has no MDF allocation)."


@dataclass
class Plan:
    """One partner's demo: who files, who decides, and the money unit its requests are sized in."""

    partner: PartnerOrganization
    member: object
    manager: object
    unit: Decimal = Decimal("0")
    cost_share: Decimal = Decimal("50")

    def planned(self, share: int) -> Decimal:
        return nice(self.unit * share * 100 / self.cost_share)


def nice(value: Decimal) -> Decimal:
    """``value`` rounded to two significant digits (1234.5 → 1200.00), as people write budgets."""
    value = Decimal(value)
    if value <= 0:
        return Decimal("0.00")
    step = Decimal(1).scaleb(value.adjusted() - 1)
    return ((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(Decimal("0.01"))


def nice_within(value: Decimal, limit: Decimal) -> Decimal:
    rounded = nice(value)
    return rounded if Decimal("0") < rounded <= limit else limit


def seed_demo(ctx) -> None:
    active = [p for p in ctx.partners if p.status == PartnerOrganization.Status.ACTIVE]
    if not active:
        return
    started = timezone.now()
    ids = [p.pk for p in active]
    with partners_scope(ids):
        before = _counts(ids)
        plans = _plans(ctx, active)
        busy = _busy(active, plans)
        _funds(ctx, active, busy=busy, plans=plans)
        for partner, slots in busy:
            plan = plans[partner.pk]
            _size(plan, ctx)
            for slot in slots:
                _slot(ctx, plan, BY_NAME[slot])
        _duplicate(ctx, plans)
        _sourced_deals(ctx, plans)
        today = timezone.localdate(ctx.now)
        funds_accrue_chunk(partner_ids=ids, since=quarter_of(today - timedelta(days=HISTORY_DAYS))[0], today=today)
        _expire(ctx, ids, today=today)
        after = _counts(ids)
    _quiet_notices(ids, since=started)
    if after != before:
        ctx.stdout.write("mdf: {funds} funds, {activities} requests, {claims} claims, {payments} payments".format(
            **{name: after[name] - before[name] for name in after}))


def _expire(ctx, ids, *, today) -> None:
    """Close the funds past their grace period, as the nightly job does."""
    due = list(Fund.objects.filter(partner_id__in=ids, status=Fund.Status.OPEN, expires_on__lt=today)
               .order_by("pk").values_list("pk", flat=True))
    if due:
        funds_expire_chunk(fund_ids=due, today=today)


def _counts(ids) -> dict[str, int]:
    return {"funds": Fund.objects.filter(partner_id__in=ids).count(),
            "activities": Activity.objects.filter(partner_id__in=ids).count(),
            "claims": Claim.objects.filter(partner_id__in=ids).count(),
            "payments": Payment.objects.filter(partner_id__in=ids).count()}


def _plans(ctx, partners) -> dict[int, Plan]:
    """Per partner: a member who may claim MDF (a marketing person first) and its channel manager."""
    managers = ctx.staff.get("channel_manager", [])
    by_pk = {m.pk: m for m in managers}
    claimers: dict[int, object] = {}
    memberships = (Membership.objects.filter(partner__in=partners, is_active=True, can_claim_mdf=True)
                   .select_related("user").order_by("-role", "pk"))  # "user" before "admin": marketing people file
    for membership in memberships:
        claimers.setdefault(membership.partner_id, membership.user)
    plans = {}
    for partner in partners:
        manager = by_pk.get(partner.channel_manager_id) or next(
            (m for m in managers if partner.region_id in {r.pk for r in m.regions.all()}), managers[0] if managers else None)
        if manager is not None:
            plans[partner.pk] = Plan(partner=partner, member=claimers.get(partner.pk), manager=manager)
    return plans


def _busy(active, plans) -> list[tuple[PartnerOrganization, tuple[str, ...]]]:
    """The featured partners with every slot, then one more partner per other currency with a short story."""
    chosen = [(p, tuple(s.name for s in SLOTS)) for name in FULL_PARTNERS for p in active
              if p.name == name and p.pk in plans and plans[p.pk].member is not None]
    currencies = {p.currency for p, _slots in chosen}
    for partner in active:
        if partner.currency not in currencies and partner.pk in plans and plans[partner.pk].member is not None:
            chosen.append((partner, LIGHT_SLOTS))
            currencies.add(partner.currency)
    return chosen


def _quarters(today) -> list:
    """First days of the quarters from HISTORY_DAYS ago up to the current one."""
    first, current = quarter_of(today - timedelta(days=HISTORY_DAYS))[0], quarter_of(today)[0]
    quarters = [first]
    while quarters[-1] < current:
        quarters.append(quarter_of(quarter_of(quarters[-1])[1] + timedelta(days=1))[0])
    return quarters


def _funds(ctx, active, *, busy, plans) -> None:
    """This quarter's fund for every active partner; the earlier quarters' too for the partners with a story."""
    today = timezone.localdate(ctx.now)
    quarters = _quarters(today)
    busy_ids = [p.pk for p, _slots in busy]
    funds_allocate_chunk(partner_ids=[p.pk for p in active], day=today)
    for quarter in quarters[:-1]:
        if busy_ids:
            funds_allocate_chunk(partner_ids=busy_ids, day=quarter)
    for partner in active:
        plan = plans.get(partner.pk)
        if plan is None:
            continue
        for quarter in quarters if partner.pk in busy_ids else quarters[-1:]:
            fund = fund_for_period(partner=partner, day=quarter)
            if fund.status != Fund.Status.OPEN or FundEntry.objects.filter(fund=fund, kind=FundEntry.Kind.ALLOCATION).exists():
                continue
            try:
                amount, _rate = convert(amount=MANUAL_ALLOCATION_BASE, from_currency=settings.BASE_CURRENCY,
                                        to_currency=fund.currency, on=today)
            except ValidationError as error:
                ctx.stdout.write(f"mdf: no manual allocation for {partner.name}: {' '.join(error.messages)}")
                continue
            fund_adjust(fund=fund, amount=nice(amount), actor=plan.manager, reason=MANUAL_REASON)


def _size(plan: Plan, ctx) -> None:
    fund = fund_for_period(partner=plan.partner, day=timezone.localdate(ctx.now))
    plan.unit = fund.allocated / SHARES_PER_FUND
    plan.cost_share = cost_share_percent_for(partner=plan.partner) or Decimal("50")


def _at(ctx, days_ago: int):
    return ctx.now - timedelta(days=days_ago)


def _slot(ctx, plan: Plan, slot: Slot, *, invoice: str | None = None) -> Activity | None:
    """Play one slot's story in a savepoint; a refusal by the rules is reported, not fatal."""
    key = KEY_PREFIX + slot.name
    if Activity.objects.filter(partner=plan.partner, idempotency_key=key).exists() or plan.unit <= 0:
        return None
    try:
        with transaction.atomic():
            return _story(ctx, plan, slot, key=key, invoice=invoice)
    except ValidationError as error:
        ctx.stdout.write(f"mdf: demo request {slot.name} of {plan.partner.name} skipped: {' '.join(error.messages)}")
        return None


def _story(ctx, plan: Plan, slot: Slot, *, key: str, invoice: str | None) -> Activity:
    today = timezone.localdate(ctx.now)
    partner, member, manager, rng = plan.partner, plan.member, plan.manager, ctx.rng
    asked_at = _at(ctx, slot.submitted_ago)
    planned = plan.planned(slot.share)
    values = {
        "activity_type": slot.activity_type, "title": slot.title,
        "description": f"{slot.title} for customers and prospects of {partner.name}; co-funded by the vendor.",
        "starts_on": today + timedelta(days=slot.ends_in - slot.days + 1), "ends_on": today + timedelta(days=slot.ends_in),
        "planned_cost": planned, "expected_leads": rng.randint(15, 80),
        "expected_pipeline": nice(planned * rng.randint(8, 25)),
    }
    activity, _created = activity_create(partner=partner, actor=member, values=values, idempotency_key=key,
                                         submit=slot.name != "draft", now=asked_at)
    Activity.objects.filter(pk=activity.pk).update(created_at=asked_at)
    if slot.name in ("draft", "submitted"):
        return activity
    if slot.name == "more_info":
        return activity_request_info(activity=activity, actor=manager, message=(
            "Which customer segments will the campaign target, and how will leads be shared with us?"))
    if slot.name == "rejected":
        return activity_reject(activity=activity, actor=manager, reason=(
            "This fair is outside our target segments this year; a customer event would fit the program better."))
    amount, reason = None, ""
    if slot.name == "approved_partial":
        amount = nice_within(activity.requested_amount * Decimal("0.8"), activity.requested_amount)
        reason = "Catering is not co-funded; the venue and speakers are."
    activity = activity_approve(activity=activity, actor=manager, amount=amount, reason=reason,
                                now=asked_at + timedelta(days=2))
    if slot.name in ("approved_partial", "claimable"):
        return activity
    if slot.name == "cancelled":
        return activity_cancel(activity=activity, actor=member, reason="The production company cancelled; we will ask "
                                                                        "again next quarter.")
    if slot.name == "lapsed":
        activity_lapse(activity_id=activity.pk, today=today)
        return activity
    _claim(ctx, plan, activity, slot, invoice=invoice)
    return activity


def _claim(ctx, plan: Plan, activity: Activity, slot: Slot, *, invoice: str | None) -> Claim:
    partner, member, manager, rng = plan.partner, plan.member, plan.manager, ctx.rng
    claim_ago = -slot.ends_in - 3  # filed three days after the activity ended
    claimed_at = _at(ctx, claim_ago)
    claim, _created = claim_start(activity=activity, actor=member, today=timezone.localdate(claimed_at))
    reserved = activity.approved_amount
    claimed = nice_within(reserved * Decimal("0.9"), reserved) if slot.name == "claim_approved" else reserved
    actual = max(nice(activity.planned_cost * Decimal("0.96")), claimed)
    invoice = invoice or f"INV-{timezone.localdate(ctx.now).year}-{partner.pk:03d}{SLOTS.index(slot) + 1:02d}"
    claim = claim_update(claim=claim, actor=member, values={
        "actual_cost": actual, "claimed_amount": claimed, "leads": rng.randint(10, 70),
        "attendees": rng.randint(20, 180) if slot.activity_type != _A.DIGITAL else 0, "invoice_number": invoice,
        "notes": "Invoice from the agency attached; figures from the registration system."})
    kinds = REQUIRED_EVIDENCE[activity.activity_type]
    for index, kind in enumerate(kinds[:1] if slot.name == "claim_draft" else kinds):
        name, content = proof_for(kind, partner_name=partner.name, title=activity.title, invoice=invoice,
                                  amount=f"{actual} {activity.currency}", seed=partner.pk * 31 + index)
        proof_add(claim=claim, actor=member, upload=SimpleUploadedFile(name, content), kind=kind)
    ProofFile.objects.filter(claim=claim).update(uploaded_at=claimed_at)  # as if uploaded on the day it was filed
    if slot.name == "claim_draft":
        return claim
    claim = claim_submit(claim=claim, actor=member, now=claimed_at)
    Claim.objects.filter(pk=claim.pk).update(created_at=claimed_at)
    if slot.name == "claim_more_info":
        return claim_request_info(claim=claim, actor=manager, message=(
            "The attendee list has no company names; please add them so we can match the leads."))
    if slot.name == "claim_rejected":
        return claim_reject(claim=claim, actor=manager, reason=(
            "Translations are not co-funded under this program; the pre-approval covered design and print only."))
    decided_at = claimed_at + timedelta(days=6)
    if slot.name == "claim_approved":
        return claim_approve(claim=claim, actor=manager, now=decided_at,
                             amount=nice_within(reserved * Decimal("0.75"), claimed),
                             reason="Two invoice lines are travel costs, which the program does not cover.")
    if slot.name == "claim_paid":
        claim = claim_approve(claim=claim, actor=manager, now=decided_at)
        paid_at = decided_at + timedelta(days=10)
        payment_record(claim=claim, actor=manager, paid_on=timezone.localdate(paid_at),
                       reference=f"PAY-{partner.pk:03d}-{claim.pk:05d}")
        Claim.objects.filter(pk=claim.pk).update(paid_at=paid_at)  # the service records the moment it ran
        ActivityEvent.objects.filter(activity=activity, kind=ActivityEvent.Kind.PAID).update(at=paid_at)
    return claim


def _duplicate(ctx, plans: dict[int, Plan]) -> None:
    """The second featured partner claims an invoice number the first one's paid claim already carries."""
    first, second = (next((p for p in plans.values() if p.partner.name == name), None) for name in FULL_PARTNERS[:2])
    if first is None or second is None or second.member is None:
        return
    original = Claim.objects.filter(partner=first.partner, activity__idempotency_key=KEY_PREFIX + "claim_paid").first()
    if original is None or not original.invoice_number:
        return
    _size(second, ctx)
    _slot(ctx, second, DUPLICATE, invoice=original.invoice_number.lower().replace("-", " "))


def _sourced_deals(ctx, plans: dict[int, Plan]) -> None:
    """Registrations the featured partners' activities sourced: won revenue and pipeline for ROPI."""
    from dealreg.demo import _CustomerNames, _products, _registrants, _registration, _won_amounts
    from dealreg.models import Deal

    wanted = [  # (activity slot, deal key, status, stage, days since registered)
        ("claim_paid", "mdf-won", Deal.Status.WON, Deal.Stage.COMMIT, 30),
        ("claim_paid", "mdf-pipeline", Deal.Status.APPROVED, Deal.Stage.PROPOSAL, 25),
        ("claim_approved", "mdf-lead", Deal.Status.SUBMITTED, Deal.Stage.DISCOVERY, 10),
    ]
    featured = [plan for plan in plans.values() if plan.partner.name in FULL_PARTNERS]
    registrants = _registrants([plan.partner for plan in featured])
    products, names = None, _CustomerNames(ctx.rng)
    for plan in featured:
        partner, user = plan.partner, registrants.get(plan.partner.pk)
        activities = dict(Activity.objects.filter(partner=partner, idempotency_key__in=[KEY_PREFIX + s for s, *_ in wanted])
                          .values_list("idempotency_key", "pk"))
        for slot_name, deal_key, status, stage, age in wanted:
            activity_id = activities.get(KEY_PREFIX + slot_name)
            if user is None or activity_id is None or Deal.objects.filter(partner=partner,
                                                                          idempotency_key=KEY_PREFIX + deal_key).exists():
                continue
            products = products if products is not None else _products()
            deals = _registration(ctx, partner=partner, user=user, manager=plan.manager, customer=names.next(partner.country),
                                  products=products, reasons=[], key=KEY_PREFIX + deal_key,
                                  slot=(deal_key, status, stage, age, {}))
            for deal in deals:
                changes = {"mdf_activity_id": activity_id}
                if status == Deal.Status.WON:  # closed after it was registered, at that day's rate
                    closed = timezone.localdate(ctx.now) - timedelta(days=6)
                    _amount, _currency, base, rate = _won_amounts(deal.value, deal.currency, closed)
                    changes.update(closed_at=closed, won_amount_base=base, fx_rate=rate)
                Deal.objects.filter(pk=deal.pk).update(**changes)


def _quiet_notices(partner_ids, *, since) -> None:
    """The decisions above wrote the partners' e-mails to the outbox; the demo records them as sent instead
    of mailing made-up addresses (their dispatch after commit then finds nothing to send)."""
    from prm.notifications.models import Notification

    Notification.objects.filter(partner_id__in=partner_ids, kind__startswith="mdf.", created_at__gte=since,
                                status=Notification.Status.PENDING).update(
        status=Notification.Status.SENT, sent_at=timezone.now())
