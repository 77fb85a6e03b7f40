"""The registration timeline: one helper, so every service writes events the same way."""

from django.utils import timezone

from dealreg.models import Deal, DealEvent


def record_event(*, deal: Deal, kind: str, actor=None, data: dict | None = None, at=None) -> DealEvent:
    """Append one event to ``deal``'s timeline (the partner sees it). ``data``: the partner's own facts only."""
    return DealEvent.objects.create(
        partner_id=deal.partner_id, deal=deal, kind=kind, actor=actor if getattr(actor, "pk", None) else None,
        at=at or timezone.now(), data=data or {},
    )
