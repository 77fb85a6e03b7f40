from django.urls import path

from .views import portal

app_name = "partners"

urlpatterns = [
    path("", portal.home, name="home"),
    path("organisation/", portal.organization_detail, name="organization"),
    path("team/", portal.team, name="team"),
    path("team/invite/", portal.invite, name="invite"),
    path("team/<int:pk>/", portal.member_detail, name="member_detail"),
    path("team/<int:pk>/remove/", portal.member_remove, name="member_remove"),
    path("team/invitations/<int:pk>/revoke/", portal.invitation_revoke_view, name="invitation_revoke"),
    path("switch/", portal.switch_partner, name="switch"),
]
