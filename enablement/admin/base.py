"""What the enablement admins share: translations and targeting fields that explain themselves, files checked
by content, and read-only pages for rows only services write."""

import secrets

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from partners.models import Membership, PartnerOrganization
from prm.common.uploads import CSV, JPEG, PDF, PNG, XLSX, check_upload

CONTENT_FILE_TYPES = (PDF, PNG, JPEG, CSV, XLSX)
CONTENT_FILE_MAX_BYTES = 50 * 1024 * 1024
EXTENSIONS = {PDF: "pdf", PNG: "png", JPEG: "jpg", CSV: "csv", XLSX: "xlsx"}


def translations_help(*texts: str) -> str:
    """The help text of a ``translations`` field naming the texts it translates."""
    languages = ", ".join(code for code, _name in settings.LANGUAGES if code != "en")
    example = ", ".join(f'"{text}": "…"' for text in texts)
    return _gettext('Other languages as JSON, for example {"de": {%(example)s}, "ja": {%(first)s}}. Languages: '
                    '%(languages)s; texts: %(texts)s. A language left out shows the English text, marked “(English)”.'
                    ) % {"example": example, "first": f'"{texts[0]}": "…"', "languages": languages,
                         "texts": ", ".join(texts)}


class TranslationsFormMixin:
    """Checks the texts named in ``translations`` (a typo would silently show English)."""

    translated_texts: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "translations" in self.fields:
            self.fields["translations"].help_text = translations_help(*self.translated_texts)
            self.fields["translations"].widget.attrs["rows"] = 4

    def clean_translations(self):
        value = self.cleaned_data.get("translations") or {}
        if isinstance(value, dict):
            for language, texts in value.items():
                unknown = sorted(set(texts) - set(self.translated_texts)) if isinstance(texts, dict) else []
                if unknown:
                    raise ValidationError(
                        _("Unknown text “%(name)s” for %(language)s: use %(texts)s.")
                        % {"name": unknown[0], "language": language, "texts": ", ".join(self.translated_texts)})
        return value


class TargetingFormMixin:
    """Partner types and roles as checkboxes (stored as JSON lists; none ticked means everyone)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "partner_types" in self.fields:
            self.fields["partner_types"] = forms.MultipleChoiceField(
                label=_("partner types"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=PartnerOrganization.PartnerType.choices, help_text=_("None ticked: every partner type."))
        if "roles" in self.fields:
            self.fields["roles"] = forms.MultipleChoiceField(
                label=_("roles"), required=False, widget=forms.CheckboxSelectMultiple,
                choices=Membership.Role.choices, help_text=_("None ticked: every role."))


class CheckedFileFormMixin:
    """A ``file`` field checked by content (PDF, PNG, JPEG, CSV, XLSX; at most 50 MB), stored under a name of ours
    with its original name and sniffed type on the instance (``file_name``, ``file_type``)."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is False:  # “clear” ticked
            self.instance.file_name, self.instance.file_type = "", ""
            return upload
        if not upload or not hasattr(upload, "content_type"):  # nothing new uploaded
            return upload
        checked = check_upload(upload, allowed=CONTENT_FILE_TYPES, max_bytes=CONTENT_FILE_MAX_BYTES)
        self.instance.file_name = checked.original_name
        self.instance.file_type = checked.content_type
        upload.name = f"{checked.sha256[:16]}-{secrets.token_hex(4)}.{EXTENSIONS[checked.content_type]}"
        return upload

    def has_file(self) -> bool:
        upload = self.cleaned_data.get("file")
        return bool(upload) or (upload is None and bool(self.instance.file))


class ReadOnlyAdminMixin:
    """Rows written only by services: no add, no delete, a change page that never saves (``change`` permission
    still unlocks the actions, e.g. revoking an award)."""

    view_on_site = False  # get_absolute_url points into the partner portal

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + list(super().get_readonly_fields(request, obj))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False, "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)
