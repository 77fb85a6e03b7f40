"""The public application form (/apply/): every field validated with a translated message."""

import re
import uuid
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import DomainNameValidator
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from prm.common.domains import PUBLIC_MAIL_DOMAINS, registrable_domain

from .countries import country_choices
from .models import Industry, PartnerOrganization, SizeBand

_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]*$")
_domain_validator = DomainNameValidator(accept_idna=True)


def website_host(value: str) -> str:
    """The host part of what someone typed as their web domain or URL."""
    text = (value or "").strip().lower()
    if "://" in text:
        try:
            return (urlsplit(text).hostname or "").strip(".")
        except ValueError:
            return ""
    return text.split("/", 1)[0].split("?", 1)[0].strip(".")


class ApplicationForm(forms.Form):
    # Company
    company_name = forms.CharField(label=_("Company name"), max_length=200)
    website = forms.CharField(
        label=_("Web domain"), max_length=253, help_text=_("Your company's website, for example example.com."),
        widget=forms.TextInput(attrs={"autocomplete": "url", "inputmode": "url"}),
    )
    country = forms.ChoiceField(label=_("Country"), help_text=_("Where your company is registered."))
    partner_type = forms.ChoiceField(
        label=_("Partner type"), choices=[("", "—"), *PartnerOrganization.PartnerType.choices]
    )
    size_band = forms.ChoiceField(label=_("Company size"), choices=[("", "—"), *SizeBand.choices])
    certified_staff = forms.IntegerField(
        label=_("Certified staff"), min_value=0, max_value=100_000, initial=0,
        help_text=_("How many of your people hold a certification on our products today."),
    )
    industries = forms.MultipleChoiceField(
        label=_("Industries you serve"), choices=Industry.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one industry.")},
    )
    target_customers = forms.CharField(
        label=_("Target customers"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Who you sell to: company sizes, typical buyers, markets."),
    )
    # Contact
    contact_name = forms.CharField(label=_("Your name"), max_length=200,
                                   widget=forms.TextInput(attrs={"autocomplete": "name"}))
    contact_email = forms.EmailField(label=_("Your business e-mail"), max_length=254,
                                     widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    contact_phone = forms.CharField(label=_("Your phone number"), max_length=32,
                                    widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
                                    help_text=_("With the country code, for example +49 30 1234567."))
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES,
                                 help_text=_("We write to you in this language."))
    privacy = forms.BooleanField(
        label=_("I agree that these details are stored to review the application and contact me about it."),
        error_messages={"required": _("We need your agreement to review the application.")},
    )
    # Bots fill every field; people never see this one (visually hidden, out of the tab order).
    homepage = forms.CharField(label=_("Leave this field empty"), required=False,
                               widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))
    # One key per rendered form: a double-click or a resubmit creates one application.
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput, error_messages={
        "required": _("This form has expired. Please submit it again."),
        "invalid": _("This form has expired. Please submit it again."),
    })

    CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone", "language")
    COMPANY_FIELDS = ("company_name", "website", "country", "partner_type", "size_band", "certified_staff",
                      "industries", "target_customers")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
        self.fields["country"].choices = [("", "—"), *country_choices(language)]
        # Each language in its own name: the applicant finds theirs whatever the page's language.
        self.fields["language"].choices = [(code, get_language_info(code)["name_local"].capitalize())
                                           for code, _name in settings.LANGUAGES]
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4())
            if language in dict(settings.LANGUAGES):
                self.initial.setdefault("language", language)

    @property
    def is_spam(self) -> bool:
        return bool((self.data.get(self.add_prefix("homepage")) or "").strip())

    def clean_company_name(self) -> str:
        name = " ".join(self.cleaned_data["company_name"].split())
        if len(name) < 2:
            raise ValidationError(_("Enter your company's name."))
        return name

    def clean_website(self) -> str:
        host = website_host(self.cleaned_data["website"])
        try:
            _domain_validator(host)
        except ValidationError:
            raise ValidationError(_("Enter a real web domain, for example example.com."), code="invalid")
        domain = registrable_domain(host)
        if not domain:
            raise ValidationError(_("Enter a real web domain, for example example.com."), code="invalid")
        if domain in PUBLIC_MAIL_DOMAINS:
            raise ValidationError(_("Enter your company's own web domain, not an e-mail provider's."), code="public")
        return host

    def clean_contact_name(self) -> str:
        name = " ".join(self.cleaned_data["contact_name"].split())
        if len(name) < 2:
            raise ValidationError(_("Enter your name."))
        return name

    def clean_contact_email(self) -> str:
        return self.cleaned_data["contact_email"].strip().lower()

    def clean_contact_phone(self) -> str:
        phone = " ".join(self.cleaned_data["contact_phone"].split())
        digits = sum(ch.isdigit() for ch in phone)
        if not _PHONE.match(phone) or not 6 <= digits <= 15:
            raise ValidationError(_("Enter a phone number with digits only, for example +49 30 1234567."))
        return phone

    def clean_target_customers(self) -> str:
        text = self.cleaned_data["target_customers"].strip()
        if len(text) < 3:
            raise ValidationError(_("Tell us briefly who your customers are."))
        return text
