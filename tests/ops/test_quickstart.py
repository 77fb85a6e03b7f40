"""The `quickstart` command behind `make run`: refuses production, prints the logins table, compiles catalogues."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from partners.management.commands import quickstart


def test_quickstart_refuses_production_settings(settings):
    settings.PRM_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("quickstart", "--prepare-only")


def test_logins_table_shows_the_first_rows_and_counts_the_rest():
    rows = [{"role": "partner_admin", "email": f"p{i}@example.com", "password": "pw", "partner": f"P{i}",
             "region": "EMEA"} for i in range(11)]
    lines = quickstart.format_logins(rows, limit=8)
    assert lines[0].split() == ["ROLE", "EMAIL", "PASSWORD", "PARTNER"]
    assert len(lines) == 1 + 8 + 1
    assert lines[1].split() == ["partner_admin", "p0@example.com", "pw", "P0"]
    assert "3 more" in lines[-1]
    assert all(line == line.rstrip() for line in lines)


def test_logins_table_shows_every_role_in_the_original_order():
    rows = [{"role": "partner_admin", "email": f"admin{i}@example.com"} for i in range(10)]
    rows += [{"role": "channel_manager", "email": "manager@example.com"}, {"role": "operator", "email": "op@example.com"}]
    picked = quickstart.pick_logins(rows, limit=4)
    assert [row["email"] for row in picked] == ["admin0@example.com", "admin1@example.com",
                                                "manager@example.com", "op@example.com"]


def test_logins_table_without_logins_says_so():
    assert "No demo logins" in quickstart.format_logins([], limit=8)[0]


def test_read_logins_tolerates_missing_or_broken_files(tmp_path):
    assert quickstart._read_logins(tmp_path / "missing.json") == []
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert quickstart._read_logins(broken) == []


PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

msgid "Deal registration"
msgstr "Deal-Registrierung"
"""


@pytest.mark.parametrize("msgfmt", [True, False], ids=["msgfmt", "babel"])
def test_compile_translations_writes_mo_files(settings, tmp_path, monkeypatch, msgfmt):
    import gettext
    import shutil

    if msgfmt and not shutil.which("msgfmt"):
        pytest.skip("msgfmt (gettext) is not installed")
    if not msgfmt:
        monkeypatch.setattr(quickstart.shutil, "which", lambda name: None)
    po = tmp_path / "de" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True)
    po.write_text(PO, encoding="utf-8")
    settings.LOCALE_PATHS = [tmp_path]

    assert "1 of 1" in quickstart.compile_translations()
    with (po.parent / "django.mo").open("rb") as mo:
        assert gettext.GNUTranslations(mo).gettext("Deal registration") == "Deal-Registrierung"
    assert "0 of 1" in quickstart.compile_translations()  # up to date: nothing recompiled


def test_compile_translations_without_catalogues(settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]
    assert "skipped" in quickstart.compile_translations()
