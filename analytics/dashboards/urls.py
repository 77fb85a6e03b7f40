"""Staff dashboards under /staff/analytics/ (namespace "analytics", see analytics/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.csv", views.dashboard_csv, name="dashboard_csv"),
    path("regions/<slug:code>/", views.dashboard_region, name="dashboard_region"),
    path("regions/<slug:code>/scorecard.pdf", views.scorecard, name="scorecard"),
]
