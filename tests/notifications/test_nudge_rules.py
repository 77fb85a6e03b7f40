"""The nudge rule registry: every app's rules are registered with defaults equal to what their jobs did before,
thresholds come from the operator's row (else the default, else the setting behind it), runs are logged, and the
operators' service validates, does not pin defaults, records who and audits."""

import pytest
from django.core.exceptions import ValidationError

from prm.common.models import AuditEvent
from prm.notifications import nudges
from prm.notifications.kinds import get_kind
from prm.notifications.models import NudgeRule, NudgeRun
from prm.notifications.services import nudge_rule_update, nudge_rules_ensure

# The rules of partners, dealreg, mdf and enablement, and their defaults (what the jobs did before the rules).
APP_RULES = {
    "partners.onboarding_stalled": {"days": 7},
    "partners.agreement_reacceptance_due": {"first_days": 14, "second_days": 3},
    "dealreg.protection_expiring": {"first_days": 14, "second_days": 7, "third_days": 1},
    "dealreg.approval_overdue": {"hours": 24},
    "mdf.claim_window_closing": {"first_days": 14, "second_days": 3},
    "mdf.fund_expiring": {},
    "mdf.info_reminder": {},
    "enablement.course_inactive": {"days": 14},
    "enablement.certification_expiring": {"first_days": 60, "second_days": 30, "third_days": 7},
    "enablement.certification_tier_risk": {},
}
# Kinds their apps deliberately made essential (service messages); every other nudge kind can be batched or turned off.
ESSENTIAL_ON_PURPOSE = {"partners.agreement_reacceptance_due", "dealreg.approval_overdue"}


def test_every_app_rule_is_registered_with_todays_defaults(settings):
    settings.PRM_ONBOARDING_STALL_DAYS = 7
    settings.DEALREG_SLA_BUSINESS_HOURS = 24
    registered = {rule.code: rule for rule in nudges.all_rules()}
    for code, defaults in APP_RULES.items():
        rule = registered[code]
        assert rule.owner == code.split(".")[0]
        assert rule.defaults() == defaults
        assert rule.kinds and rule.audience in ("partners", "staff")
        assert str(rule.label) and str(rule.description)
    assert registered["dealreg.approval_overdue"].audience == "staff"
    assert registered["mdf.fund_expiring"].configured_at == "admin:mdf_mdfprogram_changelist"


def test_nudge_kinds_are_non_essential_unless_their_app_says_otherwise():
    """So the per-user delivery preference (right away / daily digest / off) applies to them."""
    for code in APP_RULES:
        for kind_code in nudges.get_rule(code).kinds:
            assert get_kind(kind_code).essential == (kind_code in ESSENTIAL_ON_PURPOSE), kind_code


def test_a_setting_behind_a_default_is_read_when_the_rule_runs_and_kept_within_bounds(settings):
    rule = nudges.get_rule("partners.onboarding_stalled")
    settings.PRM_ONBOARDING_STALL_DAYS = 10
    assert rule.defaults() == {"days": 10}
    settings.PRM_ONBOARDING_STALL_DAYS = 0  # the job used max(1, setting)
    assert rule.defaults() == {"days": 1}
    del settings.PRM_ONBOARDING_STALL_DAYS
    assert rule.defaults() == {"days": 7}
    settings.DEALREG_SLA_BUSINESS_HOURS = 16
    assert nudges.get_rule("dealreg.approval_overdue").defaults() == {"hours": 16}


@pytest.mark.django_db
def test_settings_take_valid_stored_values_and_ignore_the_rest():
    code = "dealreg.protection_expiring"
    assert nudges.settings_for(code) == nudges.Settings(enabled=True, params={"first_days": 14, "second_days": 7,
                                                                              "third_days": 1})
    NudgeRule.objects.create(code=code, enabled=False,
                             params={"first_days": 21, "second_days": 9999, "third_days": "3", "stale": 5})
    assert nudges.settings_for(code) == nudges.Settings(enabled=False, params={"first_days": 21, "second_days": 7,
                                                                               "third_days": 1})


@pytest.mark.parametrize(("params", "steps"), [
    ({"a": 14, "b": 7, "c": 1}, (14, 7, 1)),
    ({"a": 3, "b": 14, "c": 0}, (14, 3)),   # any order; 0 is "no such reminder"
    ({"a": 7, "b": 7, "c": 0}, (7,)),        # a repeated day counts once
    ({"a": 0, "b": 0, "c": 0}, ()),
])
def test_reminder_steps(params, steps):
    assert nudges.reminder_steps(params, "a", "b", "c") == steps


@pytest.mark.parametrize(("days_left", "step"), [
    (15, None), (14, 14), (8, 14), (7, 7), (2, 7), (1, 1), (0, 1), (-1, None),
])
def test_reminder_step_is_the_nearest_reached(days_left, step):
    assert nudges.reminder_step(days_left, (14, 7, 1)) == step
    assert nudges.reminder_step(days_left, ()) is None


@pytest.mark.django_db
def test_a_run_logs_its_notices_and_its_error():
    code = "mdf.claim_window_closing"
    with nudges.run(code) as run:
        assert run.enabled and run.params == {"first_days": 14, "second_days": 3}
        run.sent += 4
    with pytest.raises(RuntimeError), nudges.run(code) as run:
        run.sent = 2
        raise RuntimeError("the database went away")
    NudgeRule.objects.create(code=code, enabled=False)
    with nudges.run(code) as run:
        assert not run.enabled
    first, failed, disabled = NudgeRun.objects.filter(rule=code).order_by("pk")
    assert (first.enabled, first.sent, first.error) == (True, 4, "")
    assert first.finished_at >= first.started_at
    assert (failed.sent, failed.error) == (2, "RuntimeError: the database went away")
    assert failed.finished_at is not None
    assert (disabled.enabled, disabled.sent) == (False, 0)


@pytest.mark.django_db
def test_rows_are_created_once_for_every_registered_rule():
    nudge_rules_ensure()
    nudge_rules_ensure()
    assert set(NudgeRule.objects.values_list("code", flat=True)) == {rule.code for rule in nudges.all_rules()}


@pytest.mark.django_db
def test_update_stores_only_what_differs_from_the_default_records_who_and_audits(operator, settings):
    settings.DEALREG_SLA_BUSINESS_HOURS = 24
    code = "dealreg.protection_expiring"
    row = nudge_rule_update(code=code, enabled=False, params={"first_days": 21, "second_days": 7, "third_days": 1},
                            actor=operator)
    assert (row.enabled, row.params, row.updated_by) == (False, {"first_days": 21}, operator)
    assert nudges.settings_for(code).params == {"first_days": 21, "second_days": 7, "third_days": 1}
    event = AuditEvent.objects.get(action="notifications.nudge_rule.updated")
    assert event.actor == operator and event.target_id == code
    assert event.data == {"before": {"enabled": True, "params": {"first_days": 14, "second_days": 7, "third_days": 1}},
                          "after": {"enabled": False, "params": {"first_days": 21, "second_days": 7, "third_days": 1}}}

    nudge_rule_update(code=code, enabled=False, params={"first_days": 21}, actor=operator)  # nothing changes
    assert AuditEvent.objects.filter(action="notifications.nudge_rule.updated").count() == 1

    # The default follows its setting while the operator keeps it.
    nudge_rule_update(code="dealreg.approval_overdue", enabled=True, params={"hours": 24}, actor=operator)
    assert NudgeRule.objects.get(code="dealreg.approval_overdue").params == {}
    settings.DEALREG_SLA_BUSINESS_HOURS = 30
    assert nudges.settings_for("dealreg.approval_overdue").params == {"hours": 30}


@pytest.mark.django_db
def test_update_refuses_values_out_of_bounds_and_unknown_thresholds_and_changes_nothing(operator):
    code = "partners.onboarding_stalled"
    with pytest.raises(ValidationError) as error:
        nudge_rule_update(code=code, enabled=False, params={"days": 0, "weeks": 2}, actor=operator)
    assert set(error.value.message_dict) == {"days", "weeks"}
    assert not NudgeRule.objects.filter(code=code).exists()
    assert not AuditEvent.objects.filter(action="notifications.nudge_rule.updated").exists()
    with pytest.raises(ValidationError):
        nudge_rule_update(code=code, enabled=True, params={"days": True}, actor=operator)  # a bool is not a number

