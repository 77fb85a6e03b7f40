"""Public pages of the partners app: accepting an invitation (signed out or in)."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from partners.forms import InvitationSignupForm
from partners.services.invitations import invitation_accept, invitation_check
from prm.accounts.models import User
from prm.tenancy.lookups import invitation_for_token
from prm.tenancy.middleware import ACTIVE_PARTNER_SESSION_KEY


@never_cache
def invitation_accept_view(request, token: str):
    invitation = invitation_for_token(raw_token=token)
    if invitation is not None and not request.user.is_authenticated:
        translation.activate(invitation.language)
        request.LANGUAGE_CODE = invitation.language
    try:
        invitation_check(invitation=invitation)
    except ValidationError as error:
        return TemplateResponse(request, "partners/public/invitation_invalid.html", {"reason": error.messages[0]}, status=410 if invitation else 404)

    existing = User.objects.filter(email__iexact=invitation.email).first()
    context = {"invitation": invitation, "partner_name": invitation.partner.name, "existing": existing}

    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = invitation_accept(invitation=invitation, user=request.user)
            except ValidationError as error:
                context["error"] = error.messages[0]
                return TemplateResponse(request, "partners/public/invitation_accept.html", context, status=400)
            request.session[ACTIVE_PARTNER_SESSION_KEY] = membership.partner_id
            messages.success(request, _("Welcome to %(partner)s.") % {"partner": invitation.partner.name})
            return redirect("partners:home")
        return TemplateResponse(request, "partners/public/invitation_accept.html", context)

    if existing is not None:
        # They have an account: sign in first, then come back to this page.
        context["login_url"] = f"/accounts/login/?next={request.path}"
        return TemplateResponse(request, "partners/public/invitation_accept.html", context)

    form = InvitationSignupForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=invitation.email,
                    password=form.cleaned_data["password1"],
                    full_name=form.cleaned_data["full_name"],
                    preferred_language=invitation.language,
                )
                membership = invitation_accept(invitation=invitation, user=user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[ACTIVE_PARTNER_SESSION_KEY] = membership.partner_id
            messages.success(request, _("Welcome to %(partner)s.") % {"partner": invitation.partner.name})
            return redirect("partners:home")
    context["form"] = form
    return TemplateResponse(request, "partners/public/invitation_signup.html", context)
