"""/api/v1/: partner endpoints run in the caller's partner scope; staff endpoints in their regions."""

from django.http import JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _
from rest_framework.routers import SimpleRouter

from dealreg import api as dealreg_api
from enablement import api as enablement_api
from enablement import api_imports as enablement_imports_api
from enablement import api_staff as enablement_staff_api
from mdf import api as mdf_api
from mdf import api_staff as mdf_staff_api
from partners import api as partners_api
from partners import api_applications as partners_applications_api
from partners import api_onboarding as partners_onboarding_api
from partners import api_tiers as partners_tiers_api
from prm.accounts import api as accounts_api

app_name = "api"

router = SimpleRouter()
router.register("members", partners_api.MemberViewSet, basename="member")
router.register("invitations", partners_api.InvitationViewSet, basename="invitation")
router.register("staff/partners", partners_api.StaffPartnerViewSet, basename="staff-partner")
router.register("deals", dealreg_api.DealViewSet, basename="deal")
router.register("staff/applications", partners_applications_api.StaffApplicationViewSet, basename="staff-application")
router.register("mdf/funds", mdf_api.FundViewSet, basename="mdf-fund")
router.register("mdf/activities", mdf_api.ActivityViewSet, basename="mdf-activity")
router.register("staff/mdf/activities", mdf_staff_api.StaffActivityViewSet, basename="staff-mdf-activity")
router.register("staff/mdf/claims", mdf_staff_api.StaffClaimViewSet, basename="staff-mdf-claim")
router.register("enablement/courses", enablement_api.CourseViewSet, basename="enablement-course")
router.register("enablement/enrollments", enablement_api.EnrollmentViewSet, basename="enablement-enrollment")
router.register("enablement/certifications", enablement_api.CertificationViewSet, basename="enablement-certification")
router.register("enablement/path-assignments", enablement_api.PathAssignmentViewSet,
                basename="enablement-path-assignment")
router.register("staff/enablement/certifications", enablement_staff_api.StaffCertificationViewSet,
                basename="staff-enablement-certification")
router.register("staff/enablement/enrollments", enablement_staff_api.StaffEnrollmentViewSet,
                basename="staff-enablement-enrollment")


def not_found(request, *args, **kwargs):
    """Unknown API paths answer with the API's error body, not the HTML 404 page."""
    return JsonResponse({"error": {"code": "not_found", "message": _("Not found.")}}, status=404)


urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("partner/", partners_api.OwnPartnerView.as_view(), name="partner"),
    path("deal-products/", dealreg_api.ProductListView.as_view(), name="deal-products"),
    path("onboarding/", partners_onboarding_api.OnboardingStatusView.as_view(), name="onboarding"),
    path("tier/", partners_tiers_api.TierView.as_view(), name="tier"),
    path("tier/history/", partners_tiers_api.TierHistoryView.as_view(), name="tier-history"),
    path("mdf/balances/", mdf_api.BalancesView.as_view(), name="mdf-balances"),
    path("staff/enablement/completions/", enablement_imports_api.CompletionImportView.as_view(),
         name="staff-enablement-completions"),
    path("", include("analytics.api_urls")),  # analytics: KPIs and health scores
    *router.urls,
    re_path(r"^", not_found),
]
