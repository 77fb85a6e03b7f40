"""Demo data of recruitment: an Ideal Partner Profile and applications in every state (pending with
high and low scores, a duplicate, an approved one linked to an onboarding partner, a rejected one).

Idempotent: criteria are matched by name, applications by a fixed submission key. No e-mail is sent.
"""

import uuid
from datetime import timedelta

from partners.models import IdealProfileCriterion, PartnerApplication, PartnerOrganization, Region
from partners.services.applications import ApplicationFacts, ipp_score, region_for_country
from prm.common.domains import company_domain

_A = IdealProfileCriterion.Attribute

CRITERIA = [
    # (name, attribute, values, minimum, weight)
    ("Resellers and integrators", _A.PARTNER_TYPE, ["reseller", "system_integrator"], None, 25),
    ("At least 3 certified people", _A.CERTIFIED_STAFF_MIN, [], 3, 25),
    ("51 employees or more", _A.SIZE_BAND, ["51-200", "201-1000", "1000+"], None, 20),
    ("Serves our core industries", _A.INDUSTRIES, ["manufacturing", "financial_services", "healthcare"], None, 20),
    ("Growth regions", _A.REGION, ["emea", "apac"], None, 10),
]

# Fictional companies. (key, company, website, country, type, size, certified, industries, customers,
# contact name, contact local part, language, status, days ago)
APPLICATIONS = [
    ("northwind", "Northwind Datenservice GmbH", "www.northwind-datenservice-demo.de", "DE", "reseller", "51-200", 4,
     ["manufacturing", "financial_services"], "Mid-sized manufacturers in Bavaria and Baden-Württemberg.",
     "Sabine Krüger", "sabine.krueger", "de", "pending", 2),
    ("kanto", "Kanto Digital Works KK", "kanto-digital-demo.jp", "JP", "msp", "201-1000", 6,
     ["telecom", "manufacturing"], "Telecom operators and factories in the Kanto area.",
     "Ren Tanaka", "ren.tanaka", "ja", "pending", 4),
    ("iberia", "Iberia Cloud Consultores SL", "iberia-cloud-demo.es", "ES", "system_integrator", "11-50", 1,
     ["public_sector"], "Regional governments and universities.", "Lucía Romero", "lucia.romero", "es", "pending", 6),
    ("prairie", "Prairie Pixel Marketing LLC", "prairiepixel-demo.com", "US", "referral", "1-10", 0,
     ["retail"], "Independent retailers in the Midwest.", "Ethan Cole", "ethan.cole", "en", "pending", 9),
    ("northwind-2", "Northwind Datenservice", "https://northwind-datenservice-demo.de/partner", "DE", "reseller",
     "51-200", 4, ["manufacturing"], "Manufacturers in southern Germany.", "Jonas Weber", "jonas.weber", "de",
     "pending", 1),
    ("quickresale", "QuickResale Ltd", "quickresale-demo.co.uk", "GB", "referral", "1-10", 0, ["media"],
     "Anyone who buys.", "Ryan Walsh", "ryan.walsh", "en", "rejected", 20),
]
APPROVED_PARTNER = "Schwarzwald Cloud GmbH"  # an onboarding demo partner: it came in through an application


def _key(name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"prm-demo-application:{name}")


def _ensure_criteria() -> list[IdealProfileCriterion]:
    existing = set(IdealProfileCriterion.objects.values_list("name", flat=True))
    IdealProfileCriterion.objects.bulk_create([
        IdealProfileCriterion(name=name, attribute=attribute, values=values, minimum=minimum, weight=weight)
        for name, attribute, values, minimum, weight in CRITERIA if name not in existing
    ])
    return list(IdealProfileCriterion.objects.filter(is_active=True).order_by("-weight", "pk"))


def seed_demo(ctx) -> None:
    """The partners app's demo: applications, then onboarding (checklists, agreements), then tiers."""
    from partners.demo_onboarding import seed_onboarding_demo
    from partners.demo_tiers import seed_tier_demo

    _seed_applications(ctx)
    seed_onboarding_demo(ctx)
    seed_tier_demo(ctx)


def _seed_applications(ctx) -> None:
    criteria = _ensure_criteria()
    regions = list(Region.objects.order_by("name", "pk"))
    managers = {region.code: user for user in ctx.staff.get("channel_manager", []) for region in user.regions.all()}
    keys = {_key(row[0]) for row in APPLICATIONS} | {_key("approved")}
    have = set(PartnerApplication.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True))
    first_by_domain: dict[str, PartnerApplication] = {}
    created = []
    for (key, company, website, country, partner_type, size, certified, industries, customers, contact, local,
         language, status, days) in APPLICATIONS:
        domain = company_domain(website)
        if _key(key) in have:
            first_by_domain.setdefault(domain, PartnerApplication.objects.get(idempotency_key=_key(key)))
            continue
        region = region_for_country(country, regions=regions)
        application = PartnerApplication(
            idempotency_key=_key(key), company_name=company, website=website, domain=domain, country=country,
            partner_type=partner_type, size_band=size, certified_staff=certified, industries=industries,
            target_customers=customers, contact_name=contact, contact_email=f"{local}@{domain}",
            contact_phone="+00 000 0000000", language=language, region=region,
        )
        application.score, application.score_contributions = ipp_score(
            facts=ApplicationFacts.of(application, region=region), criteria=criteria)
        application.scored_at = ctx.now
        duplicate_of = first_by_domain.get(domain)
        application.duplicate_of_application, application.is_duplicate = duplicate_of, duplicate_of is not None
        if status == PartnerApplication.Status.REJECTED:
            application.status = status
            application.rejection_reason = "We are not adding referral partners in this market this year."
            application.decided_at = ctx.now - timedelta(days=days - 2)
            application.decided_by = managers.get(region.code if region else "")
        application.save()
        PartnerApplication.objects.filter(pk=application.pk).update(created_at=ctx.now - timedelta(days=days))
        first_by_domain.setdefault(domain, application)
        created.append(application)
    partner = next((p for p in ctx.partners if p.name == APPROVED_PARTNER), None)
    if partner is not None and _key("approved") not in have:
        created.append(_approved_for(partner, criteria=criteria, regions=regions, manager=managers.get(partner.region.code),
                                     now=ctx.now))
    if created:
        ctx.stdout.write(f"partners: {len(created)} demo applications")


def _approved_for(partner: PartnerOrganization, *, criteria, regions, manager, now) -> PartnerApplication:
    application = PartnerApplication(
        idempotency_key=_key("approved"), company_name=partner.name, website=partner.website,
        domain=company_domain(partner.website) or partner.website.removeprefix("https://www."),
        country=partner.country, partner_type=partner.partner_type, size_band="11-50", certified_staff=2,
        industries=["manufacturing", "healthcare"], target_customers="Hospitals and clinics in the Black Forest region.",
        contact_name="Tobias Vogel", contact_email=f"tobias.vogel@{partner.website.removeprefix('https://www.')}",
        contact_phone="+49 761 0000000", language=partner.default_language,
        region=region_for_country(partner.country, regions=regions), status=PartnerApplication.Status.APPROVED,
        partner=partner, decided_by=manager, decided_at=partner.status_changed_at,
    )
    application.score, application.score_contributions = ipp_score(
        facts=ApplicationFacts.of(application, region=application.region), criteria=criteria)
    application.scored_at = now
    application.save()
    PartnerApplication.objects.filter(pk=application.pk).update(
        created_at=partner.status_changed_at - timedelta(days=5))
    return application
