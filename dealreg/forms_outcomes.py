"""The outcome form: won (final amount, currency, date) or lost (reason, date)."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect,
                                choices=[("won", _("Won")), ("lost", _("Lost"))])
    closed_on = forms.DateField(label=_("Closed on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Final amount"), required=False, min_value=Decimal("0.01"), max_digits=14,
                                decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), required=False,
                                 choices=[(c, c) for c in settings.CURRENCIES])
    lost_reason = forms.CharField(label=_("Why was it lost?"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, deal, **kwargs):
        kwargs.setdefault("initial", {"closed_on": timezone.localdate(), "currency": deal.currency,
                                      "amount": deal.value})
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == "won":
            if cleaned.get("amount") is None:
                self.add_error("amount", _("Enter the final amount."))
            if not cleaned.get("currency"):
                self.add_error("currency", _("Choose the currency."))
        elif cleaned.get("outcome") == "lost" and not (cleaned.get("lost_reason") or "").strip():
            self.add_error("lost_reason", _("Say why the deal was lost."))
        return cleaned
