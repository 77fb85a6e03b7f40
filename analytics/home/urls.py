"""/portal/performance/ (mounted in prm/urls.py with the namespace "analytics_portal")."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.performance, name="performance"),
]
