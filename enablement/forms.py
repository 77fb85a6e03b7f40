"""Portal forms for enablement: the asset library filters, assigning a path to a member, the co-branding profile.

Forms only parse input; the services check the rules (membership, the logo's content) and raise
EnablementError / ValidationError, which the views put back on these forms with ``add_service_error``.
Quiz answers are not a form: their ids are checked against the quiz by ``attempt_submit`` itself.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from partners.models import Membership

__all__ = ["AssetFilterForm", "CoBrandingForm", "PathAssignForm", "add_service_error", "quiz_answers"]


def add_service_error(form: forms.Form, error: ValidationError, *, default_field: str | None = None) -> None:
    """Put a service's translated error on the form: per field when it names one of the form's fields, else on
    ``default_field`` (when given) or as a non-field error."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(default_field if default_field in form.fields else None, error)


class AssetFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.SearchInput(attrs={"placeholder": _("Title, description or tag")}))
    language = forms.ChoiceField(label=_("Language"), required=False)
    tag = forms.ChoiceField(label=_("Tag"), required=False)

    def __init__(self, *args, languages=(), tags=(), **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [("", _("All languages")), *((code, names.get(code, code)) for code in languages)]
        self.fields["tag"].choices = [("", _("All tags")), *((tag, tag) for tag in tags)]

    def wanted(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {"filter_language": data.get("language") or "", "tag": data.get("tag") or "",
                "q": (data.get("q") or "").strip()}


class _MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        return obj.user.get_full_name()


class PathAssignForm(forms.Form):
    """A partner admin gives a learning path to a member (the member and the path must be the partner's)."""

    member = _MemberChoice(label=_("Member"), queryset=Membership.objects.none(), empty_label=_("Choose a member"))
    path = forms.ChoiceField(label=_("Learning path"))
    due_on = forms.DateField(label=_("Due (optional)"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, members, paths, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.paths = {str(p.pk): p for p, _title in paths}
        self.fields["path"].choices = [("", _("Choose a path")), *((str(p.pk), title) for p, title in paths)]

    def clean_path(self):
        return self.paths[self.cleaned_data["path"]]


class CoBrandingForm(forms.Form):
    """What the partner stamps on co-branded material. The logo's content is checked by the service."""

    display_name = forms.CharField(label=_("Name on material"), max_length=200)
    logo = forms.FileField(label=_("Logo"), required=False, max_length=255,
                           help_text=_("PNG or JPEG, at most 2 MB."),
                           widget=forms.FileInput(attrs={"accept": ".png,.jpg,.jpeg,image/png,image/jpeg"}))
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    VALUES = ("display_name", "contact_email", "contact_phone", "website")

    def values(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name in self.VALUES}


def quiz_answers(post) -> dict:
    """``{question_id: [choice_id, ...]}`` from the quiz form's ``q_<question id>`` fields, as given: the service
    checks every id against the quiz (another quiz's ids, extra answers and non-numbers are refused there)."""
    return {key[2:]: post.getlist(key) for key in post if key.startswith("q_")}
