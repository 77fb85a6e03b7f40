"""System checks: every registered kind has its three e-mail templates (a missing one would fail at send time), and
every nudge rule names registered kinds."""

from django.core import checks
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from .kinds import all_kinds

TEMPLATE_SUFFIXES = ("subject.txt", "txt", "html")


@checks.register(checks.Tags.templates)
def check_kind_templates(app_configs=None, **kwargs):
    # A warning, not an error: apps register kinds in ready(), and a half-built feature should not
    # block migrate; the send itself marks the row FAILED with the missing template's name.
    problems = []
    for kind in all_kinds():
        for suffix in TEMPLATE_SUFFIXES:
            name = f"{kind.template_prefix}.{suffix}"
            try:
                get_template(name)
            except TemplateDoesNotExist:
                problems.append(
                    checks.Warning(f"Notification kind {kind.code!r} has no template {name!r}.", id="notifications.W001")
                )
    return problems


@checks.register()
def check_nudge_rules(app_configs=None, **kwargs):
    # A rule that names an unknown kind would show "nothing sent" in the admin for ever; a typo, not a choice.
    from .kinds import get_kind
    from .nudges import all_rules

    problems = []
    for rule in all_rules():
        for code in rule.kinds:
            try:
                get_kind(code)
            except LookupError:
                problems.append(checks.Warning(f"Nudge rule {rule.code!r} names the unregistered kind {code!r}.",
                                               id="notifications.W002"))
    return problems
