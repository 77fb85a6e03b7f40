"""The conflict engine: is this customer already registered by another partner, or a vendor-direct account?

The one sanctioned cross-partner read of deal registration (allow-listed in prm.tenancy). It compares
a customer against every open or protected registration of every partner and against the vendor's
accounts and their open opportunities, and returns facts: ids, scores 0-100 and reason codes. Callers
show partners only THAT a possible conflict exists (``public_hint``); staff see the hits side by side
(``conflict_rows_for_staff``).

Signals: the registrable domain (exact, checked first: a btree lookup), the normalised company name by
trigram similarity, the country, product overlap. On PostgreSQL one statement per search (domain OR
pg_trgm ``%`` over GIN indexes, see dealreg/sql.py). Elsewhere (SQLite) a portable fallback: candidates
prefiltered by domain or by a shared word of the name (at most FALLBACK_CANDIDATES rows), then the same
trigram formula in Python. Limitation: a near-duplicate name sharing no whole word of 3+ letters with the
new one (e.g. a typo in every word) is found on PostgreSQL but not by the fallback.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.common.domains import company_domain
from prm.tenancy.scoping import unscoped

from .models import Deal, VendorAccount, VendorOpportunity
from .normalize import normalize_company_name, trigram_similarity

DOMAIN_MATCH = "domain_match"
NAME_SIMILAR = "name_similar"
SAME_COUNTRY = "same_country"
PRODUCT_OVERLAP = "product_overlap"
VENDOR_ACCOUNT = "vendor_account"
VENDOR_OPPORTUNITY = "vendor_opportunity"

KIND_DEAL = "deal"
KIND_VENDOR_ACCOUNT = "vendor_account"
KIND_VENDOR_OPPORTUNITY = "vendor_opportunity"

# For staff pages; partners never see reasons.
REASON_LABELS = {
    DOMAIN_MATCH: _("same web domain"),
    NAME_SIMILAR: _("similar company name"),
    SAME_COUNTRY: _("same country"),
    PRODUCT_OVERLAP: _("same products"),
    VENDOR_ACCOUNT: _("vendor account"),
    VENDOR_OPPORTUNITY: _("open vendor opportunity"),
}
KIND_LABELS = {
    KIND_DEAL: _("Registration"),
    KIND_VENDOR_ACCOUNT: _("Vendor account"),
    KIND_VENDOR_OPPORTUNITY: _("Vendor opportunity"),
}

# Points per signal; a hit needs the domain or the name, country and products only add to it.
DOMAIN_POINTS = 60
NAME_POINTS = 40  # times the similarity (an identical normalised name scores all 40)
COUNTRY_POINTS = 10
PRODUCT_POINTS = 10

MAX_HITS_PER_SOURCE = 25
OPPORTUNITIES_PER_ACCOUNT = 5
FALLBACK_CANDIDATES = 2000


def name_threshold() -> float:
    """pg_trgm similarity a name needs to count (0.45-0.6 keeps the search fast on 1M names; PERFORMANCE.md)."""
    return float(getattr(settings, "DEALREG_NAME_SIMILARITY", 0.5))


@dataclass(frozen=True)
class ConflictHit:
    """One possible conflict. Facts only: never shown to a partner (see ``public_hint``)."""

    kind: str  # KIND_DEAL, KIND_VENDOR_ACCOUNT or KIND_VENDOR_OPPORTUNITY
    object_id: int
    score: int  # 0-100
    reasons: tuple[str, ...]
    similarity: float = 0.0
    partner_id: int | None = None  # the registering partner of a deal hit
    status: str = ""  # a deal hit's status
    protected: bool = False  # an approved deal within its protection period
    account_id: int | None = None  # the vendor account of an opportunity hit

    @property
    def is_vendor(self) -> bool:
        return self.kind != KIND_DEAL

    @property
    def deal_id(self) -> int | None:
        return self.object_id if self.kind == KIND_DEAL else None

    @property
    def vendor_account_id(self) -> int | None:
        if self.kind == KIND_VENDOR_ACCOUNT:
            return self.object_id
        return self.account_id if self.kind == KIND_VENDOR_OPPORTUNITY else None

    @property
    def vendor_opportunity_id(self) -> int | None:
        return self.object_id if self.kind == KIND_VENDOR_OPPORTUNITY else None


@dataclass(frozen=True)
class ConflictHint:
    """All a partner may learn: that a possible conflict exists and will be reviewed."""

    possible_conflict: bool


@dataclass(frozen=True)
class _Candidate:
    kind: str
    object_id: int
    domain_hit: bool
    similarity: float
    country: str
    partner_id: int | None = None
    status: str = ""
    protected_until: date | None = None
    product_hit: bool = False
    opportunity_ids: tuple[int, ...] = field(default_factory=tuple)


def score_for(*, domain_hit: bool, similarity: float, same_country: bool, product_overlap: bool) -> tuple[int, tuple[str, ...]]:
    """The score (0-100) and reason codes of one candidate; (0, ()) when neither domain nor name matches."""
    points, reasons = 0, []
    if domain_hit:
        points += DOMAIN_POINTS
        reasons.append(DOMAIN_MATCH)
    if similarity >= name_threshold():
        points += round(NAME_POINTS * min(similarity, 1.0))
        reasons.append(NAME_SIMILAR)
    if not points:
        return 0, ()
    if same_country:
        points += COUNTRY_POINTS
        reasons.append(SAME_COUNTRY)
    if product_overlap:
        points += PRODUCT_POINTS
        reasons.append(PRODUCT_OVERLAP)
    return min(points, 100), tuple(reasons)


def find_conflicts(*, customer_name: str, customer_domain: str = "", customer_country: str = "",
                   product_ids=(), exclude_deal_id: int | None = None, partner_id: int | None = None) -> list[ConflictHit]:
    """Possible conflicts for a customer, best first.

    ``customer_domain`` may be a domain, a URL or an e-mail address (public mail domains are ignored).
    ``partner_id``: the registering partner; its own registrations are not channel conflicts and are skipped.
    ``exclude_deal_id``: the registration being checked. Safe in any scope (runs unscoped, returns facts).
    """
    name = normalize_company_name(customer_name)
    domain = company_domain(customer_domain)
    country = (customer_country or "").strip().upper()
    products = sorted({int(p) for p in product_ids or ()})
    if not name and not domain:
        return []
    if connection.vendor == "postgresql":
        candidates = _candidates_postgresql(name=name, domain=domain, products=products,
                                            exclude_deal_id=exclude_deal_id, partner_id=partner_id)
    else:
        candidates = _candidates_fallback(name=name, domain=domain, products=products,
                                          exclude_deal_id=exclude_deal_id, partner_id=partner_id)
    return _hits(candidates, country=country)


def find_conflicts_for_deal(*, deal: Deal) -> list[ConflictHit]:
    """Conflicts of a saved registration (at submission, and again at approval under the caller's lock)."""
    product_ids = list(deal.products.values_list("pk", flat=True)) if deal.pk else []
    return find_conflicts(
        customer_name=deal.customer_name, customer_domain=deal.customer_domain or deal.customer_contact_email,
        customer_country=deal.customer_country, product_ids=product_ids, exclude_deal_id=deal.pk,
        partner_id=deal.partner_id,
    )


def public_hint(hits: list[ConflictHit]) -> ConflictHint:
    """What the portal and the partner API may show about ``hits``: a yes/no, nothing else."""
    return ConflictHint(possible_conflict=bool(hits))


def max_score(hits: list[ConflictHit]) -> int:
    return max((hit.score for hit in hits), default=0)


def _hits(candidates: list[_Candidate], *, country: str) -> list[ConflictHit]:
    today = timezone.localdate()
    hits: list[ConflictHit] = []
    for c in candidates:
        score, reasons = score_for(domain_hit=c.domain_hit, similarity=c.similarity,
                                   same_country=bool(country) and c.country == country, product_overlap=c.product_hit)
        if not score:
            continue
        similarity = round(c.similarity, 3)
        if c.kind == KIND_DEAL:
            protected = c.status == Deal.Status.APPROVED and c.protected_until is not None and c.protected_until >= today
            hits.append(ConflictHit(kind=KIND_DEAL, object_id=c.object_id, score=score, reasons=reasons,
                                    similarity=similarity, partner_id=c.partner_id, status=c.status, protected=protected))
            continue
        hits.append(ConflictHit(kind=KIND_VENDOR_ACCOUNT, object_id=c.object_id, score=score,
                                reasons=(*reasons, VENDOR_ACCOUNT), similarity=similarity))
        for opportunity_id in c.opportunity_ids:
            hits.append(ConflictHit(kind=KIND_VENDOR_OPPORTUNITY, object_id=opportunity_id, score=score,
                                    reasons=(*reasons, VENDOR_OPPORTUNITY), similarity=similarity,
                                    account_id=c.object_id))
    hits.sort(key=lambda h: (-h.score, h.kind != KIND_DEAL, h.object_id))
    return hits


def _open_deals_q(today: date) -> Q:
    return Q(status__in=[Deal.Status.SUBMITTED, Deal.Status.MORE_INFO]) | Q(
        status=Deal.Status.APPROVED, protected_until__gte=today
    )


# --- PostgreSQL: one statement, domain OR trigram over indexes ---------------------------------------

def conflict_sql(*, name: str, domain: str, products: list[int], exclude_deal_id: int | None,
                 partner_id: int | None) -> tuple[str, dict]:
    """The statement and parameters the PostgreSQL search runs (the benchmark runs it raw as its baseline).

    It needs ``pg_trgm.similarity_threshold`` set in the same transaction (see ``_candidates_postgresql``).
    """
    q = connection.ops.quote_name
    deal, account, opportunity = Deal._meta, VendorAccount._meta, VendorOpportunity._meta
    through = Deal.products.through._meta
    params = {
        "name": name, "domain": domain, "today": timezone.localdate(), "limit": MAX_HITS_PER_SOURCE,
        "submitted": Deal.Status.SUBMITTED.value, "more_info": Deal.Status.MORE_INFO.value,
        "approved": Deal.Status.APPROVED.value, "exclude": exclude_deal_id or 0, "partner": partner_id or 0,
        "closed": [s.value for s in VendorOpportunity.CLOSED_STAGES], "opps": OPPORTUNITIES_PER_ACCOUNT,
        "products": products,
    }

    def match(domain_column: str, name_column: str) -> str:
        # Domain first: an equality on a btree index; the trigram operator uses the GIN index.
        terms = []
        if domain:
            terms.append(f"{domain_column} = %(domain)s")
        if name:
            terms.append(f"{name_column} %% %(name)s")
        return " OR ".join(terms)

    similarity = "similarity({}, %(name)s)" if name else "0.0 * length({})"
    domain_hit = "({} = %(domain)s)" if domain else "(false AND {} = '')"
    product_hit = (
        f"EXISTS (SELECT 1 FROM {q(through.db_table)} dp WHERE dp.{q('deal_id')} = d.{q('id')} "
        f"AND dp.{q('product_id')} = ANY(%(products)s))" if products else "false"
    )
    deals = (
        f"SELECT 'deal' AS kind, d.{q('id')} AS id, d.{q('partner_id')} AS partner_id, d.{q('status')} AS status, "
        f"d.{q('protected_until')} AS protected_until, d.{q('customer_country')} AS country, "
        f"{domain_hit.format('d.' + q('customer_domain'))} AS domain_hit, "
        f"{similarity.format('d.' + q('customer_name_normalized'))} AS sim, "
        f"{product_hit} AS product_hit, ARRAY[]::bigint[] AS opportunity_ids "
        f"FROM {q(deal.db_table)} d "
        f"WHERE d.{q('status')} IN (%(submitted)s, %(more_info)s, %(approved)s) "
        f"AND (d.{q('status')} <> %(approved)s OR d.{q('protected_until')} >= %(today)s) "
        f"AND d.{q('id')} <> %(exclude)s AND d.{q('partner_id')} <> %(partner)s "
        f"AND ({match('d.' + q('customer_domain'), 'd.' + q('customer_name_normalized'))}) "
        f"ORDER BY 7 DESC, 8 DESC LIMIT %(limit)s"
    )
    accounts = (
        f"SELECT 'vendor_account', a.{q('id')}, NULL::bigint, '', NULL::date, a.{q('country')}, "
        f"{domain_hit.format('a.' + q('domain'))}, {similarity.format('a.' + q('name_normalized'))}, false, "
        f"ARRAY(SELECT o.{q('id')} FROM {q(opportunity.db_table)} o WHERE o.{q('account_id')} = a.{q('id')} "
        f"AND o.{q('stage')} <> ALL(%(closed)s) ORDER BY o.{q('id')} LIMIT %(opps)s) "
        f"FROM {q(account.db_table)} a "
        f"WHERE {match('a.' + q('domain'), 'a.' + q('name_normalized'))} "
        f"ORDER BY 7 DESC, 8 DESC LIMIT %(limit)s"
    )
    return f"({deals}) UNION ALL ({accounts})", params


def set_threshold_sql() -> tuple[str, list]:
    # set_config(..., is_local => true) is SET LOCAL, and takes a bind parameter.
    return "SELECT set_config('pg_trgm.similarity_threshold', %s, true)", [str(name_threshold())]


def _candidates_postgresql(*, name, domain, products, exclude_deal_id, partner_id) -> list[_Candidate]:
    sql, params = conflict_sql(name=name, domain=domain, products=products, exclude_deal_id=exclude_deal_id,
                               partner_id=partner_id)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*set_threshold_sql())
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [
        _Candidate(kind=kind, object_id=pk, partner_id=partner, status=status or "", protected_until=protected_until,
                   country=country or "", domain_hit=bool(domain_hit), similarity=float(sim or 0),
                   product_hit=bool(product_hit), opportunity_ids=tuple(opps or ()))
        for kind, pk, partner, status, protected_until, country, domain_hit, sim, product_hit, opps in rows
    ]


# --- Portable fallback (SQLite) --------------------------------------------------------------------------

def _prefilter(*, name: str, domain: str, name_field: str, domain_field: str) -> Q:
    condition = Q()
    if domain:
        condition |= Q(**{domain_field: domain})
    words = [w for w in name.split() if len(w) >= 3] or name.split()
    for word in words[:6]:
        condition |= Q(**{f"{name_field}__contains": word})
    return condition


def _candidates_fallback(*, name, domain, products, exclude_deal_id, partner_id) -> list[_Candidate]:
    today = timezone.localdate()
    with unscoped():  # every partner's registrations: the sanctioned cross-partner read
        deals = (
            Deal.objects.filter(_open_deals_q(today))
            .filter(_prefilter(name=name, domain=domain, name_field="customer_name_normalized",
                               domain_field="customer_domain"))
            .exclude(pk=exclude_deal_id or 0)
            .exclude(partner_id=partner_id or 0)
            .order_by("-registered_at", "-id")
            .values_list("pk", "partner_id", "status", "protected_until", "customer_country", "customer_domain",
                         "customer_name_normalized")[:FALLBACK_CANDIDATES]
        )
        deal_rows = list(deals)
    accounts = list(
        VendorAccount.objects.filter(_prefilter(name=name, domain=domain, name_field="name_normalized",
                                                domain_field="domain"))
        .values_list("pk", "country", "domain", "name_normalized")[:FALLBACK_CANDIDATES]
    )
    candidates: list[_Candidate] = []
    for pk, partner, status, protected_until, country, deal_domain, deal_name in deal_rows:
        sim = trigram_similarity(name, deal_name) if name else 0.0
        domain_hit = bool(domain) and deal_domain == domain
        if domain_hit or sim >= name_threshold():
            candidates.append(_Candidate(kind=KIND_DEAL, object_id=pk, partner_id=partner, status=status,
                                         protected_until=protected_until, country=country, domain_hit=domain_hit,
                                         similarity=sim))
    candidates = sorted(candidates, key=lambda c: (not c.domain_hit, -c.similarity))[:MAX_HITS_PER_SOURCE]
    if products and candidates:
        through = Deal.products.through
        overlapping = set(
            through.objects.filter(deal_id__in=[c.object_id for c in candidates], product_id__in=products)
            .values_list("deal_id", flat=True)
        )
        candidates = [_with_product_hit(c) if c.object_id in overlapping else c for c in candidates]
    account_candidates = []
    for pk, country, account_domain, account_name in accounts:
        sim = trigram_similarity(name, account_name) if name else 0.0
        domain_hit = bool(domain) and account_domain == domain
        if domain_hit or sim >= name_threshold():
            account_candidates.append(_Candidate(kind=KIND_VENDOR_ACCOUNT, object_id=pk, country=country,
                                                 domain_hit=domain_hit, similarity=sim))
    account_candidates = sorted(account_candidates, key=lambda c: (not c.domain_hit, -c.similarity))[:MAX_HITS_PER_SOURCE]
    if account_candidates:
        opportunities: dict[int, list[int]] = {}
        rows = (VendorOpportunity.objects.open().filter(account_id__in=[c.object_id for c in account_candidates])
                .order_by("pk").values_list("account_id", "pk"))
        for account_id, pk in rows:
            opportunities.setdefault(account_id, []).append(pk)
        account_candidates = [
            _Candidate(kind=c.kind, object_id=c.object_id, country=c.country, domain_hit=c.domain_hit,
                       similarity=c.similarity,
                       opportunity_ids=tuple(opportunities.get(c.object_id, [])[:OPPORTUNITIES_PER_ACCOUNT]))
            for c in account_candidates
        ]
    return candidates + account_candidates


def _with_product_hit(c: _Candidate) -> _Candidate:
    return _Candidate(kind=c.kind, object_id=c.object_id, partner_id=c.partner_id, status=c.status,
                      protected_until=c.protected_until, country=c.country, domain_hit=c.domain_hit,
                      similarity=c.similarity, product_hit=True)


# --- The manager's side-by-side view ---------------------------------------------------------------------

@dataclass(frozen=True)
class ConflictRow:
    """One hit with what a manager needs to judge it. Staff pages only."""

    hit: ConflictHit
    label: str  # reference and customer, account or opportunity name
    customer_name: str
    domain: str
    country: str
    owner: str  # the registering partner, or the vendor account's owner
    status: str
    value: object = None
    currency: str = ""
    registered_at: object = None
    protected_until: object = None
    close_date: object = None
    admin_url: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.hit.kind]

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASON_LABELS.get(code, code)) for code in self.hit.reasons]


def conflict_rows_for_staff(*, hits: list[ConflictHit], staff_partner_ids: list[int] | None) -> list[ConflictRow]:
    """Display rows for ``hits``, in their order, in a fixed number of queries.

    Deals of partners outside ``staff_partner_ids`` (None = all) are described but not linked: the
    manager cannot open them, yet needs to know the customer is taken elsewhere.
    """
    from django.urls import reverse

    deal_ids = [h.object_id for h in hits if h.kind == KIND_DEAL]
    account_ids = {h.object_id for h in hits if h.kind == KIND_VENDOR_ACCOUNT}
    opportunity_ids = [h.object_id for h in hits if h.kind == KIND_VENDOR_OPPORTUNITY]
    with unscoped():
        deals = {d.pk: d for d in Deal.objects.filter(pk__in=deal_ids).select_related("partner")} if deal_ids else {}
    opportunities = (
        {o.pk: o for o in VendorOpportunity.objects.filter(pk__in=opportunity_ids).select_related("account")}
        if opportunity_ids else {}
    )
    accounts = {a.pk: a for a in VendorAccount.objects.filter(pk__in=account_ids)} if account_ids else {}
    link_deals = _admin_has_deal()
    rows: list[ConflictRow] = []
    for hit in hits:
        if hit.kind == KIND_DEAL and hit.object_id in deals:
            d = deals[hit.object_id]
            visible = staff_partner_ids is None or d.partner_id in staff_partner_ids
            rows.append(ConflictRow(
                hit=hit, label=d.reference, customer_name=d.customer_name, domain=d.customer_domain,
                country=d.customer_country, owner=d.partner.name, status=d.get_status_display(), value=d.value,
                currency=d.currency, registered_at=d.registered_at, protected_until=d.protected_until,
                admin_url=reverse("admin:dealreg_deal_change", args=[d.pk]) if visible and link_deals else "",
            ))
        elif hit.kind == KIND_VENDOR_ACCOUNT and hit.object_id in accounts:
            a = accounts[hit.object_id]
            rows.append(ConflictRow(
                hit=hit, label=a.name, customer_name=a.name, domain=a.domain, country=a.country,
                owner=a.owner_name or a.owner_email, status="",
                admin_url=reverse("admin:dealreg_vendoraccount_change", args=[a.pk]),
            ))
        elif hit.kind == KIND_VENDOR_OPPORTUNITY and hit.object_id in opportunities:
            o = opportunities[hit.object_id]
            rows.append(ConflictRow(
                hit=hit, label=o.name, customer_name=o.account.name, domain=o.account.domain,
                country=o.account.country, owner=o.owner_name or o.owner_email or o.account.owner_name,
                status=o.get_stage_display(), value=o.amount, currency=o.currency, close_date=o.close_date,
                admin_url=reverse("admin:dealreg_vendoropportunity_change", args=[o.pk]),
            ))
    return rows


def _admin_has_deal() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("admin:dealreg_deal_changelist")
    except NoReverseMatch:
        return False
    return True
