"""Enablement's tier metric: a partner's active certifications (certifications of its active members that
have not expired), and the count expiring soon (tier notices warn when a tier depends on them).

One aggregate query per call, set-based over the partner ids of a chunk. Registered at start-up
(EnablementConfig.ready())."""

from collections.abc import Sequence
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from partners.models import Membership
from partners.tiers import metrics

from .models import CertificationAward


def _active_awards(partner_ids: Sequence[int], as_of: date):
    member = Membership.objects.filter(partner_id=OuterRef("partner_id"), user_id=OuterRef("user_id"), is_active=True)
    return (CertificationAward.objects.filter(partner_id__in=list(partner_ids), revoked_at__isnull=True,
                                              expires_on__gte=as_of, awarded_on__lte=as_of)
            .filter(Exists(member)))


def active_certifications(partner_ids: Sequence[int], as_of: date) -> dict[int, int]:
    """{partner_id: certifications of its active members valid on ``as_of``}; partners without any are absent."""
    rows = _active_awards(partner_ids, as_of).values("partner_id").annotate(n=Count("id")).values_list("partner_id", "n")
    return dict(rows)


def expiring_certifications(partner_ids: Sequence[int], within_days: int) -> dict[int, int]:
    today = timezone.localdate()
    rows = (_active_awards(partner_ids, today).filter(expires_on__lte=today + timedelta(days=within_days))
            .values("partner_id").annotate(n=Count("id")).values_list("partner_id", "n"))
    return dict(rows)


def register() -> None:
    metrics.register(metrics.ACTIVE_CERTIFICATIONS, active_certifications)
    metrics.register_expiring_certifications(expiring_certifications)
