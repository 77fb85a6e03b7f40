"""Every language's catalogue is complete, keeps its placeholders, and is compiled."""

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sd]|\{\w+\}")


def catalogue(language):
    with open(LOCALE / language / "LC_MESSAGES" / "django.po", "rb") as handle:
        return read_po(handle, locale=language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    messages = [m for m in catalogue(language) if m.id]
    assert len(messages) > 300
    untranslated = [m.id for m in messages if not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    broken = []
    for message in catalogue(language):
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            # a plural may drop the count in the singular form, but never invent or rename one
            if not set(PLACEHOLDER.findall(target)) <= set(PLACEHOLDER.findall(" ".join(message.id if isinstance(message.id, tuple) else [source]))):
                broken.append((source, target))
    assert broken == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_source(language):
    mo_path = LOCALE / language / "LC_MESSAGES" / "django.mo"
    assert mo_path.exists(), f"run `make messages`: {mo_path} is missing"
    with open(mo_path, "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in catalogue(language):
        if message.id and isinstance(message.id, str):
            found = compiled.pgettext(message.context, message.id) if message.context else compiled.gettext(message.id)
            assert found == message.string, f"{language}: stale .mo for {message.id!r}"
