"""Account settings under /account/: profile, personal API tokens, links to sign-in security.

These belong to the person, not to a partner, so they need a sign-in but no partner scope.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .forms import ApiTokenForm, ProfileForm
from .models import ApiToken
from .services import api_token_create, api_token_revoke, user_profile_update


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            user = user_profile_update(user=request.user, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # Switch now, for this response and the next ones: the cookie wins over the browser's language.
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
            messages.success(request, _("Your profile has been saved."))
            response = redirect("accounts:profile")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.preferred_language,
                max_age=365 * 24 * 3600,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
            return response
    return TemplateResponse(request, "accounts/profile.html", {"form": form})


@login_required
def security(request):
    return TemplateResponse(request, "accounts/security.html", {})


@login_required
def token_list(request):
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, raw_key = api_token_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            return _token_created(request, token=token, raw_key=raw_key)
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id")
    return TemplateResponse(request, "accounts/token_list.html", {"form": form, "tokens": tokens})


def _token_created(request, *, token: ApiToken, raw_key: str):
    # Rendered in the POST response, not after a redirect: the key is never stored, so it exists only here.
    response = TemplateResponse(request, "accounts/token_created.html", {"token": token, "raw_key": raw_key})
    add_never_cache_headers(response)
    return response


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)  # someone else's token: 404
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, _("The token “%(name)s” has been revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
