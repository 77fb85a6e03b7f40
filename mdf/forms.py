"""Portal forms for MDF: the request (activity), the list filters, the claim, a proof upload, cancelling.

Forms only parse input; the services check the rules (balances, windows, evidence, file content) and
raise MdfError / ValidationError, which the views put back on these forms with ``add_service_error``.
"""

import uuid

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from .models import Activity, ActivityType, Claim, EvidenceKind

DATE_WIDGET = {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
MONEY_FIELD = {"max_digits": 14, "decimal_places": 2}
ACTIVITY_FIELDS = ("activity_type", "title", "description", "starts_on", "ends_on", "planned_cost",
                   "expected_leads", "expected_pipeline")


def add_service_error(form: forms.Form, error: ValidationError, *, default_field: str | None = None) -> None:
    """Put a service's translated error on the form: per field when it names one of the form's fields,
    else on ``default_field`` (when given) or as a non-field error."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(default_field if default_field in form.fields else None, error)


class ActivityForm(forms.Form):
    """A request for funds. Drafts may be incomplete in spirit, but the service always checks the basics."""

    activity_type = forms.ChoiceField(label=_("Activity type"), choices=ActivityType.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
        help_text=_("The audience, the agenda or channels, and the products you will promote."),
    )
    starts_on = forms.DateField(label=_("Starts on"), **DATE_WIDGET)
    ends_on = forms.DateField(label=_("Ends on"), **DATE_WIDGET)
    planned_cost = forms.DecimalField(label=_("Planned cost"), min_value=0, **MONEY_FIELD,
                                      help_text=_("The whole cost of the activity, in your organisation's currency."))
    expected_leads = forms.IntegerField(label=_("Expected leads"), min_value=0, initial=0, required=False)
    expected_pipeline = forms.DecimalField(label=_("Expected pipeline"), min_value=0, required=False, **MONEY_FIELD,
                                           help_text=_("The value of the opportunities you expect it to create."))
    # A fresh key per rendered form: a second POST of the same form (a double click) finds the first activity.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and not self.initial.get("idempotency_key"):
            self.initial["idempotency_key"] = uuid.uuid4().hex
        # htmx: refresh the vendor's share as the planned cost changes (the form still works without JS).
        self.fields["planned_cost"].widget.attrs.update({
            "hx-get": str(reverse_lazy("mdf:vendor_share_preview")), "hx-trigger": "change, keyup changed delay:400ms",
            "hx-target": "#vendor-share", "hx-swap": "innerHTML",
        })

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The activity cannot end before it starts."))
        return data

    @classmethod
    def initial_for(cls, activity: Activity) -> dict:
        return {name: getattr(activity, name) for name in ACTIVITY_FIELDS}

    def values(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in ACTIVITY_FIELDS}
        data["description"] = data["description"] or ""
        data["expected_leads"] = data["expected_leads"] or 0
        data["expected_pipeline"] = data["expected_pipeline"] or 0
        return data


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.SearchInput(attrs={"placeholder": _("Title or reference")}))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *Activity.Status.choices])


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), required=False, max_length=500)


class ClaimForm(forms.Form):
    """The claim's figures; the proof files come through ``ProofForm``, one at a time."""

    actual_cost = forms.DecimalField(label=_("Actual cost"), min_value=0, required=False, **MONEY_FIELD,
                                     help_text=_("What the activity cost in total, as invoiced."))
    claimed_amount = forms.DecimalField(label=_("Amount claimed from the fund"), min_value=0, required=False,
                                        **MONEY_FIELD)
    leads = forms.IntegerField(label=_("Leads"), min_value=0, initial=0, required=False)
    attendees = forms.IntegerField(label=_("Attendees"), min_value=0, initial=0, required=False)
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=64, required=False,
                                     help_text=_("The number of the main invoice."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)

    FIELDS = ("actual_cost", "claimed_amount", "leads", "attendees", "invoice_number", "notes")

    @classmethod
    def initial_for(cls, claim: Claim) -> dict:
        return {name: getattr(claim, name) for name in cls.FIELDS}

    def values(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in self.FIELDS}
        data["leads"] = data["leads"] or 0
        data["attendees"] = data["attendees"] or 0
        data["invoice_number"] = data["invoice_number"] or ""
        data["notes"] = data["notes"] or ""
        return data


class ProofForm(forms.Form):
    """One proof-of-performance file. Its content (not its name) is checked by the service."""

    kind = forms.ChoiceField(label=_("What the file shows"), choices=EvidenceKind.choices)
    file = forms.FileField(label=_("File"), max_length=255,
                           widget=forms.FileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.csv,.xlsx"}))

    def __init__(self, *args, required_kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        if required_kinds and not self.is_bound:
            self.initial.setdefault("kind", required_kinds[0])
