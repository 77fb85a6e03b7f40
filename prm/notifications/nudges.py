"""The registry of automated nudge rules, their operator settings and their run log.

A nudge rule is owned by the app that knows the facts (onboarding stalled: partners; protection expiring:
dealreg; claim window closing: mdf; certification expiring: enablement; no login for 30 days and at-risk:
analytics). The owner registers it with its thresholds and defaults, reads the operator's settings when its
job runs, and records the run, so one admin page lists every rule, its last run and what it sent:

    from prm.notifications import nudges

    STALLED = nudges.register(nudges.Rule(
        code="partners.onboarding_stalled", label=_("Onboarding stalled"), owner="partners",
        kinds=("partners.onboarding_stalled", "partners.onboarding_stalled_manager"),
        params=(nudges.Param("days", _("days without progress"), 7),),
    ))

    def onboarding_nudges():
        with nudges.run(STALLED.code) as run:
            if not run.enabled:
                return
            days = run.params["days"]
            ...
            run.sent += notify_bulk(...)

"Never twice for the same reason" stays the outbox's job (dedupe keys); a rule only decides who is due.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.functional import Promise


@dataclass(frozen=True)
class Param:
    code: str
    label: str | Promise
    default: int
    minimum: int = 0
    maximum: int = 3650


@dataclass(frozen=True)
class Rule:
    code: str                       # "<app>.<name>"
    label: str | Promise            # translatable
    owner: str                      # the app label that runs it
    kinds: tuple[str, ...] = ()     # the notification kinds it writes ("what it sent" in the admin)
    params: tuple[Param, ...] = ()
    description: str | Promise = ""
    audience: str = "partners"      # "partners" or "staff"

    def defaults(self) -> dict[str, int]:
        return {p.code: p.default for p in self.params}


_RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    _RULES[rule.code] = rule
    return rule


def get_rule(code: str) -> Rule:
    try:
        return _RULES[code]
    except KeyError:
        raise LookupError(f"Unknown nudge rule {code!r}; register it in prm.notifications.nudges") from None


def all_rules() -> list[Rule]:
    return sorted(_RULES.values(), key=lambda r: r.code)


@dataclass
class Settings:
    enabled: bool
    params: dict[str, int]


def settings_for(code: str) -> Settings:
    """The operator's settings for a rule: enabled, and each threshold (its default when not set or invalid)."""
    from .models import NudgeRule

    rule = get_rule(code)
    stored = NudgeRule.objects.filter(pk=code).values_list("enabled", "params").first()
    enabled, raw = stored if stored else (True, {})
    params = rule.defaults()
    for param in rule.params:
        value = (raw or {}).get(param.code)
        if isinstance(value, int) and not isinstance(value, bool) and param.minimum <= value <= param.maximum:
            params[param.code] = value
    return Settings(enabled=enabled, params=params)


@dataclass
class Run:
    code: str
    enabled: bool
    params: dict[str, int]
    sent: int = 0
    extra: dict = field(default_factory=dict)


@contextmanager
def run(code: str) -> Iterator[Run]:
    """Log one run of a rule (start, end, notices written, error) around the block; yields its settings."""
    from .models import NudgeRun

    current = settings_for(code)
    record = NudgeRun.objects.create(rule=code, started_at=timezone.now(), enabled=current.enabled)
    state = Run(code=code, enabled=current.enabled, params=current.params)
    try:
        yield state
    except Exception as error:
        NudgeRun.objects.filter(pk=record.pk).update(finished_at=timezone.now(), sent=state.sent,
                                                     error=f"{type(error).__name__}: {error}"[:2000])
        raise
    NudgeRun.objects.filter(pk=record.pk).update(finished_at=timezone.now(), sent=state.sent)
