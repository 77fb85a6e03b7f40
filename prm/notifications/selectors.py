"""Reads for the notification pages: a user's preferences, whom an unsubscribe link is for, and the nudge rules'
admin page (last runs, notices written)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, OuterRef, Q, Subquery

from .kinds import NotificationKind, all_kinds
from .models import Notification, NotificationPreference, NudgeRun
from .tokens import read_unsubscribe_token


@dataclass(frozen=True)
class PreferenceRow:
    kind: NotificationKind
    delivery: str  # NotificationPreference.Delivery, or "" for essential kinds (always sent)


def preference_rows_for_user(*, user) -> list[PreferenceRow]:
    """Every registered kind with the user's delivery choice (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return [
        PreferenceRow(kind=kind, delivery="" if kind.essential else chosen.get(kind.code, NotificationPreference.Delivery.IMMEDIATE))
        for kind in all_kinds()
    ]


@dataclass(frozen=True)
class UnsubscribeTarget:
    user: object
    kinds: list[NotificationKind]


def unsubscribe_target(*, token: str) -> UnsubscribeTarget | None:
    """The active user and the non-essential, still-registered kinds a signed token names; None if nothing valid."""
    decoded = read_unsubscribe_token(token)
    if decoded is None:
        return None
    user_id, codes = decoded
    registered = {kind.code: kind for kind in all_kinds()}
    kinds = [registered[code] for code in codes if code in registered and not registered[code].essential]
    if not kinds:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return UnsubscribeTarget(user=user, kinds=kinds)


# --- nudge rules (the admin page) ----------------------------------------------------------------------------


def nudge_rules_with_last_run(queryset):
    """The rules of ``queryset`` with their last run's fields (``last_started_at``, ``last_finished_at``,
    ``last_enabled``, ``last_sent``, ``last_error``), in the same query: one correlated subquery per field on the
    (rule, -started_at) index, so a page of rules costs one query whatever the length of the run log."""
    latest = NudgeRun.objects.filter(rule=OuterRef("code")).order_by("-started_at", "-pk")
    return queryset.annotate(**{
        f"last_{name}": Subquery(latest.values(name)[:1])
        for name in ("started_at", "finished_at", "enabled", "sent", "error")
    })


@dataclass(frozen=True)
class NoticeCount:
    written: int = 0    # outbox rows created (each reason once)
    delivered: int = 0  # of which sent by e-mail (alone or in a digest)


def nudge_notice_counts(*, kinds, since, partner_ids: list[int] | None = None) -> dict[str, NoticeCount]:
    """kind -> notices written since ``since``: one aggregate query for every kind asked. ``partner_ids`` narrows
    the count to a staff user's partners (None: every row, for operators)."""
    rows = Notification.objects.filter(kind__in=list(kinds), created_at__gte=since)
    if partner_ids is not None:
        rows = rows.filter(partner_id__in=partner_ids)
    counts = (rows.order_by().values("kind")
              .annotate(written=Count("id"), delivered=Count("id", filter=Q(status=Notification.Status.SENT)))
              .values_list("kind", "written", "delivered"))
    return {kind: NoticeCount(written, delivered) for kind, written, delivered in counts}


def nudge_runs_recent(*, code: str, limit: int = 20) -> list[NudgeRun]:
    """The last ``limit`` runs of one rule, newest first (one query on the (rule, -started_at) index)."""
    return list(NudgeRun.objects.filter(rule=code).order_by("-started_at", "-pk")[:limit])
