"""Builders for the registration, approval, protection, portal and API tests: registrations made through
the real services (so references, events and conflict flags are what production writes), in any state."""

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from dealreg.models import Deal, DealRegistrationPolicy, Product, RejectionReason
from partners.models import Membership
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

_numbers = itertools.count(1)

# A Wednesday at 10:00 UTC: inside business hours, far from a weekend.
WEDNESDAY = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


def product(code: str = "", *, active: bool = True) -> Product:
    n = next(_numbers)
    return Product.objects.get_or_create(code=code or f"reg-prod-{n}",
                                         defaults={"name": f"Product {code or n}", "is_active": active})[0]


def rejection_reason(code: str = "duplicate", *, requires_note: bool = False) -> RejectionReason:
    return RejectionReason.objects.get_or_create(
        code=code, defaults={"label": "Already registered by another partner", "requires_note": requires_note,
                             "translations": {"de": "Bereits von einem anderen Partner registriert",
                                              "ja": "他のパートナーが登録済み"}},
    )[0]


def registrant(partner):
    """A member who may register deals (a partner user, not an admin)."""
    return make_member(partner=partner, role=Membership.Role.USER, can_register_deals=True).user


def values(**overrides) -> dict:
    # Random names: two helper customers must not look alike to the conflict engine.
    token = "q" + secrets.token_hex(6)
    base = {
        "customer_name": f"{token} GmbH",
        "customer_domain": f"{token}.com",
        "customer_country": "DE",
        "value": Decimal("25000"),
        "currency": "EUR",
        "expected_close_date": timezone.localdate() + timedelta(days=60),
        "stage": Deal.Stage.DISCOVERY,
        "description": "Replacing the customer's old platform.",
    }
    base.update(overrides)
    return base


def draft(partner, *, actor=None, products=None, **overrides) -> Deal:
    """A complete draft of ``partner``, ready to submit."""
    from dealreg.services.registration import deal_create

    actor = actor or registrant(partner)
    with partner_scope(partner):
        deal, _created = deal_create(partner=partner, actor=actor, values=values(**overrides),
                                     products=products if products is not None else [product("core")])
    return deal


def submitted(partner, *, actor=None, now=None, **overrides) -> Deal:
    from dealreg.services.registration import deal_submit

    deal = draft(partner, actor=actor, **overrides)
    with partner_scope(partner):
        return deal_submit(deal=deal, actor=deal.registered_by, now=now)


def approved(partner, *, manager=None, now=None, **overrides) -> Deal:
    from dealreg.services.approvals import deal_approve

    deal = submitted(partner, now=now, **overrides)
    with partner_scope(partner):
        return deal_approve(deal=deal, actor=manager, now=now)


def set_policy(**fields) -> DealRegistrationPolicy:
    policy = DealRegistrationPolicy.get()
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.save()
    return policy


def days_from_today(days: int) -> date:
    return timezone.localdate() + timedelta(days=days)


# --- for the cross-partner URL tables (tests/tenancy/test_meta.py, tests/api/test_meta_api.py) ------------

def draft_of(partner) -> dict:
    return {"pk": draft(partner).pk}


def submitted_of(partner) -> dict:
    return {"pk": submitted(partner).pk}


def approved_of(partner) -> dict:
    return {"pk": approved(partner).pk}
