"""Project-level views: the front door, the language switch, health."""

from django.conf import settings
from django.db import connection
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.http import require_POST

from prm.tenancy.lookups import memberships_for_user


def home(request):
    """Send each person where they work: partners to the portal, staff to their pages."""
    user = request.user
    if not user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    if memberships_for_user(user=user):
        return redirect("partners:home")
    if user.is_staff:
        return redirect("analytics:staff_home")
    return redirect("partners:home")  # answers 403 (closed) or 404 (no membership) with an explanation


@require_POST
def set_language(request):
    """Switch language for this browser and, when signed in, remember it on the user."""
    language = request.POST.get("language", "")
    if not check_for_language(language) or language not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest()
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        next_url = "/"
    response = redirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        secure=settings.LANGUAGE_COOKIE_SECURE, httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
    )
    if request.user.is_authenticated and request.user.preferred_language != language:
        request.user._meta.model.objects.filter(pk=request.user.pk).update(preferred_language=language)  # user is a lazy proxy
    return response


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
