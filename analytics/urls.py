from django.urls import path

from .views import staff

app_name = "analytics"
urlpatterns = [path("", staff.staff_home, name="staff_home")]
