"""Celery adapters for PSAT (schedule: prm/schedule.py). Thin: each loads ids and calls a service.

- analytics.psat_quarterly: daily; sends the current quarter's wave on or after its wave day
  (ANALYTICS_PSAT_WAVE_DAY of the quarter's first month) until one run completes; idempotent.
- analytics.psat_send_wave: an operator's "send now" from the admin (the same service, same guarantees).
- analytics.psat_event_invite: after a deal approval or a claim payment, queued on commit by wiring.py.
"""

from datetime import date

from celery import shared_task

from prm.tenancy.tasks import GlobalTask, PartnerTask


@shared_task(base=GlobalTask, name="analytics.psat_quarterly")
def psat_quarterly(*, today: str | None = None) -> dict | None:
    """The wave opens a scope per chunk of partners itself (no unscoped reads)."""
    from .services import quarterly_wave_if_due

    result = quarterly_wave_if_due(today=date.fromisoformat(today) if today else None)
    return result.as_dict() if result else None


@shared_task(base=GlobalTask, name="analytics.psat_send_wave")
def psat_send_wave(*, quarter: str, actor_id: int | None = None) -> dict:
    from prm.accounts.models import User

    from .services import send_quarterly_wave

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return send_quarterly_wave(quarter_start=date.fromisoformat(quarter), actor=actor).as_dict()


@shared_task(base=PartnerTask, name="analytics.psat_event_invite")
def psat_event_invite(*, partner_id: int, event: str, object_id: int) -> int:
    """``event``: "deal_approved" (object: the deal) or "claim_paid" (object: the claim). Runs in the partner's
    scope; the survey is once per person and event, and at most one event survey per person per 30 days."""
    from analytics.models import PsatSurvey

    from .services import claim_paid_recipients, deal_approved_recipients, invite_after_event

    if event == PsatSurvey.Kind.DEAL_APPROVED:
        user_ids, reference = deal_approved_recipients(deal_id=object_id)
        subject_key = f"deal:{object_id}"
    elif event == PsatSurvey.Kind.CLAIM_PAID:
        user_ids, reference = claim_paid_recipients(claim_id=object_id, partner_id=partner_id)
        subject_key = f"claim:{object_id}"
    else:
        raise ValueError(f"psat_event_invite: unknown event {event!r}")
    return invite_after_event(kind=event, subject_key=subject_key, partner_id=partner_id, user_ids=user_ids,
                              reference=reference)
