"""/portal/mdf/: the partner's funds and their ledgers, requests (activities), claims with proof, and downloads.

views/portal.py: overview, fund ledger, the request form and the activity page; views/claims.py: the claim
panel's actions, the claim summary PDF and the proof download.
"""

from django.urls import path

from .views import claims, portal

app_name = "mdf"

urlpatterns = [
    path("", portal.overview, name="overview"),
    path("funds/<int:pk>/", portal.fund_detail, name="fund_detail"),
    path("activities/new/", portal.activity_create_view, name="activity_create"),
    path("activities/share/", portal.vendor_share_preview, name="vendor_share_preview"),
    path("activities/<int:pk>/", portal.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", portal.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/submit/", portal.activity_submit_view, name="activity_submit"),
    path("activities/<int:pk>/cancel/", portal.activity_cancel_view, name="activity_cancel"),
    # The claim panel of an activity (views/claims.py)
    path("activities/<int:pk>/claim/start/", claims.claim_start_view, name="claim_start"),
    path("activities/<int:pk>/claim/", claims.claim_update_view, name="claim_update"),
    path("activities/<int:pk>/claim/submit/", claims.claim_submit_view, name="claim_submit"),
    path("activities/<int:pk>/claim/proof/", claims.proof_add_view, name="proof_add"),
    path("activities/<int:pk>/claim/summary.pdf", claims.claim_summary_pdf, name="claim_summary_pdf"),
    path("proof/<int:pk>/", claims.proof_download, name="proof_download"),
    path("proof/<int:pk>/remove/", claims.proof_remove_view, name="proof_remove"),
]
