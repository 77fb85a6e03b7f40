"""Turn an outbox row (or a day's digest rows) into an e-mail, in the recipient's language and time zone.

Templates: ``<kind.template_prefix>.subject.txt``, ``.txt`` and ``.html``; the HTML ones extend
``emails/base.html``. Subject and text are rendered without HTML escaping (they are not HTML).
"""

import contextlib
import email.policy
import zoneinfo
from dataclasses import dataclass
from email.policy import EmailPolicy

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Engine
from django.utils import timezone, translation

from .kinds import NotificationKind, get_kind
from .models import Notification
from .services import language_for
from .tokens import preferences_url, unsubscribe_url

DIGEST_TEMPLATE_PREFIX = "emails/notifications/digest"


@dataclass(frozen=True)
class RenderedParts:
    subject: str
    text: str
    html: str


def _render(name: str, context: dict, *, autoescape: bool) -> str:
    template = Engine.get_default().get_template(name)
    return template.render(Context(context, autoescape=autoescape))


def render_parts(prefix: str, context: dict) -> RenderedParts:
    """Render the three templates of ``prefix`` in the active language."""
    subject = _render(f"{prefix}.subject.txt", context, autoescape=False)
    return RenderedParts(
        subject=" ".join(subject.split()),  # a header: one line, whatever the template's line breaks
        text=_render(f"{prefix}.txt", context, autoescape=False).strip() + "\n",
        html=_render(f"{prefix}.html", context, autoescape=True),
    )


@contextlib.contextmanager
def recipient_locale(*, language: str, user=None):
    """The recipient's language and, for an account, their time zone (dates in the mail are theirs)."""
    try:
        zone = zoneinfo.ZoneInfo(getattr(user, "timezone", "") or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    with translation.override(language), timezone.override(zone):
        yield


def _base_context(*, language: str, unsubscribe: str) -> dict:
    return {
        "site_url": settings.SITE_URL.rstrip("/"),
        "language": language,
        "unsubscribe_url": unsubscribe,
        "preferences_url": preferences_url(),
    }


class _UnfoldedUrlHeadersPolicy(EmailPolicy):
    """Keeps List-Unsubscribe on one line. Python's folding turns a token longer than 78 characters
    (our signed URL) into an RFC 2047 encoded-word, which mail clients do not read as a URL.
    RFC 5322 allows lines up to 998 characters; anything longer is folded as usual."""

    UNFOLDED = frozenset({"list-unsubscribe"})

    def _unfolded(self, name, value) -> str | None:
        line = f"{name}: {value}"
        if name.lower() in self.UNFOLDED and len(line) <= 998 and line.isascii():
            return line + self.linesep
        return None

    def fold(self, name, value):
        return self._unfolded(name, value) or super().fold(name, value)

    def fold_binary(self, name, value):
        line = self._unfolded(name, value)
        return line.encode("ascii") if line else super().fold_binary(name, value)


class NotificationEmail(EmailMultiAlternatives):
    def message(self, *, policy=email.policy.default):
        if type(policy) is EmailPolicy:  # default / SMTP; keep every other setting of the backend's policy
            policy = _UnfoldedUrlHeadersPolicy(**vars(policy))
        return super().message(policy=policy)


def build_message(*, to: str, parts: RenderedParts, unsubscribe: str = "") -> NotificationEmail:
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe:
        # RFC 2369 + RFC 8058: mail clients show "Unsubscribe" and POST to the URL without a page visit.
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = NotificationEmail(
        subject=parts.subject, body=parts.text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to], headers=headers
    )
    message.attach_alternative(parts.html, "text/html")
    return message


def _unsubscribe_for(*, kind: NotificationKind, user) -> str:
    if kind.essential or user is None:
        return ""
    return unsubscribe_url(user_id=user.pk, kinds=[kind.code])


def render_notification(notification: Notification) -> EmailMultiAlternatives:
    """The e-mail for one outbox row. Reserved keys (``site_url``, ``unsubscribe_url`` …) win over the row's context."""
    kind = get_kind(notification.kind)
    user = notification.recipient
    unsubscribe = _unsubscribe_for(kind=kind, user=user)
    context = {
        **notification.context,
        **_base_context(language=notification.language, unsubscribe=unsubscribe),
        "recipient": user,
        "kind": kind,
    }
    with recipient_locale(language=notification.language, user=user):
        parts = render_parts(kind.template_prefix, context)
    return build_message(to=notification.email, parts=parts, unsubscribe=unsubscribe)


@dataclass(frozen=True)
class DigestItem:
    kind: NotificationKind
    subject: str
    text: str
    unsubscribe_url: str


def render_digest(*, user, notifications: list[Notification]) -> EmailMultiAlternatives:
    """One e-mail for a user's waiting digest rows, each summarised by its own subject and text,
    all in the user's current language (it may have changed since the rows were written)."""
    language = language_for(language=None, user=user)
    kinds = sorted({n.kind for n in notifications})
    unsubscribe = unsubscribe_url(user_id=user.pk, kinds=kinds)
    base = _base_context(language=language, unsubscribe=unsubscribe)
    items = []
    with recipient_locale(language=language, user=user):
        for notification in notifications:
            kind = get_kind(notification.kind)
            item_unsubscribe = _unsubscribe_for(kind=kind, user=user)
            item_context = {
                **notification.context, **base, "unsubscribe_url": item_unsubscribe, "recipient": user, "kind": kind,
                "in_digest": True,
            }
            subject = _render(f"{kind.template_prefix}.subject.txt", item_context, autoescape=False)
            text = _render(f"{kind.template_prefix}.txt", item_context, autoescape=False)
            items.append(DigestItem(kind=kind, subject=" ".join(subject.split()), text=text.strip(),
                                    unsubscribe_url=item_unsubscribe))
        parts = render_parts(DIGEST_TEMPLATE_PREFIX, {**base, "recipient": user, "items": items, "count": len(items)})
    return build_message(to=user.email, parts=parts, unsubscribe=unsubscribe)
