"""Portal forms of onboarding: company profile, payout details, the compliance questionnaire, accepting
the agreement. Every message is translated; the services re-check what matters."""

import re

from django import forms
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .banking import uses_iban, validate_account_number, validate_bic, validate_iban, validate_routing_number
from .countries import country_choices
from .models import ComplianceQuestion, PayoutDetails

_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{5,24}$")
_VAT = re.compile(r"^[A-Z0-9][A-Z0-9 .\-/]{3,28}[A-Z0-9]$")
_POSTAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,18}[A-Za-z0-9]$")


class _CountryChoiceField(forms.ChoiceField):
    """Countries named in the reader's language; the choices are built per request (language)."""

    def __init__(self, **kwargs):
        super().__init__(choices=(), **kwargs)

    def use_reader_language(self) -> None:
        self.choices = [("", "—")] + country_choices(get_language())


class CompanyProfileForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=250,
                                 help_text=_("As registered, e.g. “Nordlicht IT GmbH”."))
    website = forms.URLField(label=_("Website"), max_length=200, assume_scheme="https")
    address_line1 = forms.CharField(label=_("Street and number"), max_length=200)
    address_line2 = forms.CharField(label=_("Address (line 2)"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20)
    city = forms.CharField(label=_("City"), max_length=100)
    country = _CountryChoiceField(label=_("Country"))
    vat_id = forms.CharField(label=_("VAT or tax ID"), max_length=30,
                             help_text=_("The VAT number in the EU (e.g. DE123456789), else your tax ID."))
    phone = forms.CharField(label=_("Phone"), max_length=30, help_text=_("With the country code, e.g. +49 30 1234567."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].use_reader_language()

    def clean_legal_name(self) -> str:
        value = " ".join(self.cleaned_data["legal_name"].split())
        if len(value) < 2:
            raise forms.ValidationError(_("Enter the company's legal name."))
        return value

    def clean_postal_code(self) -> str:
        value = self.cleaned_data["postal_code"].strip()
        if not _POSTAL.match(value):
            raise forms.ValidationError(_("Enter a postal code of letters, digits, spaces or dashes."))
        return value

    def clean_vat_id(self) -> str:
        value = self.cleaned_data["vat_id"].strip().upper()
        if not _VAT.match(value):
            raise forms.ValidationError(_("Enter a VAT or tax ID of 5 to 30 letters and digits."))
        return value

    def clean_phone(self) -> str:
        value = " ".join(self.cleaned_data["phone"].split())
        if not _PHONE.match(value) or sum(ch.isdigit() for ch in value) < 6:
            raise forms.ValidationError(_("Enter a phone number with at least 6 digits, e.g. +49 30 1234567."))
        return value


class PayoutDetailsForm(forms.Form):
    account_holder = forms.CharField(label=_("Account holder"), max_length=200)
    bank_country = _CountryChoiceField(label=_("Country of the bank"))
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in settings.CURRENCIES])
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False,
                           help_text=_("For banks in countries that use IBANs (e.g. the EU, the UK, Switzerland)."))
    bic = forms.CharField(label=_("BIC / SWIFT (optional)"), max_length=14, required=False)
    account_number = forms.CharField(label=_("Account number"), max_length=40, required=False,
                                     help_text=_("For banks in other countries (e.g. the US, Japan, Australia)."))
    routing_number = forms.CharField(label=_("Routing number or bank code"), max_length=24, required=False,
                                     help_text=_("US: the 9-digit ABA number. Elsewhere: the bank or branch code."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank_country"].use_reader_language()
        for name in ("iban", "account_number", "routing_number", "bic"):
            self.fields[name].widget.attrs["autocomplete"] = "off"

    def clean_account_holder(self) -> str:
        value = " ".join(self.cleaned_data["account_holder"].split())
        if len(value) < 2:
            raise forms.ValidationError(_("Enter the name of the account holder."))
        return value

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("bank_country")
        if not country:
            return cleaned
        if uses_iban(country):
            cleaned["method"] = PayoutDetails.Method.IBAN
            if not cleaned.get("iban"):
                self.add_error("iban", _("Banks in this country use IBANs: enter the IBAN."))
            else:
                try:
                    cleaned["iban"] = validate_iban(cleaned["iban"], country=country)
                except forms.ValidationError as error:
                    self.add_error("iban", error)
            try:
                cleaned["bic"] = validate_bic(cleaned.get("bic", ""))
            except forms.ValidationError as error:
                self.add_error("bic", error)
            cleaned["account_number"] = cleaned["routing_number"] = ""
        else:
            cleaned["method"] = PayoutDetails.Method.ACCOUNT
            for name, check in (("account_number", validate_account_number),
                                ("routing_number", lambda v: validate_routing_number(v, country=country))):
                if not cleaned.get(name):
                    self.add_error(name, _("This field is required."))
                    continue
                try:
                    cleaned[name] = check(cleaned[name])
                except forms.ValidationError as error:
                    self.add_error(name, error)
            cleaned["iban"] = cleaned["bic"] = ""
        return cleaned


YES_NO_CHOICES = [("yes", _("Yes")), ("no", _("No"))]


class ComplianceForm(forms.Form):
    """One field per configured question, labelled in the reader's language (English as fallback).

    Answering again: ``current`` (the submission on record) prefills the answers, and the hidden ``replaces``
    names it, so a double click or a colleague's newer answers are recognised by the service."""

    replaces = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, questions: list[ComplianceQuestion], language: str, current=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        if current is not None and not self.is_bound:
            self.initial["replaces"] = current.pk
            given = {item.get("question_id"): item.get("answer", "") for item in current.answers or []}
            self.initial.update({f"q_{pk}": answer for pk, answer in given.items() if pk is not None})
        for question in questions:
            label = question.text_for(language)
            if question.answer_type == ComplianceQuestion.AnswerType.YES_NO:
                field = forms.ChoiceField(label=label, choices=YES_NO_CHOICES, widget=forms.RadioSelect,
                                          required=question.required,
                                          error_messages={"required": _("Answer yes or no.")})
            else:
                field = forms.CharField(label=label, required=question.required, max_length=2000,
                                        widget=forms.Textarea(attrs={"rows": 3}),
                                        error_messages={"required": _("This question needs an answer.")})
            self.fields[f"q_{question.pk}"] = field

    def answers(self) -> dict[int, str]:
        return {question.pk: self.cleaned_data.get(f"q_{question.pk}", "") for question in self.questions}


class AgreementAcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(
        label=_("I have read the agreement and accept it on behalf of my company."),
        error_messages={"required": _("Tick the box to confirm that you accept the agreement.")},
    )
