"""The browsable API (HTML, for signed-in people) renders inside the caller's scope, never a 500."""

import pytest

from partners.models import Membership
from prm.tenancy.scoping import partner_scope


@pytest.mark.parametrize(
    "path", ["/api/v1/me/", "/api/v1/partner/", "/api/v1/members/", "member", "/api/v1/invitations/"]
)
def test_partner_endpoints_render_as_html(client, admin_a, partner_a, user_b, path):
    if path == "member":
        with partner_scope(partner_a):
            path = f"/api/v1/members/{Membership.objects.get(user=admin_a).pk}/"
    client.force_login(admin_a)
    response = client.get(path, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert user_b.email not in response.content.decode()


def test_staff_endpoints_render_as_html(client, operator, partner_a):
    client.force_login(operator)
    for path in ("/api/v1/staff/partners/", f"/api/v1/staff/partners/{partner_a.pk}/"):
        response = client.get(path, HTTP_ACCEPT="text/html")
        assert response.status_code == 200 and partner_a.name in response.content.decode()
