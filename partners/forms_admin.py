"""Forms used on the staff side (admin pages): invite a partner's admin, change a partner's status."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import PartnerOrganization


class StaffInvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the partner's admin"))
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)


class PartnerStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=PartnerOrganization.Status.choices)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), required=False,
        help_text=_("Required when suspending or offboarding. Shown in the audit log."),
    )
