"""/portal/deals/: the partner's registrations (views/portal.py) and multi-partner deals (views/participants.py)."""

from django.urls import path

from .views import outcomes as outcome_views
from .views import participants as participant_views
from .views import portal

app_name = "dealreg"

urlpatterns = [
    path("", portal.deal_list, name="deal_list"),
    path("new/", portal.deal_create_view, name="deal_create"),
    path("rules/", portal.rules, name="rules"),
    path("hint/", portal.conflict_hint_view, name="conflict_hint"),
    path("<int:pk>/", portal.deal_detail, name="deal_detail"),
    path("<int:pk>/edit/", portal.deal_edit, name="deal_edit"),
    path("<int:pk>/submit/", portal.deal_submit_view, name="deal_submit"),
    path("<int:pk>/withdraw/", portal.deal_withdraw_view, name="deal_withdraw"),
    path("<int:pk>/delete/", portal.deal_delete_view, name="deal_delete"),
    path("<int:pk>/extension/", portal.extension_request_view, name="extension_request"),
]

# Multi-partner deals (dealreg/views/participants.py)
urlpatterns += [
    path("shared/", participant_views.shared_deal_list, name="shared_deal_list"),
    path("shared/<int:pk>/", participant_views.shared_deal_detail, name="shared_deal_detail"),
    path("shared/<int:pk>/respond/", participant_views.shared_deal_respond, name="shared_deal_respond"),
    path("<int:pk>/participants/", participant_views.participants, name="participants"),
    path("<int:pk>/participants/<int:participant_pk>/withdraw/", participant_views.participant_withdraw_view,
         name="participant_withdraw"),
    path("participants/partners/", participant_views.partner_search, name="participant_partner_search"),
]

# Outcomes (dealreg/views/outcomes.py): close a registration as won or lost.
urlpatterns += [
    path("<int:pk>/outcome/", outcome_views.deal_outcome, name="deal_close_won"),
]
