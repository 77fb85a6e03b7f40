"""Portal forms for the team: invite colleagues, change a member's role and capabilities."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Membership


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.USER)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)
    can_register_deals = forms.BooleanField(label=_("Can register deals"), required=False, initial=True)
    can_claim_mdf = forms.BooleanField(label=_("Can request and claim MDF"), required=False)
    can_manage_users = forms.BooleanField(label=_("Can invite and manage colleagues"), required=False)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role", "can_register_deals", "can_claim_mdf", "can_manage_users"]


class InvitationSignupForm(forms.Form):
    """A new person accepting an invitation: their name and a password (the e-mail is the invitation's)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password (again)"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        from django.contrib.auth import password_validation

        from prm.accounts.models import User

        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=self.email, full_name=cleaned.get("full_name", "")))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
