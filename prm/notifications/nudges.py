"""The registry of automated nudge rules, their operator settings and their run log.

A nudge rule is owned by the app that knows the facts (onboarding stalled: partners; protection expiring:
dealreg; claim window closing: mdf; certification expiring: enablement; no login for 30 days and at-risk:
analytics). The owner registers it with its thresholds and defaults, reads the operator's settings when its
job runs, and records the run, so one admin page lists every rule, its last run and what it sent.
Each app declares its rules in ``<app>/nudge_rules.py``, imported from its AppConfig.ready():

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

The run log is pruned daily (``runs_prune``: notifications.prune_nudge_runs): runs older than
NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS go, each rule's last run stays whatever its age (the admin shows it).

"Never twice for the same reason" stays the outbox's job (dedupe keys); a rule only decides who is due.
A disabled rule's job still runs and is logged (enabled=False), but writes nothing. Whether a notice comes
right away, in the daily digest or not at all is each recipient's preference per kind (non-essential kinds).
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Min, OuterRef, Subquery
from django.utils import timezone
from django.utils.functional import Promise

logger = logging.getLogger(__name__)

RUNS_KEPT_DAYS = 180  # NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS when the setting is absent
PRUNE_BATCH = 10_000  # ids per DELETE


@dataclass(frozen=True)
class Param:
    """One integer threshold of a rule, with its bounds.

    ``setting`` names a Django setting whose value, when present, is the default instead of ``default``:
    the jobs read such settings before the rules existed, so a deployment that set one keeps its value
    until an operator chooses another in the admin. It is read when the rule runs, not at import.
    """

    code: str
    label: str | Promise
    default: int
    minimum: int = 0
    maximum: int = 3650
    setting: str = ""
    help_text: str | Promise = ""

    def accepts(self, value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and self.minimum <= value <= self.maximum

    def initial(self) -> int:
        """The default now: the setting's value (brought within the bounds) when it is set, else ``default``."""
        if self.setting:
            value = getattr(settings, self.setting, None)
            try:
                value = int(value) if value is not None and not isinstance(value, bool) else None
            except (TypeError, ValueError):
                value = None
            if value is not None:
                return min(max(value, self.minimum), self.maximum)
        return self.default


@dataclass(frozen=True)
class Rule:
    code: str                       # "<app>.<name>"
    label: str | Promise            # translatable
    owner: str                      # the app label that runs it
    kinds: tuple[str, ...] = ()     # the notification kinds it writes ("what it sent" in the admin)
    params: tuple[Param, ...] = ()
    description: str | Promise = ""
    audience: str = "partners"      # "partners" or "staff"
    # An admin URL name where more of its thresholds are set (e.g. the MDF program), and that page's name:
    # linked next to its own thresholds in the admin.
    configured_at: str = ""
    configured_at_label: str | Promise = ""

    def defaults(self) -> dict[str, int]:
        return {p.code: p.initial() for p in self.params}

    def effective(self, raw: dict | None) -> dict[str, int]:
        """Each threshold: the stored value when it is valid, else the default."""
        params = self.defaults()
        for param in self.params:
            value = (raw or {}).get(param.code)
            if param.accepts(value):
                params[param.code] = value
        return params


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
    return Settings(enabled=enabled, params=rule.effective(raw if isinstance(raw, dict) else {}))


def reminder_steps(params: dict[str, int], *codes: str) -> tuple[int, ...]:
    """Reminder days ("14 and 3 days before") from separate params, largest first; 0 means "no such reminder"
    and a repeated value counts once, so any order an operator enters works."""
    return tuple(sorted({params[c] for c in codes if params.get(c, 0) > 0}, reverse=True))


def reminder_step(days_left: int, steps: tuple[int, ...]) -> int | None:
    """The reminder due with ``days_left`` to go: the nearest step reached (so a run after a missed day still
    sends the current one), or None before the first step, after the deadline, or with no steps."""
    if not steps or days_left < 0 or days_left > steps[0]:
        return None
    return min(d for d in steps if d >= days_left)


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


def runs_kept_days() -> int:
    """NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS (default 180, at least 1), read when the prune runs."""
    try:
        return max(1, int(getattr(settings, "NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS", RUNS_KEPT_DAYS)))
    except (TypeError, ValueError):
        return RUNS_KEPT_DAYS


def runs_prune(*, now=None, kept_days: int | None = None, batch: int = PRUNE_BATCH) -> int:
    """Delete the runs that started more than ``kept_days`` (NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS) ago, except the
    last run of every rule that has one (whatever its age: the admin shows it as "last run"). Returns the runs
    deleted.

    Set-based: one query for the id range of the old runs, one for every rule's last run (the (rule, -started_at)
    index), then one DELETE per ``batch`` ids (each its own short transaction, so a large
    backlog never holds many row locks at once). Idempotent: a second call deletes nothing more; a run that starts
    meanwhile is newer than the cut-off. Worker use (notifications.prune_nudge_runs)."""
    from .models import NudgeRun

    cutoff = (now or timezone.now()) - timedelta(days=kept_days if kept_days is not None else runs_kept_days())
    old = NudgeRun.objects.filter(started_at__lt=cutoff)
    bounds = old.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return 0
    # The same "last run" the admin shows (selectors.nudge_rules_with_last_run): latest start, then latest id.
    last = NudgeRun.objects.filter(rule=OuterRef("rule")).order_by("-started_at", "-pk").values("pk")[:1]
    kept = list(NudgeRun.objects.filter(pk=Subquery(last)).values_list("pk", flat=True))
    deleted = 0
    for start in range(bounds["low"], bounds["high"] + 1, batch):
        count, _by_model = old.filter(pk__gte=start, pk__lt=start + batch).exclude(pk__in=kept).delete()
        deleted += count
    if deleted:
        logger.info("Nudge run log: deleted %s runs started before %s", deleted, cutoff.isoformat())
    return deleted
