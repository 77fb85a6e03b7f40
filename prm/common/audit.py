"""``audit()``: the one way services record who did what."""

from django.db import models

from .models import AuditEvent
from .request_context import current_request_info


def audit(*, actor, action: str, target: models.Model | None = None, partner=None, data: dict | None = None) -> AuditEvent:
    """Write one audit row in the caller's transaction. ``action`` reads ``"<app>.<entity>.<verb>"``."""
    info = current_request_info()
    if partner is None and target is not None:
        partner_id = getattr(target, "partner_id", None)
    else:
        partner_id = getattr(partner, "pk", partner)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_repr=(getattr(actor, "email", "") or "system")[:254],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:254] if target is not None else "",
        partner_id=partner_id,
        ip_address=info.ip,
        user_agent=info.user_agent,
        data=data or {},
    )
