"""/api/v1/: partner endpoints run in the caller's partner scope; staff endpoints in their regions."""

from django.http import JsonResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _
from rest_framework.routers import SimpleRouter

from partners import api as partners_api
from prm.accounts import api as accounts_api

app_name = "api"

router = SimpleRouter()
router.register("members", partners_api.MemberViewSet, basename="member")
router.register("invitations", partners_api.InvitationViewSet, basename="invitation")
router.register("staff/partners", partners_api.StaffPartnerViewSet, basename="staff-partner")


def not_found(request, *args, **kwargs):
    """Unknown API paths answer with the API's error body, not the HTML 404 page."""
    return JsonResponse({"error": {"code": "not_found", "message": _("Not found.")}}, status=404)


urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("partner/", partners_api.OwnPartnerView.as_view(), name="partner"),
    *router.urls,
    re_path(r"^", not_found),
]
