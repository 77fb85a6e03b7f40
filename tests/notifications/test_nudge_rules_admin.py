"""The nudge rules in the admin: every registered rule with its last run and what it sent, in a fixed number of
queries; operators switch rules and set thresholds (validated, translated errors, audited); channel managers read."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django import forms
from django.core.validators import MinValueValidator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from prm.common.models import AuditEvent
from prm.notifications import nudges
from prm.notifications.models import Notification, NudgeRule, NudgeRun
from prm.notifications.services import notify

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_nudgerule_changelist")
PROTECTION = "dealreg.protection_expiring"


def change_url(code: str) -> str:
    return reverse("admin:notifications_nudgerule_change", args=[code])


def add_test_rules(monkeypatch, count: int) -> list[str]:
    """Extra registered rules writing the test kind, as another app would add them."""
    codes = []
    for n in range(count):
        rule = nudges.Rule(code=f"tests.rule_{n:02d}", label=f"Test rule {n}", owner="tests", kinds=("tests.nudge",),
                           params=(nudges.Param("days", "days", 5, minimum=1, maximum=9),))
        monkeypatch.setitem(nudges._RULES, rule.code, rule)
        codes.append(rule.code)
    return codes


def with_history(codes, user):
    """Two runs per rule and a notice of the test kind per rule (another, older one outside the 7 days)."""
    now = timezone.now()
    NudgeRun.objects.bulk_create([
        NudgeRun(rule=code, started_at=now - timedelta(hours=hours), finished_at=now - timedelta(hours=hours),
                 sent=sent)
        for code in codes for hours, sent in ((30, 9), (2, 3))
    ])
    for n, _code in enumerate(codes):
        notify(kind="tests.nudge", recipient=user, subject=f"s{n}", context={})


def count_changelist_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_the_list_shows_every_registered_rule_in_a_fixed_number_of_queries(client, operator, monkeypatch):
    client.force_login(operator)
    client.get(CHANGELIST)  # the first request of a session records it (allauth's user sessions)
    few, html = count_changelist_queries(client)
    assert set(NudgeRule.objects.values_list("code", flat=True)) == {rule.code for rule in nudges.all_rules()}
    for rule in nudges.all_rules():
        assert str(rule.label) in html
    assert 'href="/admin/mdf/mdfprogram/"' in html  # the rules whose delays live on the MDF program point there

    codes = add_test_rules(monkeypatch, 12)
    with_history(codes, operator)
    many, html = count_changelist_queries(client)
    assert many == few, "one query for the rules with their last run, one aggregate for the notices"
    assert few <= 12
    assert html.count("Test rule") == 12


def test_the_list_shows_the_last_run_and_the_notices_of_the_last_7_days(client, operator, monkeypatch, admin_a,
                                                                         partner_a):
    [code] = add_test_rules(monkeypatch, 1)
    with_history([code], operator)
    notify(kind="tests.nudge", recipient=admin_a, subject="t", context={}, partner=partner_a)
    old = notify(kind="tests.nudge", recipient=admin_a, subject="old", context={})
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    Notification.objects.filter(recipient=operator).update(status=Notification.Status.SENT)
    NudgeRun.objects.create(rule="dealreg.approval_overdue", started_at=timezone.now(), error="ZeroDivisionError: x")
    client.force_login(operator)
    response = client.get(CHANGELIST)
    rows = {row.code: row for row in response.context["cl"].result_list}
    assert rows[code].last_sent == 3  # the latest run's, not the one before
    assert (rows[code].week.written, rows[code].week.delivered) == (2, 1)
    assert rows[PROTECTION].last_started_at is None
    html = response.content.decode()
    assert "2 (1 e-mailed)" in html
    assert "failed: ZeroDivisionError: x" in html
    assert "never" in html
    link = reverse("admin:notifications_notification_changelist") + "?" + urlencode({"kind__in": "tests.nudge"})
    assert link.replace("&", "&amp;") in html or link in html
    listed = client.get(link)
    assert listed.status_code == 200
    assert set(n.kind for n in listed.context["cl"].result_list) == {"tests.nudge"}


def test_an_operator_switches_a_rule_and_sets_its_thresholds(client, operator):
    client.force_login(operator)
    page = client.get(change_url(PROTECTION))
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("First reminder (days before the protection ends)", "Default: 14.", "daily digest",
                  "This rule has not run yet."):
        assert label in html
    form = page.context["adminform"].form
    assert [form[name].value() for name in ("param_first_days", "param_second_days", "param_third_days")] == [14, 7, 1]

    response = client.post(change_url(PROTECTION), {"param_first_days": "21", "param_second_days": "7",
                                                   "param_third_days": "0", "_save": "1"})
    assert response.status_code == 302
    row = NudgeRule.objects.get(code=PROTECTION)
    assert (row.enabled, row.params, row.updated_by) == (False, {"first_days": 21, "third_days": 0}, operator)
    assert nudges.settings_for(PROTECTION).params == {"first_days": 21, "second_days": 7, "third_days": 0}
    assert AuditEvent.objects.filter(action="notifications.nudge_rule.updated", actor=operator,
                                     target_id=PROTECTION).count() == 1


def test_a_value_out_of_bounds_is_a_translated_form_error_and_saves_nothing(client, operator):
    operator.preferred_language = "de"
    operator.save(update_fields=["preferred_language"])
    client.force_login(operator)
    response = client.post(change_url(PROTECTION), {"enabled": "on", "param_first_days": "0",
                                                   "param_second_days": "abc", "param_third_days": "1", "_save": "1"})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    with translation.override("de"):
        expected_min = str(MinValueValidator(1).message) % {"limit_value": 1}
        expected_number = str(forms.IntegerField.default_error_messages["invalid"])
    with translation.override("en"):
        assert expected_min != str(MinValueValidator(1).message) % {"limit_value": 1}  # German, not English
    assert errors["param_first_days"] == [expected_min]
    assert errors["param_second_days"] == [expected_number]
    assert not NudgeRule.objects.filter(code=PROTECTION).exclude(params={}).exists()
    assert not AuditEvent.objects.filter(action="notifications.nudge_rule.updated").exists()


def test_channel_managers_read_but_cannot_change(client, manager_a):
    client.force_login(manager_a)
    assert client.get(CHANGELIST).status_code == 200
    page = client.get(change_url(PROTECTION))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="param_first_days"' not in html and 'name="enabled"' not in html
    assert "First reminder (days before the protection ends): 14" in html  # the thresholds, read-only
    response = client.post(change_url(PROTECTION), {"param_first_days": "30", "param_second_days": "7",
                                                   "param_third_days": "1", "_save": "1"})
    assert response.status_code == 403
    assert NudgeRule.objects.get(code=PROTECTION).enabled is True
    assert NudgeRule.objects.get(code=PROTECTION).params == {}


def test_partner_users_have_no_access(client, admin_a):
    client.force_login(admin_a)
    response = client.get(CHANGELIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_rules_cannot_be_added_or_deleted_from_the_admin(client, operator):
    client.force_login(operator)
    client.get(CHANGELIST)
    assert client.get(reverse("admin:notifications_nudgerule_add")).status_code == 403
    assert client.post(reverse("admin:notifications_nudgerule_delete", args=[PROTECTION]),
                       {"post": "yes"}).status_code == 403
    assert NudgeRule.objects.filter(code=PROTECTION).exists()


def test_the_change_page_lists_the_last_20_runs(client, operator):
    now = timezone.now()
    NudgeRun.objects.bulk_create([NudgeRun(rule=PROTECTION, started_at=now - timedelta(days=n), finished_at=now,
                                           sent=100 + n) for n in range(25)])
    client.force_login(operator)
    client.get(CHANGELIST)
    html = client.get(change_url(PROTECTION)).content.decode()
    assert "<td>100</td>" in html and "<td>119</td>" in html and "<td>120</td>" not in html


def test_a_rule_whose_delays_live_elsewhere_is_switched_and_points_there(client, operator):
    client.force_login(operator)
    page = client.get(change_url("mdf.fund_expiring"))
    assert 'href="/admin/mdf/mdfprogram/"' in page.content.decode()
    assert client.post(change_url("mdf.fund_expiring"), {"_save": "1"}).status_code == 302
    row = NudgeRule.objects.get(code="mdf.fund_expiring")
    assert (row.enabled, row.params, row.updated_by) == (False, {}, operator)
    assert AuditEvent.objects.filter(action="notifications.nudge_rule.updated", target_id="mdf.fund_expiring").exists()
