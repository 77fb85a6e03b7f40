"""Account settings forms: the profile and a new personal API token."""

import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .services import TOKEN_MAX_DAYS


@cache
def timezone_choices() -> list[tuple[str, str]]:
    # Legacy aliases ("US/Pacific", "Etc/GMT+3") are valid but clutter the list; keep them only if in use.
    names = sorted(
        name for name in zoneinfo.available_timezones() if "/" in name and not name.startswith(("Etc/", "SystemV/"))
    )
    return [("UTC", "UTC")] + [(name, name.replace("_", " ")) for name in names]


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    preferred_language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(label=_("Time zone"), help_text=_("Dates and times are shown in this time zone."))

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault(
            "initial",
            {"full_name": user.full_name, "preferred_language": user.preferred_language, "timezone": user.timezone},
        )
        super().__init__(*args, **kwargs)
        choices = timezone_choices()
        if user.timezone and user.timezone not in dict(choices):
            choices = [(user.timezone, user.timezone), *choices]
        self.fields["timezone"].choices = choices

    def clean_full_name(self) -> str:
        return self.cleaned_data["full_name"].strip()


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. “CRM sync”."))
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        required=False,
        min_value=1,
        max_value=TOKEN_MAX_DAYS,
        help_text=_("Leave empty for a token that does not expire."),
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name
