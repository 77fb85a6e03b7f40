"""Who hears about a registration, and the plain-JSON context of its e-mails."""

from django.conf import settings
from django.db.models import Q

from dealreg.models import Deal
from partners.models import Membership
from prm.notifications.services import language_for


def partner_recipients(*, deal: Deal) -> list:
    """The person who registered the deal and the partner's admins (active members), each once; one query."""
    memberships = (
        Membership.objects.filter(partner_id=deal.partner_id, is_active=True, user__is_active=True)
        .filter(Q(role=Membership.Role.ADMIN) | Q(user_id=deal.registered_by_id))
        .select_related("user")
        .order_by("user_id")
    )
    return [membership.user for membership in memberships]


def deal_url(deal: Deal) -> str:
    return settings.SITE_URL.rstrip("/") + deal.get_absolute_url()


def deal_context(deal: Deal, **extra) -> dict:
    """The facts every deal e-mail shows; all JSON (dates as ISO strings, money as strings)."""
    return {
        "reference": deal.reference,
        "customer_name": deal.customer_name,
        "value": str(deal.value) if deal.value is not None else "",
        "currency": deal.currency,
        "status": deal.status,
        "protected_until": deal.protected_until.isoformat() if deal.protected_until else "",
        "deal_url": deal_url(deal),
        **extra,
    }


def recipient_language(user) -> str:
    return language_for(language=None, user=user)
