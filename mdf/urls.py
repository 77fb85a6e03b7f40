"""/portal/mdf/: the partner's funds, activities (requests), claims with proof, and their downloads."""

from django.urls import path

from .views import portal

app_name = "mdf"

urlpatterns = [
    path("", portal.overview, name="overview"),
    path("activities/<int:pk>/", portal.activity_detail, name="activity_detail"),
    path("proof/<int:pk>/", portal.proof_download, name="proof_download"),
]
