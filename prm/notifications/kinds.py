"""The registry of notification kinds. Apps register their kinds in AppConfig.ready() or at import.

A kind names its templates: templates/emails/<app>/<name>.{subject.txt,txt,html}.
Essential kinds (security, invitations, decisions on the partner's own requests) ignore preferences
and have no unsubscribe link; non-essential ones (nudges) can be turned off or batched.
"""

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class NotificationKind:
    code: str                   # "<app>.<name>", e.g. "partners.invitation"
    label: str | Promise        # translatable, shown on the preferences page
    essential: bool = False
    template: str = ""          # defaults to "emails/<app>/<name>"
    # Context keys holding secrets (one-time links): blanked in the outbox once the e-mail is sent (alone or in
    # a digest), and at once in a row written or turned SUPPRESSED (never sent).
    secret_context_keys: tuple[str, ...] = ()

    def without_secrets(self, context: dict) -> dict:
        """A copy of ``context`` with the secret keys it has blanked (the context itself when it has none)."""
        if not any(key in context for key in self.secret_context_keys):
            return context
        return {key: ("" if key in self.secret_context_keys else value) for key, value in context.items()}

    @property
    def template_prefix(self) -> str:
        if self.template:
            return self.template
        app, name = self.code.split(".", 1)
        return f"emails/{app}/{name}"


_REGISTRY: dict[str, NotificationKind] = {}


def register(kind: NotificationKind) -> NotificationKind:
    _REGISTRY[kind.code] = kind
    return kind


def get_kind(code: str) -> NotificationKind:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise LookupError(f"Unknown notification kind {code!r}; register it in prm.notifications.kinds") from None


def all_kinds() -> list[NotificationKind]:
    return sorted(_REGISTRY.values(), key=lambda k: k.code)
