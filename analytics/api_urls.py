"""/api/v1/ endpoints of analytics: partner KPIs, staff regional KPIs, health scores (mounted in prm/api_urls.py)."""

from django.urls import path

from analytics.home import api as home_api

urlpatterns = [
    path("kpis/", home_api.PartnerKpisView.as_view(), name="kpis"),
    path("health/", home_api.PartnerHealthView.as_view(), name="health"),
    path("staff/kpis/regions/", home_api.StaffRegionKpisView.as_view(), name="staff-kpis-regions"),
    path("staff/kpis/regions/<slug:code>/", home_api.StaffRegionKpisDetailView.as_view(),
         name="staff-kpis-region"),
    path("staff/health/<int:partner_id>/", home_api.StaffPartnerHealthView.as_view(), name="staff-health"),
]
