"""The preferences form: one delivery choice per non-essential kind."""

from django import forms

from .models import NotificationPreference
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
