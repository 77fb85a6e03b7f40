"""Forms of multi-partner deals: invite a partner onto a deal, answer an invitation."""

from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import shared_deals
from .models import DealParticipant


class ParticipantInviteForm(forms.Form):
    """Find the partner by name (or pick it from the suggestions), give it a role and a share.

    Invitable partners are active partners found by name; the form reveals only names and ids.
    """

    partner_name = forms.CharField(label=_("Partner organisation"), max_length=200, required=False,
                                   help_text=_("Type the partner's name; pick from the suggestions if several match."))
    partner = forms.TypedChoiceField(label=_("Matching partners"), coerce=int, required=False, widget=forms.RadioSelect,
                                     choices=())
    role = forms.ChoiceField(label=_("Role"), choices=DealParticipant.Role.choices)
    share = forms.DecimalField(label=_("Attribution share (%)"), min_value=Decimal("0"), max_value=Decimal("100"),
                               max_digits=5, decimal_places=2, initial=Decimal("0"),
                               help_text=_("The part of the won revenue credited to this partner as influenced "
                                           "revenue. All partners on a deal together hold at most 100%."))

    def __init__(self, *args, own_partner_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_partner_id = own_partner_id
        self.suggestions: list[shared_deals.PartnerChoice] = []
        query = (self.data.get("partner_name") or "") if self.is_bound else ""
        if query:
            self.suggestions = shared_deals.partner_directory_search(query=query, exclude_partner_id=own_partner_id)
        self.fields["partner"].choices = [(c.id, c.name) for c in self.suggestions]
        # With JavaScript, matching partners appear while typing; without, after submitting.
        self.fields["partner_name"].widget.attrs.update({
            "autocomplete": "off", "hx-get": reverse("dealreg:participant_partner_search"),
            "hx-trigger": "input changed delay:300ms", "hx-target": "#participant-partner-options",
            "hx-swap": "innerHTML",
        })

    def clean(self):
        cleaned = super().clean()
        picked = cleaned.get("partner")
        name = (cleaned.get("partner_name") or "").strip()
        if picked:
            choice = shared_deals.partner_choice_get(partner_id=picked)
        else:
            exact = [c for c in self.suggestions if c.name.casefold() == name.casefold()]
            choice = exact[0] if len(exact) == 1 else (self.suggestions[0] if len(self.suggestions) == 1 else None)
            if choice is None:
                if not name:
                    raise forms.ValidationError(_("Type the name of the partner to invite."))
                if self.suggestions:
                    raise forms.ValidationError(_("Several partners match; pick one from the list."))
                raise forms.ValidationError(_("No active partner organisation matches “%(name)s”.") % {"name": name})
        if choice is None or choice.id == self.own_partner_id:
            raise forms.ValidationError(_("Choose another active partner organisation."))
        cleaned["partner_choice"] = choice
        return cleaned


class ParticipantResponseForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
