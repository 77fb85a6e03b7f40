"""Demo data of the CRM side of deal registration: exchange rates, the vendor's own accounts and open
opportunities (one of them a customer demo partners registered: a vendor-account conflict), and
multi-partner deals (partners invited onto approved registrations: accepted, waiting, declined).

Call from dealreg.demo.seed_demo: ``seed_exchange_rates(ctx)`` before registrations (won amounts are
converted at their close date's rate), ``seed_vendor_accounts(ctx)`` and ``seed_participants(ctx)`` after.
Idempotent: rates by day and pair, accounts by CRM id, participants only on deals that have none.
"""

import math
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from partners.models import Membership, PartnerOrganization
from prm.common.models import ExchangeRate
from prm.tenancy.scoping import partner_scope, partners_scope

from .models import Deal, DealParticipant, VendorAccount, VendorOpportunity
from .shared_deals import participants_for_deal

# Units of the base currency (EUR) per unit of each currency, roughly; the demo drifts them a little.
APPROX_TO_EUR = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "JPY": 0.0062, "CHF": 1.04, "BRL": 0.18, "MXN": 0.054,
                 "AUD": 0.61, "CAD": 0.68, "SGD": 0.69, "INR": 0.011, "SEK": 0.088}
RATE_WEEKS = 80  # covers the closed registrations of earlier quarters (dealreg.demo HISTORY_SLOTS)

VENDOR_ACCOUNTS = [
    # (CRM id, name, domain, country, owner, [(opportunity CRM id, name, stage, amount, currency)])
    ("DEMO-ACC-1", "Hoshino Seimitsu KK", "hoshino-seimitsu-demo.jp", "JP", "Kenji Direct",
     [("DEMO-OPP-1", "Hoshino factory analytics", "negotiation", "180000", "JPY")]),
    ("DEMO-ACC-2", "Kronberg Maschinenbau AG", "kronberg-maschinenbau-demo.de", "DE", "Vera Direct",
     [("DEMO-OPP-2", "Kronberg platform renewal", "proposal", "240000", "EUR"),
      ("DEMO-OPP-3", "Kronberg backup 2024", "closed_won", "30000", "EUR")]),
    ("DEMO-ACC-3", "Pacific Rim Airlines Ltd", "pacific-rim-airlines-demo.com.au", "AU", "Sam Direct", []),
    ("DEMO-ACC-4", "Banco Horizonte SA", "banco-horizonte-demo.com.br", "BR", "Ana Direct",
     [("DEMO-OPP-4", "Horizonte identity rollout", "qualification", "500000", "BRL")]),
]


def seed_exchange_rates(ctx) -> int:
    """Weekly rates to the base currency for the last RATE_WEEKS weeks (and today)."""
    base = settings.BASE_CURRENCY
    today = timezone.localdate()
    to_base = {code: value / APPROX_TO_EUR.get(base, 1.0) for code, value in APPROX_TO_EUR.items()}
    rows = []
    for week in range(RATE_WEEKS + 1):
        day = today - timedelta(days=7 * week)
        for number, currency in enumerate(sorted(settings.CURRENCIES)):
            if currency == base or currency not in to_base:
                continue
            drift = 1 + 0.03 * math.sin((week + number) / 4)  # the same on every run
            rows.append(ExchangeRate(date=day, from_currency=currency, to_currency=base,
                                     rate=Decimal(str(round(to_base[currency] * drift, 8)))))
    created = ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def seed_vendor_accounts(ctx) -> int:
    created = 0
    for crm_id, name, domain, country, owner, opportunities in VENDOR_ACCOUNTS:
        account, made = VendorAccount.objects.get_or_create(
            external_id=crm_id, defaults={"name": name, "domain": domain, "country": country, "owner_name": owner,
                                          "owner_email": f"{owner.split()[0].lower()}@vendor.example"})
        created += made
        for opp_id, opp_name, stage, amount, currency in opportunities:
            VendorOpportunity.objects.get_or_create(
                external_id=opp_id, defaults={"account": account, "name": opp_name, "stage": stage,
                                              "amount": Decimal(amount), "currency": currency, "owner_name": owner,
                                              "close_date": timezone.localdate() + timedelta(days=60)})
    if created:
        ctx.stdout.write(f"dealreg: {created} vendor accounts")
    return created


def seed_participants(ctx) -> int:
    """Invite other active demo partners onto approved registrations, in three states."""
    partners = [p for p in ctx.partners if p.status == PartnerOrganization.Status.ACTIVE]
    if len(partners) < 2:
        return 0
    states = [(DealParticipant.Status.ACCEPTED, DealParticipant.Role.IMPLEMENTER, "30"),
              (DealParticipant.Status.INVITED, DealParticipant.Role.INFLUENCER, "15"),
              (DealParticipant.Status.DECLINED, DealParticipant.Role.TECHNOLOGY, "10"),
              (DealParticipant.Status.ACCEPTED, DealParticipant.Role.DISTRIBUTOR, "20")]
    # Idempotent: the demo wants len(states) * 2 participations in all; a re-run tops up, never adds more.
    with partners_scope([p.pk for p in partners]):
        existing = DealParticipant.objects.filter(deal__partner_id__in=[p.pk for p in partners]).count()
    made = 0
    for index, partner in enumerate(partners):
        if existing + made >= len(states) * 2:
            break
        status, role, share = states[(existing + made) % len(states)]
        # Accepted roles go on won deals where there are some, so influenced revenue shows on the dashboards.
        wanted = [Deal.Status.WON] if status == DealParticipant.Status.ACCEPTED else [Deal.Status.APPROVED]
        with partner_scope(partner):
            deals = Deal.objects.filter(partner=partner, status__in=[Deal.Status.APPROVED, Deal.Status.WON])
            deal = deals.filter(status__in=wanted).order_by("pk").first() or deals.order_by("pk").first()
            inviter = (Membership.objects.filter(partner=partner, role=Membership.Role.ADMIN, is_active=True)
                       .values_list("user_id", flat=True).first())
            # idempotent: a deal that has participants keeps them (read as its registering partner would)
            taken = deal is None or bool(participants_for_deal(deal=deal))
        if taken:
            continue
        # An offset in 1..n-1: never the registering partner itself.
        invited = partners[(index + 1 + (existing + made) % (len(partners) - 1)) % len(partners)]
        now = timezone.now()
        DealParticipant(partner=invited, deal=deal, role=role, share=Decimal(share), status=status,
                        invited_by_id=inviter,
                        responded_at=now if status != DealParticipant.Status.INVITED else None).save(force_insert=True)
        made += 1
    if made:
        ctx.stdout.write(f"dealreg: {made} partners invited onto demo deals")
    return made
