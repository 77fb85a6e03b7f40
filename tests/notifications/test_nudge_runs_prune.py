"""Pruning the nudge run log (notifications.prune_nudge_runs, daily): runs older than
NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS go, recent ones stay, and so does each rule's last run whatever its age (the
admin shows it); set-based, in id batches; a second run changes nothing."""

from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.utils import timezone

from prm.notifications import nudges
from prm.notifications.models import NudgeRule, NudgeRun
from prm.notifications.selectors import nudge_rules_with_last_run
from prm.notifications.tasks import prune_nudge_runs

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def run(rule: str, days_ago: float) -> NudgeRun:
    started = NOW - timedelta(days=days_ago)
    return NudgeRun.objects.create(rule=rule, started_at=started, finished_at=started + timedelta(seconds=3))


@pytest.fixture
def log():
    """Rule A runs daily (old and recent runs); rule B last ran a year ago; rule C ran twice at the same moment
    long ago (the admin's "last run" is then the later id)."""
    runs = {
        "a_old": [run("a", days) for days in (400, 300, 200, 181)],
        "a_recent": [run("a", days) for days in (179, 30, 1)],
        "b_old": [run("b", 500), run("b", 450)],
        "b_last": run("b", 365),
    }
    c_first = run("c", 250)
    runs["c_first"] = c_first
    runs["c_last"] = NudgeRun.objects.create(rule="c", started_at=c_first.started_at)
    return runs


def remaining() -> set[int]:
    return set(NudgeRun.objects.values_list("pk", flat=True))


def test_old_runs_go_recent_ones_and_each_rules_last_run_stay(log, settings):
    settings.NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS = 180
    kept = {r.pk for r in log["a_recent"]} | {log["b_last"].pk, log["c_last"].pk}
    assert nudges.runs_prune(now=NOW) == 4 + 2 + 1
    assert remaining() == kept


def test_the_admins_last_run_is_unchanged(log, settings):
    settings.NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS = 180
    for code in ("a", "b", "c"):
        NudgeRule.objects.create(code=code)

    def last_runs():
        return {rule.code: (rule.last_started_at, rule.last_finished_at)
                for rule in nudge_rules_with_last_run(NudgeRule.objects.all())}

    before = last_runs()
    nudges.runs_prune(now=NOW)
    assert last_runs() == before


def test_running_again_is_harmless(log, settings):
    settings.NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS = 180
    nudges.runs_prune(now=NOW)
    after = remaining()
    assert nudges.runs_prune(now=NOW) == 0
    assert prune_nudge_runs.apply().get() == 0
    assert remaining() == after


def test_deletes_in_id_batches_with_a_statement_each(log, settings, django_assert_max_num_queries):
    settings.NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS = 180
    ids = sorted(remaining())
    span = ids[-1] - ids[0] + 1
    # bounds, rules, a last run per rule (3), then one DELETE per batch of 2 ids (plus their transactions).
    with django_assert_max_num_queries(5 + 3 * ((span + 1) // 2)):
        assert nudges.runs_prune(now=NOW, batch=2) == 7
    assert len(remaining()) == 3 + 2


def test_the_setting_sets_the_age(log, settings):
    settings.NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS = 20
    assert nudges.runs_prune(now=NOW) == 4 + 2 + 2 + 1  # rule A's 179- and 30-day-old runs too
    assert {r.rule for r in NudgeRun.objects.all()} == {"a", "b", "c"}
    del settings.NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS
    assert nudges.runs_kept_days() == 180
    settings.NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS = 0
    assert nudges.runs_kept_days() == 1


def test_nothing_to_prune_costs_one_query(django_assert_num_queries, settings):
    settings.NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS = 180
    run("a", 2)
    with django_assert_num_queries(1):
        assert nudges.runs_prune(now=NOW) == 0


def test_the_task_runs_the_prune_daily_at_a_quiet_hour(log, settings):
    from prm.schedule import BEAT_SCHEDULE

    settings.NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS = 180
    assert prune_nudge_runs.apply().get() == 7
    assert prune_nudge_runs.acks_late and prune_nudge_runs.reject_on_worker_lost
    jobs = [job for job in BEAT_SCHEDULE.values() if job["task"] == "notifications.prune_nudge_runs"]
    assert len(jobs) == 1 and isinstance(jobs[0]["schedule"], crontab)
    assert jobs[0]["schedule"].hour == {4}
