"""Start-up wiring of PSAT, called from AnalyticsConfig.ready(): the notification kind, the admin, and the event
triggers.

Triggers (each queues analytics.psat_event_invite after the commit, only while that event survey is active):
- a deal registration approved: the DealEvent row of kind "approved" or "auto_approved" that every approval
  writes (dealreg.services.approvals); the person asked is the deal's registrant. A re-approval after a material
  change is the same deal: that person is not asked twice.
- an MDF claim paid: the Payment row (one per claim, mdf.services.payment_record); the person asked is the
  claim's creator, or the partner's admins when the creator has left.
Rows written in bulk (imports, demo data) send no signal, so they trigger nothing. A lost dispatch (broker down)
loses one optional survey, nothing else.
"""

import logging
from functools import partial

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_save

logger = logging.getLogger(__name__)

APPROVAL_KINDS = ("approved", "auto_approved")  # dealreg.models.DealEvent.Kind.APPROVED / AUTO_APPROVED


def _dispatch(*, event: str, partner_id: int, object_id: int) -> None:
    from analytics.models import PsatSurvey

    from .tasks import psat_event_invite

    if not PsatSurvey.objects.filter(kind=event, is_active=True).exists():
        return  # one indexed query instead of a task per approval while the survey is off
    try:
        psat_event_invite.delay(partner_id=partner_id, event=event, object_id=object_id)
    except Exception:
        logger.warning("PSAT %s invitation for %s could not be queued", event, object_id, exc_info=True)


def _deal_event_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or not created or instance.kind not in APPROVAL_KINDS:
        return
    transaction.on_commit(partial(_dispatch, event="deal_approved", partner_id=instance.partner_id,
                                  object_id=instance.deal_id), robust=True)


def _payment_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or not created:
        return
    transaction.on_commit(partial(_dispatch, event="claim_paid", partner_id=instance.partner_id,
                                  object_id=instance.claim_id), robust=True)


def ready() -> None:
    # The admin, the e-mail kind, and the tasks (registered with Celery even before autodiscovery finds them).
    from . import admin, notification_kinds, tasks  # noqa: F401

    if apps.is_installed("dealreg"):
        post_save.connect(_deal_event_saved, sender="dealreg.DealEvent", dispatch_uid="analytics.psat.deal_approved")
    if apps.is_installed("mdf"):
        post_save.connect(_payment_saved, sender="mdf.Payment", dispatch_uid="analytics.psat.claim_paid")
