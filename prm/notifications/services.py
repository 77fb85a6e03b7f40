"""Writes of the notification engine: notify() / notify_bulk() into the outbox, preference changes,
the admin's resend, and the operators' nudge rule settings.

Sending, the outbox sweep and digests live in delivery.py (tasks.py adapts them to Celery).
"""

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from itertools import batched

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.common import fastjson
from prm.common.audit import audit

from . import nudges
from .kinds import NotificationKind, get_kind
from .models import Notification, NotificationPreference, NudgeRule

logger = logging.getLogger(__name__)

SUBJECT_KEY_MAX = Notification._meta.get_field("subject_key").max_length
WINDOW_MAX = Notification._meta.get_field("window").max_length
BULK_CHUNK = 500


def subject_key_for(subject: models.Model | str) -> str:
    """``"<app_label.model>:<pk>"`` for a saved model instance, else the string itself."""
    if isinstance(subject, models.Model):
        if subject.pk is None:
            raise ValueError("notify() needs a saved subject; it is part of the de-duplication key.")
        key = f"{subject._meta.label_lower}:{subject.pk}"
    else:
        key = str(subject or "").strip()
    if not key or len(key) > SUBJECT_KEY_MAX:
        raise ValueError(f"A notification subject must be 1..{SUBJECT_KEY_MAX} characters, got {key!r}.")
    return key


def dedupe_key_for(*, email: str, kind: str, subject_key: str, window: str) -> str:
    """One reason to write to one address: hashed so any length of e-mail and subject fits the column."""
    raw = "\x1f".join([email.strip().lower(), kind, subject_key, window])
    return hashlib.sha256(raw.encode()).hexdigest()


def language_for(*, language: str | None, user=None) -> str:
    """The explicit language if supported, else the user's preferred one, else the site default."""
    supported = dict(settings.LANGUAGES)
    for candidate in (language, getattr(user, "preferred_language", None)):
        if not candidate:
            continue
        candidate = candidate.lower()
        for code in (candidate, candidate.split("-")[0]):
            if code in supported:
                return code
    return settings.LANGUAGE_CODE


def _resolve_recipient(*, recipient, to_email: str | None, accounts: dict | None = None):
    """(user or None, address). A bare address that belongs to an account is linked to it, so the
    account's preferences and time zone apply. ``accounts`` (address -> user) saves the lookup."""
    if recipient is not None:
        email = (recipient.email or "").strip().lower()
        if to_email and to_email.strip().lower() != email:
            raise ValueError("notify(): pass recipient= or to_email=, not two different addresses.")
        if not email:
            raise ValueError("notify(): the recipient has no e-mail address.")
        return recipient, email
    if not to_email:
        raise ValueError("notify() needs recipient= or to_email=.")
    email = to_email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValueError(f"notify(): {to_email!r} is not an e-mail address.")
    if accounts is not None:
        return accounts.get(email), email
    return get_user_model().objects.filter(email=email).first(), email


def _check_context(context: dict) -> dict:
    # Rendering happens later, in a worker, from the stored row: anything that would not survive
    # the JSON column (a model, a datetime, a lazy string) must be refused here, in the caller's code.
    if not isinstance(context, dict):
        raise TypeError("notify(): context must be a dict.")
    try:
        json.dumps(context)
    except (TypeError, ValueError) as error:
        raise TypeError(
            f"notify(): context must be JSON-serialisable (pass ids, plain strings and ISO dates): {error}"
        ) from None
    return context


def _status_for(*, kind: NotificationKind, user, delivery: str | None) -> str:
    """Essential: always now. Otherwise the user's preference (``delivery``, None = the default)."""
    if kind.essential:
        return Notification.Status.PENDING
    if not user.is_active:
        return Notification.Status.SUPPRESSED
    if delivery == NotificationPreference.Delivery.OFF:
        return Notification.Status.SUPPRESSED
    if delivery == NotificationPreference.Delivery.DIGEST:
        return Notification.Status.DIGEST
    return Notification.Status.PENDING


def _build_row(*, kind: NotificationKind, subject, context: dict, recipient, to_email, language, partner, window,
               accounts: dict | None = None) -> Notification:
    """An unsaved row with its dedupe key, validated; its status is set by the caller."""
    user, email = _resolve_recipient(recipient=recipient, to_email=to_email, accounts=accounts)
    if user is None and not kind.essential:
        # Non-essential mail must carry a working unsubscribe, which needs an account to remember it.
        raise ValueError(f"notify(): {kind.code!r} is not essential and needs a recipient with an account.")
    subject_key = subject_key_for(subject)
    window = str(window or "once")
    if len(window) > WINDOW_MAX:
        raise ValueError(f"notify(): window must be at most {WINDOW_MAX} characters.")
    return Notification(
        recipient=user,
        email=email,
        language=language_for(language=language, user=user),
        kind=kind.code,
        subject_key=subject_key,
        window=window,
        dedupe_key=dedupe_key_for(email=email, kind=kind.code, subject_key=subject_key, window=window),
        partner_id=getattr(partner, "pk", partner),
        context=_check_context(context),
    )


def dispatch(notification_id: int) -> None:
    """Queue the send. Runs after commit; if the broker is down the row stays PENDING and the sweep sends it."""
    from .tasks import send_notification

    try:
        send_notification.delay(notification_id=notification_id)
    except Exception:
        logger.warning("Dispatch of notification %s failed; the outbox sweep will retry it.", notification_id,
                       exc_info=True)


@transaction.atomic
def notify(*, kind: str, subject: models.Model | str, context: dict, recipient=None, to_email: str | None = None,
           language: str | None = None, partner=None, window: str = "once") -> Notification:
    """Write one outbox row for (recipient, kind, subject, window) in the caller's transaction.

    Idempotent: a second call for the same reason returns the existing row and queues nothing.
    Essential kinds are always sent at once; non-essential ones follow the recipient's preference
    (off: SUPPRESSED, digest: DIGEST, else PENDING) and need a recipient with an account. A PENDING
    row is dispatched after commit; a lost dispatch is picked up by the outbox sweep. Any caller
    may use it; it reads no partner data.
    """
    kind_obj = get_kind(kind)
    row = _build_row(kind=kind_obj, subject=subject, context=context, recipient=recipient, to_email=to_email,
                     language=language, partner=partner, window=window)
    existing = Notification.objects.filter(dedupe_key=row.dedupe_key).first()
    if existing is not None:
        return existing
    delivery = None
    if not kind_obj.essential:
        delivery = (
            NotificationPreference.objects.filter(user=row.recipient, kind=kind_obj.code)
            .values_list("delivery", flat=True)
            .first()
        )
    row.status = _status_for(kind=kind_obj, user=row.recipient, delivery=delivery)
    if row.status == Notification.Status.SUPPRESSED:
        row.context = kind_obj.without_secrets(row.context)  # never sent: a one-time link is never stored
    try:
        # A savepoint: a concurrent caller that inserted the same key first makes ours fail alone,
        # not the caller's whole transaction (works the same on SQLite and PostgreSQL).
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        existing = Notification.objects.filter(dedupe_key=row.dedupe_key).first()
        if existing is None:
            raise
        return existing  # the other caller dispatches it
    if row.status == Notification.Status.PENDING:
        transaction.on_commit(partial(dispatch, row.pk), robust=True)
    return row


@dataclass(frozen=True)
class Notice:
    """One entry for notify_bulk(); the same arguments as notify() without the kind."""

    subject: models.Model | str
    context: dict
    recipient: object = None
    to_email: str | None = None
    language: str | None = None
    partner: object = None
    window: str = "once"


@transaction.atomic
def notify_bulk(*, kind: str, notices: Iterable[Notice]) -> int:
    """notify() for many recipients of one kind (nudge jobs), with the same guarantees and a fixed
    number of queries per BULK_CHUNK notices. Returns how many new rows were written."""
    kind_obj = get_kind(kind)
    written = 0
    for chunk in batched(notices, BULK_CHUNK):
        bare = {n.to_email.strip().lower() for n in chunk if n.recipient is None and n.to_email}
        accounts = {u.email: u for u in get_user_model().objects.filter(email__in=bare)} if bare else {}
        rows: dict[str, Notification] = {}
        for notice in chunk:
            row = _build_row(kind=kind_obj, subject=notice.subject, context=notice.context,
                             recipient=notice.recipient, to_email=notice.to_email, language=notice.language,
                             partner=notice.partner, window=notice.window, accounts=accounts)
            rows.setdefault(row.dedupe_key, row)
        # No ORDER BY (the model's default): sorting by created_at lets PostgreSQL walk that index over the whole
        # outbox with the keys as a filter (O(table) per chunk) instead of probing the unique index.
        existing = set(Notification.objects.filter(dedupe_key__in=list(rows)).order_by()
                       .values_list("dedupe_key", flat=True))
        new = [row for key, row in rows.items() if key not in existing]
        if not new:
            continue
        deliveries = {}
        if not kind_obj.essential:
            deliveries = dict(
                NotificationPreference.objects.filter(kind=kind_obj.code, user_id__in={r.recipient_id for r in new})
                .values_list("user_id", "delivery")
            )
        for row in new:
            row.status = _status_for(kind=kind_obj, user=row.recipient, delivery=deliveries.get(row.recipient_id))
            if row.status == Notification.Status.SUPPRESSED:
                row.context = kind_obj.without_secrets(row.context)  # never sent: never stored with its secret
        # ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite): a concurrent writer of the same key wins quietly.
        if connection.vendor == "postgresql":
            inserted = _insert_rows_pg(new)
            written += len(inserted)
            pending_ids = [pk for pk, status in inserted if status == Notification.Status.PENDING]
        else:
            Notification.objects.bulk_create(new, ignore_conflicts=True)
            written += len(new)
            pending_keys = [row.dedupe_key for row in new if row.status == Notification.Status.PENDING]
            pending_ids = list(Notification.objects.filter(
                dedupe_key__in=pending_keys, status=Notification.Status.PENDING
            ).values_list("pk", flat=True)) if pending_keys else []
        for pk in pending_ids:
            transaction.on_commit(partial(dispatch, pk), robust=True)
    return written


_BULK_FIELDS = ("recipient", "email", "language", "kind", "subject_key", "window", "dedupe_key", "partner_id",
                "context", "status", "attempts", "last_error", "created_at")


def _insert_rows_pg(rows: list[Notification]) -> list[tuple[int, str]]:
    """PostgreSQL: the rows in one ``INSERT … SELECT FROM jsonb_to_recordset(…) ON CONFLICT DO NOTHING RETURNING``
    (one JSON parameter, encoded by the C json module, instead of the ORM compiling and psycopg adapting a dozen
    parameters per row: about 4x faster for the thousands of notices a nightly job writes). Returns (id, status)
    of the rows written; a row whose key a concurrent writer inserted first is not among them."""
    quote = connection.ops.quote_name
    fields = [Notification._meta.get_field(name) for name in _BULK_FIELDS]
    now = timezone.now().isoformat()
    document = fastjson.dumps([
        {"recipient_id": row.recipient_id, "email": row.email, "language": row.language, "kind": row.kind,
         "subject_key": row.subject_key, "window": row.window, "dedupe_key": row.dedupe_key,
         "partner_id": row.partner_id, "context": row.context, "status": row.status, "attempts": 0,
         "last_error": "", "created_at": now}
        for row in rows
    ])
    columns = ", ".join(quote(f.column) for f in fields)
    definition = ", ".join(f"{quote(f.column)} {f.db_type(connection)}" for f in fields)
    sql = (f"INSERT INTO {quote(Notification._meta.db_table)} ({columns}) SELECT {columns} "
           f"FROM jsonb_to_recordset(%s::jsonb) AS u({definition}) "
           f"ON CONFLICT ({quote('dedupe_key')}) DO NOTHING RETURNING id, {quote('status')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [document])
        return cursor.fetchall()


def _non_essential_kind(code: str) -> NotificationKind:
    try:
        kind = get_kind(code)
    except LookupError:
        raise ValidationError(_("Unknown notification type."), code="unknown_kind")
    if kind.essential:
        raise ValidationError(
            _("“%(kind)s” is a service message and cannot be turned off.") % {"kind": kind.label}, code="essential"
        )
    return kind


@transaction.atomic
def preferences_update(*, user, choices: dict[str, str]) -> dict[str, str]:
    """Set the user's delivery per non-essential kind. All or nothing: one bad entry changes nothing.

    Returns the entries that changed (audited as one event).
    """
    allowed = set(NotificationPreference.Delivery.values)
    for code, delivery in choices.items():
        _non_essential_kind(code)
        if delivery not in allowed:
            raise ValidationError(_("Choose a valid delivery option."), code="invalid_delivery")
    current = dict(
        NotificationPreference.objects.filter(user=user, kind__in=list(choices)).values_list("kind", "delivery")
    )
    changed = {
        code: delivery
        for code, delivery in choices.items()
        if current.get(code, NotificationPreference.Delivery.IMMEDIATE) != delivery
    }
    if not changed:
        return {}
    NotificationPreference.objects.bulk_create(
        [NotificationPreference(user=user, kind=code, delivery=delivery) for code, delivery in changed.items()],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["delivery", "updated_at"],
    )
    audit(actor=user, action="notifications.preferences.updated", target=user, data={"changed": changed})
    return changed


def preferences_unsubscribe(*, user, kinds: Iterable[str]) -> dict[str, str]:
    """One-click unsubscribe: turn the given non-essential kinds off."""
    return preferences_update(user=user, choices={code: NotificationPreference.Delivery.OFF for code in kinds})


@transaction.atomic
def notifications_resend_failed(*, notification_ids: Iterable[int], actor) -> int:
    """Put FAILED rows back to PENDING with fresh attempts and dispatch them after commit (operators only).

    A row failed by the sweep (stuck while sending) may in fact have been delivered; resending it is
    the operator's explicit decision.
    """
    ids = list(
        Notification.objects.select_for_update()
        .filter(pk__in=list(notification_ids), status=Notification.Status.FAILED)
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    Notification.objects.filter(pk__in=ids).update(
        status=Notification.Status.PENDING, attempts=0, last_error="", claimed_at=None
    )
    audit(actor=actor, action="notifications.notification.resent", data={"notification_ids": ids})
    for pk in ids:
        transaction.on_commit(partial(dispatch, pk), robust=True)
    return len(ids)


# --- nudge rules -----------------------------------------------------------------------------------------------


def nudge_rules_ensure() -> None:
    """A settings row for every registered rule (the admin lists rows): one INSERT that skips existing ones, so
    it is safe to call on every admin page view and concurrently."""
    NudgeRule.objects.bulk_create([NudgeRule(code=rule.code) for rule in nudges.all_rules()], ignore_conflicts=True)


@transaction.atomic
def nudge_rule_update(*, code: str, enabled: bool, params: dict[str, int], actor) -> NudgeRule:
    """Set a rule's switch and thresholds (operators only; the admin checks). All or nothing: a value out of its
    bounds, or a threshold the rule does not declare, changes nothing (ValidationError keyed by threshold).

    A threshold equal to its default is not stored, so it keeps following the default (and the setting behind
    it). Records who changed it and one audit row with the values before and after; a save that changes
    nothing writes nothing.
    """
    rule = nudges.get_rule(code)
    declared = {param.code: param for param in rule.params}
    errors = {}
    for name in set(params) - set(declared):
        errors[name] = ValidationError(_("This rule has no such threshold."), code="unknown_param")
    for name, param in declared.items():
        value = params.get(name, param.initial())
        if not param.accepts(value):
            errors[name] = ValidationError(
                _("Enter a whole number from %(minimum)d to %(maximum)d.")
                % {"minimum": param.minimum, "maximum": param.maximum}, code="out_of_range")
    if errors:
        raise ValidationError(errors)
    defaults = rule.defaults()
    values = {name: params.get(name, defaults[name]) for name in declared}
    row, _created = NudgeRule.objects.select_for_update().get_or_create(code=code)
    before = {"enabled": row.enabled, "params": rule.effective(row.params if isinstance(row.params, dict) else {})}
    stored = {name: value for name, value in values.items() if value != defaults[name]}
    if before == {"enabled": bool(enabled), "params": values} and row.params == stored:
        return row
    row.enabled = bool(enabled)
    row.params = stored
    row.updated_by = actor if getattr(actor, "pk", None) else None
    row.save(update_fields=["enabled", "params", "updated_by", "updated_at"])
    audit(actor=actor, action="notifications.nudge_rule.updated", target=row,
          data={"before": before, "after": {"enabled": row.enabled, "params": values}})
    return row
