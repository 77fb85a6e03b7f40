"""Builders for the conflict engine, multi-partner deal, outcome and import tests (plain functions, not fixtures,
so any test can make rows of any partner in that partner's scope)."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from dealreg.models import Deal, DealParticipant, Product, VendorAccount, VendorOpportunity
from dealreg.normalize import normalize_company_name
from prm.common.domains import company_domain
from prm.common.models import ExchangeRate
from prm.tenancy.scoping import partner_scope
from tests.factories import UserFactory

_numbers = itertools.count(1)


def make_product(code: str = "", name: str = "") -> Product:
    n = next(_numbers)
    return Product.objects.create(code=code or f"prod-{n}", name=name or f"Product {n}")


def make_deal(*, partner, customer_name="Acme GmbH", customer_domain="acme.de", country="DE",
              status=Deal.Status.SUBMITTED, value=Decimal("10000"), currency="EUR", products=(), registered_by=None,
              protected_until=None, private_notes="", reference="", **fields) -> Deal:
    """A registration of ``partner`` (created in its scope), normalised as the registration service does."""
    if status == Deal.Status.APPROVED and protected_until is None:
        protected_until = timezone.localdate() + timedelta(days=90)
    with partner_scope(partner):
        deal = Deal.objects.create(
            partner=partner, reference=reference or f"T-{next(_numbers):05d}", customer_name=customer_name,
            customer_name_normalized=normalize_company_name(customer_name),
            customer_domain=company_domain(customer_domain), customer_country=country, value=value,
            currency=currency, expected_close_date=timezone.localdate() + timedelta(days=60), status=status,
            registered_by=registered_by or UserFactory(), registered_at=timezone.now(), protected_until=protected_until,
            private_notes=private_notes, **fields,
        )
        if products:
            deal.products.set(products)
    return deal


def make_account(*, name="Acme AG", domain="acme.de", country="DE", owner_name="Vera Direct", **fields) -> VendorAccount:
    return VendorAccount.objects.create(name=name, domain=domain, country=country, owner_name=owner_name,
                                        owner_email="vera.direct@vendor.example", **fields)


def make_opportunity(*, account, stage=VendorOpportunity.Stage.PROPOSAL, **fields) -> VendorOpportunity:
    return VendorOpportunity.objects.create(account=account, name=fields.pop("name", "Direct renewal"), stage=stage,
                                            amount=Decimal("50000"), currency="EUR", **fields)


def make_rate(on: date, source: str, target: str, rate: str) -> ExchangeRate:
    return ExchangeRate.objects.create(date=on, from_currency=source, to_currency=target, rate=Decimal(rate))


def make_participant(*, deal, partner, role=DealParticipant.Role.INFLUENCER, share="20",
                     status=DealParticipant.Status.ACCEPTED) -> DealParticipant:
    participant = DealParticipant(partner=partner, deal=deal, role=role, share=Decimal(share), status=status)
    participant.save(force_insert=True)
    return participant


# --- for the cross-partner URL table in tests/tenancy/test_meta.py ----------------------------------------

def participation_of(partner) -> dict:
    """kwargs of a participation owned by ``partner`` on another partner's deal."""
    from tests.factories import PartnerFactory

    owner = PartnerFactory(name="Deal Owner Partner")
    deal = make_deal(partner=owner)
    return {"pk": make_participant(deal=deal, partner=partner, status=DealParticipant.Status.INVITED).pk}


def deal_of(partner) -> dict:
    return {"pk": make_deal(partner=partner).pk}


def deal_participant_of(partner) -> dict:
    """kwargs of a participant (of some other partner) on a deal ``partner`` registered."""
    from tests.factories import PartnerFactory

    deal = make_deal(partner=partner)
    invited = PartnerFactory(name="Invited Partner")
    return {"pk": deal.pk, "participant_pk": make_participant(deal=deal, partner=invited).pk}


def approved_deal_of(partner) -> dict:
    return {"pk": make_deal(partner=partner, status=Deal.Status.APPROVED).pk}


def shared_participation_of(partner) -> dict:
    """API kwargs of a pending invitation of ``partner`` onto another partner's deal (deals/shared/<participant_pk>/)."""
    return {"participant_pk": participation_of(partner)["pk"]}
