"""The managers' MDF decision forms: approve in full or in part, reject, ask for more, record a payment,
adjust a fund. The services check the rules (amounts, reasons, balances); these forms only parse input."""

from decimal import Decimal

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

AMOUNT = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}


class ApproveForm(forms.Form):
    """Approve what was asked for (the note is optional and goes to the partner)."""

    reason = forms.CharField(label=_("Note to the partner (optional)"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class PartialApproveForm(forms.Form):
    """Approve less than asked for; the service insists on a reason."""

    amount = forms.DecimalField(label=_("Amount to approve"), **AMOUNT)
    reason = forms.CharField(label=_("Reason for approving less"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason; the partner reads it.")},
    )


class MoreInfoForm(forms.Form):
    message = forms.CharField(
        label=_("What do you need from the partner?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say what information is missing.")},
    )


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reference = forms.CharField(
        label=_("Payment reference"), max_length=100,
        error_messages={"required": _("Enter the payment reference.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("paid_on", timezone.localdate())


class FundAdjustForm(forms.Form):
    ALLOCATE, DEDUCT = "allocate", "deduct"

    direction = forms.ChoiceField(
        label=_("Adjustment"), widget=forms.RadioSelect, initial=ALLOCATE,
        choices=[(ALLOCATE, _("Add to the fund (allocation)")), (DEDUCT, _("Take from the fund (deduction)"))],
    )
    amount = forms.DecimalField(label=_("Amount"), **AMOUNT)
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The partner and the audit log see it."),
        error_messages={"required": _("Give a reason; the partner and the audit log see it.")},
    )


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form: on its fields when it names them, else above the form."""
    if hasattr(error, "error_dict") and set(error.error_dict) <= set(form.fields) | {NON_FIELD_ERRORS}:
        form.add_error(None, error)
    else:
        form.add_error(None, " ".join(error.messages))
