"""Per-user language, and MFA enrolment for staff before they reach the admin."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext


class UserLanguageMiddleware:
    """A signed-in user's preferred language wins over the browser's, unless they just chose one here."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            language = user.preferred_language
            if language and language != translation.get_language():
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class StaffMFAMiddleware:
    """With REQUIRE_STAFF_MFA on, staff must enrol a TOTP authenticator before using the admin or staff pages."""

    PROTECTED = ("/admin/", "/staff/", "/api/v1/staff/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.REQUIRE_STAFF_MFA
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path_info.startswith(self.PROTECTED)
            and not request.path_info.startswith("/admin/logout")
        ):
            from allauth.mfa.models import Authenticator

            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                if request.path_info.startswith("/api/"):
                    message = gettext("Enrol a two-factor authenticator before using staff endpoints.")
                    return JsonResponse({"error": {"code": "mfa_required", "message": message}}, status=403)
                return redirect(f"{reverse('mfa_activate_totp')}?next={request.get_full_path()}")
        return self.get_response(request)


def touch_last_seen(user) -> None:
    """Record activity at most every five minutes (login recency feeds health scores later)."""
    now = timezone.now()
    if user.last_seen_at is None or (now - user.last_seen_at).total_seconds() > 300:
        type(user).objects.filter(pk=user.pk).update(last_seen_at=now)
        user.last_seen_at = now
