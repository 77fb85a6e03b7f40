"""Reads for MDF: the partner's funds and balances (O(1): totals live on the fund row), activities and
claims for the portal and API, the ledger re-derived from its entries, and ROPI per activity."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet, Sum

from mdf.models import Activity, ActivityEvent, Claim, Fund, FundEntry, ProofFile
from mdf.periods import quarter_of
from mdf.services.ledger import EFFECTS, TOTALS
from prm.common.fx import FxRateMissingError, RateBook

ACTIVITY_LIST_FIELDS = (
    "id", "partner_id", "reference", "title", "activity_type", "status", "starts_on", "ends_on", "currency",
    "planned_cost", "requested_amount", "approved_amount", "claim_deadline", "created_at", "submitted_at",
    "fund_id", "fund__label",
)


@dataclass(frozen=True)
class Balances:
    """A partner's MDF money across its open funds, in its currency."""

    currency: str
    allocated: Decimal
    reserved: Decimal
    approved: Decimal
    paid: Decimal
    available: Decimal

    @property
    def approved_unpaid(self) -> Decimal:
        return self.approved - self.paid


def fund_list_for_portal(*, partner) -> list[Fund]:
    """The partner's funds, newest period first. One query."""
    return list(Fund.objects.filter(partner=partner).order_by("-period_start"))


def balances_for(*, partner, today: date) -> Balances:
    """What the partner has across funds still open for requests. One query (the totals are on the fund rows)."""
    funds = list(Fund.objects.requestable(today=today).filter(partner=partner))
    zero = Decimal("0.00")
    return Balances(
        currency=funds[0].currency if funds else partner.currency,
        allocated=sum((f.allocated for f in funds), zero), reserved=sum((f.reserved for f in funds), zero),
        approved=sum((f.spent for f in funds), zero), paid=sum((f.paid for f in funds), zero),
        available=sum((f.available for f in funds), zero),
    )


def fund_get_for_portal(*, partner, pk: int) -> Fund:
    """One of the partner's funds; another partner's id is simply not found (404)."""
    return Fund.objects.get(partner=partner, pk=pk)


def fund_entries(*, fund: Fund) -> QuerySet[FundEntry]:
    return (FundEntry.objects.filter(fund=fund).select_related("activity", "actor")
            .only("id", "kind", "amount", "currency", "base_amount", "base_currency", "fx_rate", "occurred_on", "reason",
                  "created_at", "activity__id", "activity__reference", "activity__title", "actor__email",
                  "actor__full_name", "claim_id", "deal_id")
            .order_by("created_at", "id"))


def fund_ledger_totals(*, fund: Fund) -> dict[str, Decimal]:
    """The fund's totals re-derived from its entries (the check that the ledger explains every cent)."""
    totals = {field: Decimal("0.00") for field in TOTALS}
    for kind, amount in FundEntry.objects.filter(fund=fund).values("kind").annotate(total=Sum("amount")).values_list("kind", "total"):
        for field, sign in EFFECTS[kind]:
            totals[field] += sign * amount
    return totals


def activity_list_for_portal(*, partner, status: str | None = None, q: str | None = None) -> QuerySet[Activity]:
    """The partner's activities, newest first, with their claim's status. One query per page."""
    qs = (Activity.objects.filter(partner=partner).select_related("fund", "claim")
          .only(*ACTIVITY_LIST_FIELDS, "claim__id", "claim__status", "claim__claimed_amount", "claim__approved_amount"))
    if status:
        qs = qs.filter(status=status)
    q = (q or "").strip()
    if q:
        qs = qs.filter(title__icontains=q) | qs.filter(reference__icontains=q)
    return qs.order_by("-created_at", "-id")


def activity_get_for_portal(*, partner, pk: int) -> Activity:
    """One of the partner's activities; another partner's id is simply not found (404)."""
    return (Activity.objects.select_related("fund", "created_by", "decided_by")
            .prefetch_related(Prefetch("events", queryset=ActivityEvent.objects.select_related("actor").order_by("at", "id")))
            .get(partner=partner, pk=pk))


def claim_for_activity(*, activity: Activity) -> Claim | None:
    return (Claim.objects.filter(activity=activity).select_related("decided_by")
            .prefetch_related(Prefetch("proofs", queryset=ProofFile.objects.select_related("uploaded_by").order_by("uploaded_at", "id")))
            .first())


def proof_get_for_download(*, pk: int) -> ProofFile:
    """A proof file in the active scope (the partner's own, or the staff user's regions); else DoesNotExist."""
    return ProofFile.objects.select_related("claim").get(pk=pk)


# --- ROPI ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ropi:
    """Return on partner investment of one activity (or a group), in the base currency."""

    spend: Decimal          # approved claims (what the vendor spent)
    pipeline: Decimal       # estimated value of the registrations it sourced
    won: Decimal            # won revenue of those registrations
    deals: int
    won_deals: int

    @property
    def ratio(self) -> Decimal | None:
        """Won revenue per unit of spend; None while nothing was spent."""
        return (self.won / self.spend).quantize(Decimal("0.01")) if self.spend else None

    @property
    def pipeline_ratio(self) -> Decimal | None:
        return (self.pipeline / self.spend).quantize(Decimal("0.01")) if self.spend else None


def ropi_for_activities(*, activity_ids) -> dict[int, Ropi]:
    """ROPI of each activity: spend from the ledger (base currency at each entry's rate), pipeline and
    won revenue from the registrations that name it. Three queries whatever the number of activities.
    Call in a scope covering the activities' partners."""
    from dealreg.selectors import sourced_deal_figures

    ids = list(activity_ids)
    spend = dict(FundEntry.objects.filter(activity_id__in=ids, kind=FundEntry.Kind.SPEND)
                 .values("activity_id").annotate(total=Sum("base_amount")).values_list("activity_id", "total"))
    figures = sourced_deal_figures(activity_ids=ids)
    pipeline_items = [item for f in figures.values() for item in f["pipeline"]]
    pipeline_base = _to_base_many(pipeline_items)
    result = {}
    for activity_id in ids:
        f = figures.get(activity_id, {"deals": 0, "won_deals": 0, "pipeline": [], "won_base": 0})
        result[activity_id] = Ropi(
            spend=Decimal(spend.get(activity_id) or 0), won=Decimal(f["won_base"] or 0),
            pipeline=sum((pipeline_base[item] for item in f["pipeline"]), Decimal("0")),
            deals=f["deals"], won_deals=f["won_deals"],
        )
    return result


def _to_base_many(items) -> dict[tuple, Decimal]:
    if not items:
        return {}
    book = RateBook(currencies={c for _v, c, _d in items}, start=min(d for _v, _c, d in items),
                    end=max(d for _v, _c, d in items))
    converted = {}
    for value, currency, day in items:
        try:
            converted[(value, currency, day)] = book.convert(amount=value, from_currency=currency,
                                                             to_currency=settings.BASE_CURRENCY, on=day)[0]
        except FxRateMissingError:
            converted[(value, currency, day)] = Decimal("0")  # no rate: left out rather than guessed
    return converted


@dataclass(frozen=True)
class RopiRow:
    partner_id: int
    region_id: int
    quarter: str
    ropi: Ropi


def ropi_by_partner_quarter(*, partner_ids, start: date, end: date) -> list[RopiRow]:
    """ROPI grouped per partner and per quarter of the activity's end, for analytics (base currency).
    A fixed number of queries. Call in a scope covering ``partner_ids``."""
    activities = list(Activity.objects.filter(partner_id__in=list(partner_ids), ends_on__gte=start, ends_on__lte=end)
                      .exclude(approved_amount__isnull=True)
                      .values_list("id", "partner_id", "partner__region_id", "ends_on"))
    per_activity = ropi_for_activities(activity_ids=[a[0] for a in activities])
    groups: dict[tuple, list[Ropi]] = defaultdict(list)
    for activity_id, partner_id, region_id, ends_on in activities:
        groups[(partner_id, region_id, quarter_of(ends_on)[2])].append(per_activity[activity_id])
    return [
        RopiRow(partner_id=p, region_id=r, quarter=q, ropi=Ropi(
            spend=sum((x.spend for x in items), Decimal(0)), pipeline=sum((x.pipeline for x in items), Decimal(0)),
            won=sum((x.won for x in items), Decimal(0)), deals=sum(x.deals for x in items),
            won_deals=sum(x.won_deals for x in items)))
        for (p, r, q), items in sorted(groups.items())
    ]
