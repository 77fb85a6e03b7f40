from django.urls import include, path

from .views import staff

app_name = "analytics"
urlpatterns = [
    path("", staff.staff_home, name="staff_home"),
    path("analytics/", include("analytics.dashboards.urls")),
]
