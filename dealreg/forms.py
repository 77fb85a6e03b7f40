"""Portal forms: register or edit a deal, filter the list, ask for an extension. Staff decision forms
(reject with a reason, ask for more, extension decisions) are used by the admin."""

import uuid

from django import forms
from django.conf import settings
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from mdf.models import Activity
from partners.countries import country_choices

from .models import Deal, Product, RejectionReason
from .services.registration import MDF_SOURCE_STATUSES

HINT_FIELDS = ("customer_name", "customer_domain", "customer_contact_email", "customer_country")


class DealForm(forms.Form):
    """What the partner enters. Drafts may be incomplete; the service checks everything at submission."""

    customer_name = forms.CharField(label=_("Customer company"), max_length=200)
    customer_domain = forms.CharField(
        label=_("Customer web domain"), max_length=253, required=False,
        help_text=_("For example example.com. Or leave it empty and give a contact e-mail address at the customer."),
    )
    customer_contact_email = forms.EmailField(label=_("Customer contact e-mail"), required=False)
    customer_country = forms.ChoiceField(label=_("Customer country"), required=False)
    products = forms.ModelMultipleChoiceField(
        label=_("Products"), queryset=Product.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    value = forms.DecimalField(label=_("Estimated value"), max_digits=14, decimal_places=2, min_value=0, required=False)
    currency = forms.ChoiceField(label=_("Currency"), choices=[(code, code) for code in settings.CURRENCIES])
    expected_close_date = forms.DateField(
        label=_("Expected close date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    stage = forms.ChoiceField(label=_("Stage"), choices=Deal.Stage.choices, initial=Deal.Stage.QUALIFICATION)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the customer wants to achieve and how you found the opportunity."),
    )
    private_notes = forms.CharField(
        label=_("Private notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only your organisation sees these; partners you invite onto the deal do not."),
    )
    mdf_activity = forms.ModelChoiceField(
        label=_("Sourced by an MDF activity"), required=False, queryset=Activity.objects.none(),
        empty_label=_("None"),
        help_text=_("The co-funded marketing activity this opportunity came from; it counts towards the activity's return."),
    )
    # A fresh key per rendered form: a second POST of the same form (a double click) finds the first registration.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    hint_url = reverse_lazy("dealreg:conflict_hint")

    def __init__(self, *args, deal: Deal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.deal = deal
        current = [p.pk for p in deal.products.all()] if deal is not None and deal.pk else []
        # Products no longer offered stay selectable on the registrations that already have them.
        self.fields["products"].queryset = Product.objects.filter(Q(is_active=True) | Q(pk__in=current)).order_by(
            "family", "name"
        )
        self.fields["customer_country"].choices = [("", _("Choose a country"))] + country_choices()
        # Runs in the portal's partner scope: only the partner's own pre-approved activities are offered.
        self.fields["mdf_activity"].queryset = Activity.objects.filter(
            Q(status__in=MDF_SOURCE_STATUSES) | Q(pk=getattr(deal, "mdf_activity_id", None) or 0)
        ).only("id", "reference", "title").order_by("-created_at")
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex
        for name in HINT_FIELDS:
            # htmx: ask for the instant conflict hint when the customer changes (the form still works without JS).
            self.fields[name].widget.attrs.update({
                "hx-post": str(self.hint_url), "hx-trigger": "change", "hx-target": "#conflict-hint",
                "hx-swap": "innerHTML",
            })

    @classmethod
    def initial_for(cls, deal: Deal) -> dict:
        return {
            **{name: getattr(deal, name) for name in (
                "customer_name", "customer_domain", "customer_contact_email", "customer_country", "value", "currency",
                "expected_close_date", "stage", "description", "private_notes", "mdf_activity")},
            "products": list(deal.products.all()),
        }

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("idempotency_key", None)
        data.pop("products", None)
        for name in ("customer_domain", "customer_contact_email", "customer_country", "description", "private_notes"):
            data[name] = data.get(name) or ""
        return data


class DealFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.SearchInput(attrs={"placeholder": _("Customer, domain or reference")}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *Deal.Status.choices])
    stage = forms.ChoiceField(label=_("Stage"), required=False, choices=[("", _("All stages")), *Deal.Stage.choices])


class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why does the deal need more time?"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000,
        help_text=_("For example: the customer moved the purchase decision to next quarter."),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)


# --- staff (admin) -------------------------------------------------------------------------------------


class ApproveForm(forms.Form):
    note = forms.CharField(label=_("Note to the partner (optional)"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class RejectForm(forms.Form):
    reason = forms.ModelChoiceField(label=_("Reason"), queryset=RejectionReason.objects.none(),
                                    empty_label=_("Choose a reason"))
    note = forms.CharField(label=_("Explanation to the partner"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = RejectionReason.objects.filter(is_active=True).order_by("position", "code")


class MoreInfoForm(forms.Form):
    message = forms.CharField(label=_("What do you need from the partner?"), widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=2000)


class ExtensionDecisionForm(forms.Form):
    protected_until = forms.DateField(label=_("Protected until"), required=False,
                                      widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                      help_text=_("When approving; empty: the policy's extension from the current end."))
    note = forms.CharField(label=_("Note to the partner"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000, help_text=_("Required when denying."))


class RejectionReasonAdminForm(forms.ModelForm):
    """One label field per portal language, stored in ``translations``."""

    class Meta:
        model = RejectionReason
        fields = ["code", "label", "requires_note", "is_active", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        translations = (self.instance.translations or {}) if self.instance else {}
        for code, name in settings.LANGUAGES:
            if code == settings.LANGUAGE_CODE:
                continue
            self.fields[f"label_{code}"] = forms.CharField(
                label=_("Label (%(language)s)") % {"language": name}, required=False, max_length=200,
                initial=translations.get(code, ""),
            )

    def save(self, commit=True):
        instance = super().save(commit=False)
        instance.translations = {
            code: self.cleaned_data[f"label_{code}"].strip()
            for code, _name in settings.LANGUAGES
            if code != settings.LANGUAGE_CODE and self.cleaned_data.get(f"label_{code}", "").strip()
        }
        if commit:
            instance.save()
        return instance

