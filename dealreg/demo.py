"""Demo data of deal registration: the product catalogue, rejection reasons in every language, an
auto-approval rule, and registrations of the demo partners in every state — with conflicting pairs
(two partners, one customer), registrations waiting past the approval time and protections about
to end.

Idempotent: products, reasons and rules are matched by code or name, registrations by a fixed
idempotency key per partner ("demo:<slot>"). Rows are written directly (no e-mail is sent).
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError

from dealreg.models import AutoApprovalRule, Deal, DealEvent, DealRegistrationPolicy, Product, RejectionReason
from dealreg.normalize import normalize_company_name, trigram_similarity
from dealreg.services.registration import next_reference
from partners.models import Membership, PartnerOrganization
from prm.common.domains import company_domain
from prm.tenancy.scoping import partner_scope

PRODUCTS = [
    # (code, name, family)
    ("cloud-core", "Cloud Core Platform", "Platform"),
    ("cloud-analytics", "Cloud Analytics", "Platform"),
    ("secure-edge", "Secure Edge Gateway", "Security"),
    ("identity-plus", "Identity Plus", "Security"),
    ("backup-vault", "Backup Vault", "Data protection"),
    ("support-premium", "Premium Support", "Services"),
    ("migration-kit", "Migration Services", "Services"),
    ("legacy-suite", "Legacy Suite (retired)", "Platform"),
]
RETIRED = {"legacy-suite"}

REJECTION_REASONS = [
    # (code, English, {language: label}, needs a note)
    ("duplicate", "Another partner registered this customer first",
     {"de": "Ein anderer Partner hat diesen Kunden zuerst registriert",
      "fr": "Un autre partenaire a enregistré ce client en premier",
      "es": "Otro socio registró primero a este cliente", "ja": "他のパートナーがこの顧客を先に登録しました"}, False),
    ("vendor-account", "The customer is served directly by the vendor",
     {"de": "Der Kunde wird direkt vom Hersteller betreut", "fr": "Le client est suivi directement par l'éditeur",
      "es": "El cliente es atendido directamente por el fabricante", "ja": "この顧客はベンダーが直接担当しています"}, False),
    ("not-qualified", "The opportunity is not qualified yet",
     {"de": "Die Opportunity ist noch nicht qualifiziert", "fr": "L'opportunité n'est pas encore qualifiée",
      "es": "La oportunidad aún no está calificada", "ja": "案件の確度がまだ確認できていません"}, False),
    ("out-of-territory", "The customer is outside your territory",
     {"de": "Der Kunde liegt außerhalb Ihres Gebiets", "fr": "Le client est hors de votre territoire",
      "es": "El cliente está fuera de su territorio", "ja": "この顧客は担当地域外です"}, False),
    ("other", "Other reason",
     {"de": "Anderer Grund", "fr": "Autre raison", "es": "Otro motivo", "ja": "その他の理由"}, True),
]

# The customers two partners both register (fictional; "demo" in the domain keeps them apart from real ones).
PAIR_CUSTOMERS = [
    ("Helios Logistik GmbH", "helios-logistik-demo.de", "DE"),
    ("Hoshino Seimitsu KK", "hoshino-seimitsu-demo.jp", "JP"),
    ("Brasserie du Lac SA", "brasserie-du-lac-demo.fr", "FR"),
]
# Every other registration gets its own made-up customer: an invented word and a trade, kept only when it
# does not look like any name already used (so the demo's conflicts are exactly the pairs above).
SYLLABLES = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
TRADES = ["Foods", "Logistics", "Textiles", "Clinics", "Motors", "Energy", "Pharma", "Retail", "Farms",
          "Shipping", "Robotics", "Insurance", "Hotels", "Steelworks", "Brewing", "Media"]
LEGAL_SUFFIX = {"DE": "GmbH", "AT": "GmbH", "CH": "AG", "FR": "SAS", "ES": "SL", "JP": "KK", "GB": "Ltd", "AU": "Pty Ltd",
                "MX": "SA de CV", "BR": "Ltda", "IN": "Pvt Ltd", "SG": "Pte Ltd"}
TLD = {"DE": "de", "AT": "at", "CH": "ch", "FR": "fr", "ES": "es", "JP": "jp", "GB": "co.uk", "AU": "com.au",
       "MX": "mx", "BR": "com.br", "IN": "in", "SG": "sg", "CA": "ca"}
SIMILAR = 0.3  # well below the conflict engine's name threshold


# One partner's set of registrations: (slot, status, stage, days since created, extra).
FEATURED_SLOTS = [
    ("draft", Deal.Status.DRAFT, Deal.Stage.QUALIFICATION, 1, {}),
    ("submitted", Deal.Status.SUBMITTED, Deal.Stage.DISCOVERY, 0, {}),
    ("overdue", Deal.Status.SUBMITTED, Deal.Stage.PROPOSAL, 6, {"overdue": True}),
    ("more-info", Deal.Status.MORE_INFO, Deal.Stage.DISCOVERY, 4, {}),
    ("approved", Deal.Status.APPROVED, Deal.Stage.PROPOSAL, 20, {}),
    ("expiring", Deal.Status.APPROVED, Deal.Stage.NEGOTIATION, 85, {"protected_days_left": 5}),
    ("rejected", Deal.Status.REJECTED, Deal.Stage.QUALIFICATION, 30, {}),
    ("expired", Deal.Status.EXPIRED, Deal.Stage.PROPOSAL, 140, {}),
    ("won", Deal.Status.WON, Deal.Stage.COMMIT, 120, {}),
    ("lost", Deal.Status.LOST, Deal.Stage.NEGOTIATION, 100, {}),
    ("withdrawn", Deal.Status.WITHDRAWN, Deal.Stage.QUALIFICATION, 50, {}),
]
OTHER_SLOTS = [FEATURED_SLOTS[i] for i in (1, 4, 0)]
# Closed registrations of earlier quarters, so dashboards show trends (revenue by quarter, win rate, time to
# first value): (slot, status, days since registered, days since closed). Only those after the partner's
# activation are written.
HISTORY_SLOTS = [
    ("history-1", Deal.Status.WON, 170, 120),
    ("history-2", Deal.Status.LOST, 230, 190),
    ("history-3", Deal.Status.WON, 300, 250),
    ("history-4", Deal.Status.WON, 380, 330),
    ("history-5", Deal.Status.LOST, 440, 400),
    ("history-6", Deal.Status.WON, 520, 470),
]
# Conflicting pairs: the first partner's registration is approved, the second one waits with a flag.
CONFLICT_PAIRS = [("Nordlicht IT GmbH", "Rheinwerk Systemhaus GmbH", 0),
                  ("Sakura Systems KK", "Fujimi Solutions KK", 1),
                  ("Lumière Conseil SAS", "Atelier Numérique SARL", 2)]


def seed_demo(ctx) -> None:
    from dealreg.demo_crm import seed_exchange_rates, seed_participants, seed_vendor_accounts

    seed_exchange_rates(ctx)  # won amounts convert at dated rates
    _seed_registrations(ctx)
    _seed_history(ctx)
    seed_vendor_accounts(ctx)
    seed_participants(ctx)


def _seed_registrations(ctx) -> None:
    products = _products()
    reasons = _reasons()
    DealRegistrationPolicy.get()
    if not AutoApprovalRule.objects.filter(name="Small registrations without conflicts").exists():
        AutoApprovalRule.objects.create(
            name="Small registrations without conflicts", priority=10, max_conflict_score=0,
            max_value=Decimal("15000"), currency=settings.BASE_CURRENCY, exclude_vendor_customers=True,
        )
    managers = ctx.staff.get("channel_manager", [])
    eligible = [p for p in ctx.partners if p.status in PartnerOrganization.PORTAL_STATUSES]
    registrants = _registrants(eligible)
    by_name = {p.name: p for p in eligible}
    names = _CustomerNames(ctx.rng)
    created: list[Deal] = []
    for index, partner in enumerate(eligible):
        user = registrants.get(partner.pk)
        if user is None:
            continue
        featured = partner.status == PartnerOrganization.Status.ACTIVE and index % 4 == 0
        slots = FEATURED_SLOTS if featured or partner.name in {a for a, _b, _c in CONFLICT_PAIRS} else OTHER_SLOTS
        manager = next((m for m in managers if m.pk == partner.channel_manager_id), None)
        for slot in slots:
            created += _registration(ctx, partner=partner, user=user, manager=manager, slot=slot,
                                     customer=names.next(partner.country), products=products, reasons=reasons)
    for first, second, customer_index in CONFLICT_PAIRS:
        if first in by_name and second in by_name and by_name[first].pk in registrants and by_name[second].pk in registrants:
            created += _conflict_pair(ctx, by_name[first], by_name[second], PAIR_CUSTOMERS[customer_index],
                                      registrants=registrants, products=products)
    _flag_conflicts(created)
    if created:
        ctx.stdout.write(f"dealreg: {len(created)} demo registrations")


def _seed_history(ctx) -> None:
    """Won and lost registrations of earlier quarters for active partners (after their activation), then the
    partners' time-to-first-value dates from their earliest registration and win, as the services record them."""
    products = _products()
    active = [p for p in ctx.partners if p.status == PartnerOrganization.Status.ACTIVE]
    registrants = _registrants(active)
    names = _CustomerNames(ctx.rng)
    created: list[Deal] = []
    for index, partner in enumerate(active):
        user = registrants.get(partner.pk)
        activated = partner.activated_at or partner.status_changed_at
        if user is None or activated is None:
            continue
        active_days = (ctx.now - activated).days
        # Busy partners have the whole history, quiet ones a part of it (index-based, so reruns agree).
        slots = HISTORY_SLOTS if index % 3 else HISTORY_SLOTS[::2]
        for name, status, age, closed_ago in slots:
            if age >= active_days - 7:
                continue
            slot = (name, status, Deal.Stage.COMMIT if status == Deal.Status.WON else Deal.Stage.NEGOTIATION, age,
                    {"closed_ago": closed_ago})
            created += _registration(ctx, partner=partner, user=user, manager=None, slot=slot,
                                     customer=names.next(partner.country), products=products, reasons=[])
    _record_first_value(ctx)
    if created:
        ctx.stdout.write(f"dealreg: {len(created)} closed registrations of earlier quarters")


def _record_first_value(ctx) -> None:
    """The demo writes registrations directly, so set first registered / first won as the services would."""
    from datetime import UTC, datetime, time

    from django.db.models import Min, Q

    from partners.services.onboarding import partner_record_first_deal

    for partner in ctx.partners:
        with partner_scope(partner):
            first = Deal.objects.filter(partner=partner).aggregate(
                registered=Min("registered_at"), won=Min("closed_at", filter=Q(status=Deal.Status.WON)))
        if first["registered"] or first["won"]:
            won_at = datetime.combine(first["won"], time.min, tzinfo=UTC) if first["won"] else None
            partner_record_first_deal(partner=partner, registered_at=first["registered"], won_at=won_at)


class _CustomerNames:
    """Made-up customers, each unlike every other (and unlike the paired ones) to the conflict engine."""

    def __init__(self, rng):
        self.rng = rng
        self.used = [normalize_company_name(name) for name, _domain, _country in PAIR_CUSTOMERS]

    def next(self, country: str) -> tuple[str, str, str]:
        for _attempt in range(200):
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(3)) + self.rng.choice("nrlsk")
            base = f"{word.capitalize()} {self.rng.choice(TRADES)}"
            normalized = normalize_company_name(base)
            if all(trigram_similarity(normalized, other) < SIMILAR for other in self.used):
                break
        self.used.append(normalized)
        name = f"{base} {LEGAL_SUFFIX.get(country, 'Inc.')}"
        domain = f"{base.lower().replace(' ', '-')}-demo.{TLD.get(country, 'com')}"
        return name, domain, country


def _flag_conflicts(deals: list[Deal]) -> None:
    """What the engine says about the new open registrations (run after all exist, so pairs see each other)."""
    from dealreg.services.conflict_check import check_conflicts

    for deal in deals:
        if deal.status not in Deal.OPEN_STATUSES:
            continue
        with partner_scope(deal.partner_id):
            summary = check_conflicts(deal=deal)
            Deal.objects.filter(pk=deal.pk).update(has_conflict=summary.has_conflict, conflict_score=summary.score)


def _products() -> list[Product]:
    existing = {p.code: p for p in Product.objects.filter(code__in=[code for code, *_ in PRODUCTS])}
    Product.objects.bulk_create([
        Product(code=code, name=name, family=family, is_active=code not in RETIRED)
        for code, name, family in PRODUCTS if code not in existing
    ])
    return list(Product.objects.filter(is_active=True).order_by("family", "name"))


def _reasons() -> list[RejectionReason]:
    existing = set(RejectionReason.objects.values_list("code", flat=True))
    RejectionReason.objects.bulk_create([
        RejectionReason(code=code, label=label, translations=translations, requires_note=note, position=position)
        for position, (code, label, translations, note) in enumerate(REJECTION_REASONS) if code not in existing
    ])
    return list(RejectionReason.objects.order_by("position"))


def _registrants(partners) -> dict:
    """partner id -> a member who registers deals (a sales person, else the admin)."""
    found = {}
    for partner in partners:
        with partner_scope(partner):
            membership = (Membership.objects.filter(partner=partner, is_active=True, can_register_deals=True)
                          .select_related("user").order_by("role", "pk").first())
        if membership is not None:
            found[partner.pk] = membership.user
    return found


def _won_amounts(value: Decimal, currency: str, on) -> tuple[Decimal, str, Decimal | None, Decimal | None]:
    """(amount, currency, amount in the base currency, rate): converted when a rate is on record."""
    if currency == settings.BASE_CURRENCY:
        return value, currency, value, Decimal("1")
    from prm.common.fx import to_base

    try:
        base, rate = to_base(amount=value, currency=currency, on=on)
    except ValidationError:
        return value, currency, None, None
    return value, currency, base, rate


def _registration(ctx, *, partner, user, manager, slot, customer, products, reasons, key=None) -> list[Deal]:
    slot_name, status, stage, age_days, extra = slot
    key = key or f"demo:{slot_name}"
    with partner_scope(partner):
        if Deal.objects.filter(partner=partner, idempotency_key=key).exists():
            return []
        rng = ctx.rng
        now = ctx.now
        created_at = now - timedelta(days=age_days, hours=rng.randint(1, 8))
        name, domain, country = customer
        value = Decimal(rng.choice([8, 12, 25, 40, 60, 95, 150, 240])) * 1000
        deal = Deal(
            partner=partner, reference=next_reference(partner=partner, year=created_at.year), idempotency_key=key,
            customer_name=name, customer_name_normalized=normalize_company_name(name)[:200],
            customer_domain=company_domain(domain), customer_contact_email=f"purchasing@{domain}",
            customer_country=country, value=value, currency=partner.currency,
            expected_close_date=(now + timedelta(days=rng.randint(20, 150))).date(), stage=stage,
            description="Demo opportunity: platform renewal and expansion.", status=status, registered_by=user,
        )
        events = [(DealEvent.Kind.CREATED, created_at, user, {})]
        if status != Deal.Status.DRAFT:
            submitted_at = created_at + timedelta(hours=2)
            if extra.get("overdue"):
                submitted_at = now - timedelta(days=age_days)
            deal.registered_at = deal.submitted_at = submitted_at
            events.append((DealEvent.Kind.SUBMITTED, submitted_at, user, {}))
            decided_at = submitted_at + timedelta(hours=rng.randint(2, 20))
            if status == Deal.Status.MORE_INFO:
                deal.decided_at, deal.decided_by = decided_at, manager
                deal.decision_reason = "Who is the economic buyer, and is there a budget this year?"
                events.append((DealEvent.Kind.MORE_INFO, decided_at, manager, {"message": deal.decision_reason}))
            elif status == Deal.Status.REJECTED:
                reason = reasons[2] if reasons else None
                deal.decided_at, deal.decided_by, deal.rejection_reason = decided_at, manager, reason
                events.append((DealEvent.Kind.REJECTED, decided_at, manager, {"reason": reason.code if reason else ""}))
            elif status in (Deal.Status.APPROVED, Deal.Status.EXPIRED, Deal.Status.WON, Deal.Status.LOST,
                            Deal.Status.WITHDRAWN):
                deal.decided_at, deal.decided_by, deal.approved_value = decided_at, manager, value
                days_left = extra.get("protected_days_left")
                deal.protected_until = (now + timedelta(days=days_left)).date() if days_left is not None else (
                    decided_at + timedelta(days=90)).date()
                events.append((DealEvent.Kind.APPROVED, decided_at, manager,
                               {"protected_until": deal.protected_until.isoformat()}))
                if status == Deal.Status.EXPIRED:
                    deal.protected_until = (now - timedelta(days=rng.randint(3, 40))).date()
                    events.append((DealEvent.Kind.EXPIRED, now - timedelta(days=2), None, {}))
                elif status == Deal.Status.WON:
                    deal.closed_at = (now - timedelta(days=extra.get("closed_ago") or rng.randint(5, 60))).date()
                    deal.won_amount, deal.won_currency, deal.won_amount_base, deal.fx_rate = _won_amounts(
                        value, partner.currency, deal.closed_at)
                    events.append((DealEvent.Kind.WON, now - timedelta(days=extra.get("closed_ago") or 3), user, {}))
                elif status == Deal.Status.LOST:
                    deal.closed_at = (now - timedelta(days=extra.get("closed_ago") or rng.randint(5, 60))).date()
                    deal.lost_reason = "The customer chose a competitor on price."
                    events.append((DealEvent.Kind.LOST, now - timedelta(days=extra.get("closed_ago") or 3), user, {}))
                elif status == Deal.Status.WITHDRAWN:
                    events.append((DealEvent.Kind.WITHDRAWN, now - timedelta(days=10), user,
                                   {"reason": "The customer postponed the project."}))
        deal.save()
        Deal.objects.filter(pk=deal.pk).update(created_at=created_at)
        deal.products.set(rng.sample(products, k=min(len(products), rng.randint(1, 3))))
        DealEvent.objects.bulk_create([
            DealEvent(partner=partner, deal=deal, kind=kind, at=at, actor=actor, data=data)
            for kind, at, actor, data in events
        ])
    return [deal]


def _conflict_pair(ctx, first, second, customer, *, registrants, products) -> list[Deal]:
    """The same customer registered by two partners: the first is protected, the second waits for a manager."""
    created = _registration(
        ctx, partner=first, user=registrants[first.pk], manager=None, customer=customer, products=products,
        reasons=[], key="demo:conflict", slot=("conflict", Deal.Status.APPROVED, Deal.Stage.PROPOSAL, 15, {}),
    )
    created += _registration(
        ctx, partner=second, user=registrants[second.pk], manager=None, customer=customer, products=products,
        reasons=[], key="demo:conflict", slot=("conflict", Deal.Status.SUBMITTED, Deal.Stage.DISCOVERY, 2, {}),
    )
    return created
