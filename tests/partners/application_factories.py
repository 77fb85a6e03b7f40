"""Builders for recruitment tests: form data, applications made through the real service, IPP criteria."""

import itertools
import uuid

from partners.models import IdealProfileCriterion, PartnerApplication
from partners.services.applications import application_submit

_n = itertools.count(1)


def form_data(**overrides) -> dict:
    """A valid POST for /apply/ (a fresh idempotency key each call unless given)."""
    n = next(_n)
    data = {
        "company_name": f"Gamma Systems {n} GmbH",
        "website": f"https://www.gamma{n}-systems.de",
        "country": "DE",
        "partner_type": "reseller",
        "size_band": "51-200",
        "certified_staff": "4",
        "industries": ["manufacturing", "healthcare"],
        "target_customers": "Mid-sized manufacturers in Bavaria.",
        "contact_name": "Greta Gamma",
        "contact_email": f"greta@gamma{n}-systems.de",
        "contact_phone": "+49 89 1234567",
        "language": "de",
        "privacy": "on",
        "homepage": "",
        "idempotency_key": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


def submit(**overrides) -> PartnerApplication:
    """An application through the service (as the form would submit it)."""
    data = form_data(**overrides)
    cleaned = {**data, "certified_staff": int(data["certified_staff"])}
    if "://" in cleaned["website"]:
        cleaned["website"] = cleaned["website"].split("://", 1)[1].split("/", 1)[0]
    application, _created = application_submit(data=cleaned, idempotency_key=uuid.UUID(data["idempotency_key"]))
    return application


def criterion(name, attribute, values=(), minimum=None, weight=10, is_active=True) -> IdealProfileCriterion:
    return IdealProfileCriterion.objects.create(name=name, attribute=attribute, values=list(values), minimum=minimum,
                                                weight=weight, is_active=is_active)


def standard_profile() -> list[IdealProfileCriterion]:
    """Weights 40 / 30 / 20 / 10: type, certified staff >= 3, industries, region emea."""
    attr = IdealProfileCriterion.Attribute
    return [
        criterion("Resellers", attr.PARTNER_TYPE, ["reseller"], weight=40),
        criterion("Three certified", attr.CERTIFIED_STAFF_MIN, minimum=3, weight=30),
        criterion("Healthcare", attr.INDUSTRIES, ["healthcare", "public_sector"], weight=20),
        criterion("EMEA", attr.REGION, ["emea"], weight=10),
    ]
