"""The preferences form (one delivery choice per non-essential kind) and the admin's nudge rule form."""

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import nudges
from .models import NotificationPreference, NudgeRule
from .selectors import PreferenceRow


class PreferencesForm(forms.Form):
    def __init__(self, *args, rows: list[PreferenceRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            if row.kind.essential:
                continue
            self.fields[row.kind.code] = forms.ChoiceField(
                label=row.kind.label,
                choices=NotificationPreference.Delivery.choices,
                initial=row.delivery,
                widget=forms.RadioSelect,
            )

    def entries(self):
        """(row, bound field or None) in registry order; essential kinds have no field."""
        return [(row, None if row.kind.essential else self[row.kind.code]) for row in self.rows]


PARAM_PREFIX = "param_"


class NudgeRuleForm(forms.ModelForm):
    """A rule's switch; nudge_rule_form() adds one whole-number field per threshold the rule declares."""

    rule: nudges.Rule | None = None

    class Meta:
        model = NudgeRule
        fields = ["enabled"]
        help_texts = {"enabled": _("A disabled rule's job still runs and is logged, but sends nothing.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.rule is not None and self.instance.pk:
            current = self.rule.effective(self.instance.params if isinstance(self.instance.params, dict) else {})
            for param in self.rule.params:
                self.fields[PARAM_PREFIX + param.code].initial = current[param.code]

    def param_values(self) -> dict[str, int]:
        """The cleaned thresholds by their code (call after is_valid())."""
        if self.rule is None:
            return {}
        return {param.code: self.cleaned_data[PARAM_PREFIX + param.code] for param in self.rule.params}


def param_field_names(rule: nudges.Rule) -> list[str]:
    return [PARAM_PREFIX + param.code for param in rule.params]


def nudge_rule_form(rule: nudges.Rule) -> type[NudgeRuleForm]:
    """The form for one rule: its switch and its thresholds, each bounded (the bounds' errors are Django's own,
    translated), labelled and explained in the active language, with its default."""
    attrs: dict = {"rule": rule}
    for param in rule.params:
        default = gettext("Default: %(default)d.") % {"default": param.initial()}
        help_text = format_lazy("{} {}", param.help_text, default) if param.help_text else default
        attrs[PARAM_PREFIX + param.code] = forms.IntegerField(
            label=param.label, min_value=param.minimum, max_value=param.maximum, help_text=help_text,
        )
    return type("NudgeRuleForm", (NudgeRuleForm,), attrs)
