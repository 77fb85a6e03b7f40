"""Test-only kinds (one nudge, one essential notice) whose templates live next to these tests.

The kinds are added to the registry for one test at a time (monkeypatch), and the test template
directory is appended to TEMPLATES, so production templates and the registry stay clean.
"""

from pathlib import Path

import pytest

from prm.notifications import kinds
from prm.notifications.kinds import NotificationKind

TEMPLATE_DIR = Path(__file__).parent / "templates"

NUDGE = NotificationKind(code="tests.nudge", label="Test nudge", template="tests_notifications/nudge")
OTHER_NUDGE = NotificationKind(code="tests.other_nudge", label="Other nudge", template="tests_notifications/nudge")
NOTICE = NotificationKind(code="tests.notice", label="Test notice", essential=True,
                          template="tests_notifications/notice")


@pytest.fixture(autouse=True)
def test_kinds(settings, monkeypatch):
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], TEMPLATE_DIR]}, *settings.TEMPLATES[1:]]
    for kind in (NUDGE, OTHER_NUDGE, NOTICE):
        monkeypatch.setitem(kinds._REGISTRY, kind.code, kind)
    settings.SITE_URL = "https://portal.example.com"
    return {"nudge": NUDGE, "other": OTHER_NUDGE, "notice": NOTICE}
