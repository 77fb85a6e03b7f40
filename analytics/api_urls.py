"""/api/v1/ endpoints of analytics: partner KPIs, staff regional KPIs, health scores (mounted in prm/api_urls.py)."""

urlpatterns: list = []
