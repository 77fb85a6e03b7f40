"""Sending from the outbox: one row at a time, the sweep for lost dispatches, and the daily digest.

"Never twice" rests on one rule: a row is only sent by the worker whose conditional UPDATE moved
it out of PENDING (or DIGEST) into SENDING. Re-delivered or duplicated task messages find nothing
to claim and do nothing. Every function here runs outside a request and reads no partner-owned rows.
"""

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .kinds import get_kind
from .models import Notification, NotificationPreference
from .rendering import render_digest, render_notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
LOST_DISPATCH_AFTER = timedelta(minutes=1)
STUCK_SENDING_AFTER = timedelta(minutes=15)
CHUNK_SIZE = 500
DIGEST_RECIPIENT_CHUNK = 200
SWEEP_MAX_PER_RUN = 20_000  # a backlog beyond this is sent over the next runs, not queued at once
ERROR_MAX = 2000

Status = Notification.Status


def _error_text(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX]


def _without_secrets(notification: Notification) -> dict:
    """The stored context minus one-time secrets (e.g. an invitation's accept link) once delivered."""
    return get_kind(notification.kind).without_secrets(notification.context)


def _forget_secrets(rows: list[Notification]) -> None:
    """Blank the secrets of rows sent in a digest or suppressed there, as notification_send does for a row sent
    alone: one UPDATE for those that hold one, none otherwise. A kind no longer registered is left as it is."""
    changed = []
    for row in rows:
        try:
            context = _without_secrets(row)
        except LookupError:
            continue
        if context != row.context:
            row.context = context
            changed.append(row)
    if changed:
        Notification.objects.bulk_update(changed, ["context"])


def notification_send(*, notification_id: int) -> bool:
    """Send one PENDING row if this call wins the claim. True when an e-mail went out.

    Must run outside a transaction (a worker): the claim commits on its own, so a second worker
    sees SENDING and backs off. A failure puts the row back to PENDING (the sweep retries it)
    until MAX_ATTEMPTS, then FAILED.
    """
    claimed = Notification.objects.filter(pk=notification_id, status=Status.PENDING).update(
        status=Status.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return False  # already sent, being sent, suppressed, waiting for the digest, or gone
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    try:
        render_notification(notification).send()
    except Exception as error:
        retry = notification.attempts < MAX_ATTEMPTS
        Notification.objects.filter(pk=notification_id).update(
            status=Status.PENDING if retry else Status.FAILED, last_error=_error_text(error)
        )
        logger.warning("Notification %s (%s) failed, attempt %s%s", notification_id, notification.kind,
                       notification.attempts, "; will retry" if retry else "; giving up", exc_info=True)
        return False
    # By id only: even if the sweep has meanwhile declared the row stuck, it was sent, so say so.
    Notification.objects.filter(pk=notification_id).update(
        status=Status.SENT, sent_at=timezone.now(), last_error="", context=_without_secrets(notification)
    )
    logger.info("Notification %s (%s) sent to %s", notification_id, notification.kind, notification.email)
    return True


@dataclass(frozen=True)
class SweepResult:
    redispatched: int
    failed_stuck: int


def outbox_sweep(*, now=None) -> SweepResult:
    """Re-dispatch PENDING rows whose dispatch was lost; fail rows stuck in SENDING.

    A stuck SENDING row is never sent again: its worker died somewhere between the claim and
    recording the result, possibly after the SMTP server accepted the mail. Resending could
    deliver it twice; failing it makes the loss visible in the admin, where an operator can
    resend it on purpose. At-most-once is the promise, so the sweep never guesses.
    """
    from .tasks import send_notification

    now = now or timezone.now()
    failed_stuck = Notification.objects.filter(
        status=Status.SENDING, claimed_at__lt=now - STUCK_SENDING_AFTER
    ).update(status=Status.FAILED, last_error="Stuck while sending (worker lost); not resent automatically.")
    if failed_stuck:
        logger.warning("Outbox sweep failed %s notifications stuck in sending", failed_stuck)

    # A row that is still queued may be dispatched twice; the claim makes the second a no-op.
    redispatched, last_id = 0, 0
    pending = Notification.objects.filter(status=Status.PENDING, created_at__lt=now - LOST_DISPATCH_AFTER)
    while redispatched < SWEEP_MAX_PER_RUN:
        ids = list(pending.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:CHUNK_SIZE])
        if not ids:
            break
        for pk in ids:
            send_notification.delay(notification_id=pk)
        redispatched += len(ids)
        last_id = ids[-1]
    if redispatched:
        logger.info("Outbox sweep re-dispatched %s notifications", redispatched)
    return SweepResult(redispatched=redispatched, failed_stuck=failed_stuck)


def _claim_digest_rows(*, recipient_ids: list[int], now) -> dict[int, list[Notification]]:
    """Move the recipients' DIGEST rows to SENDING under row locks; a concurrent run claims none of them."""
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update()
            .filter(status=Status.DIGEST, recipient_id__in=recipient_ids)
            .order_by("created_at", "pk")
        )
        if rows:
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    by_recipient: dict[int, list[Notification]] = defaultdict(list)
    for row in rows:
        row.attempts += 1
        by_recipient[row.recipient_id].append(row)
    return by_recipient


def _send_one_digest(*, user, rows: list[Notification]) -> bool:
    ids = [row.pk for row in rows]
    try:
        render_digest(user=user, notifications=rows).send()
    except Exception as error:
        # Back to DIGEST for tomorrow's run while attempts remain, else FAILED.
        Notification.objects.filter(pk__in=ids, attempts__lt=MAX_ATTEMPTS).update(
            status=Status.DIGEST, last_error=_error_text(error)
        )
        Notification.objects.filter(pk__in=ids, status=Status.SENDING).update(
            status=Status.FAILED, last_error=_error_text(error)
        )
        logger.warning("Digest for user %s failed", user.pk, exc_info=True)
        return False
    with transaction.atomic():
        Notification.objects.filter(pk__in=ids).update(status=Status.SENT, sent_at=timezone.now(), last_error="")
        _forget_secrets(rows)
    logger.info("Digest with %s notifications sent to %s", len(ids), user.email)
    return True


def digests_send(*, now=None) -> int:
    """One e-mail per recipient with everything waiting for their digest. Returns the e-mails sent.

    Chunked by recipient: per chunk one claim, one user query and one preference query; then one
    send and one status update per recipient (each is its own e-mail). Rows of a kind the user has
    turned off since, or of a deactivated user, are suppressed instead.
    """
    now = now or timezone.now()
    user_model = get_user_model()
    sent, last_recipient = 0, 0
    while True:
        recipient_ids = list(
            Notification.objects.filter(status=Status.DIGEST, recipient_id__gt=last_recipient)
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
            .distinct()[:DIGEST_RECIPIENT_CHUNK]
        )
        if not recipient_ids:
            return sent
        last_recipient = recipient_ids[-1]
        claimed = _claim_digest_rows(recipient_ids=recipient_ids, now=now)
        users = user_model.objects.in_bulk(list(claimed))
        turned_off = set(
            NotificationPreference.objects.filter(
                user_id__in=list(claimed), delivery=NotificationPreference.Delivery.OFF
            ).values_list("user_id", "kind")
        )
        suppressed: list[Notification] = []
        for recipient_id, rows in claimed.items():
            user = users.get(recipient_id)
            if user is None or not user.is_active:
                suppressed.extend(rows)
                continue
            wanted = [row for row in rows if (recipient_id, row.kind) not in turned_off]
            suppressed.extend(row for row in rows if (recipient_id, row.kind) in turned_off)
            if wanted and _send_one_digest(user=user, rows=wanted):
                sent += 1
        if suppressed:
            with transaction.atomic():  # never sent now: their secrets are never needed
                Notification.objects.filter(pk__in=[row.pk for row in suppressed]).update(status=Status.SUPPRESSED)
                _forget_secrets(suppressed)
