"""Bad input never answers 500: every malformed request gets a 4xx with the error body."""

import pytest

from .helpers import assert_error

HUGE = "9" * 30


@pytest.mark.parametrize(
    "method, path, body, status",
    [
        ("patch", "/api/v1/me/", "[1, 2]", 400),
        ("patch", "/api/v1/me/", "{not json", 400),
        ("patch", "/api/v1/me/", '{"full_name": "' + "x" * 300 + '"}', 400),
        ("patch", "/api/v1/me/", '{"timezone": null}', 400),
        ("get", f"/api/v1/members/{HUGE}/", None, 404),
        ("patch", f"/api/v1/members/{HUGE}/", "{}", 404),
        ("get", "/api/v1/members/-1/", None, 404),
        ("get", "/api/v1/members/?page=abc", None, 404),
        ("post", "/api/v1/invitations/", '{"email": ["a@example.com"]}', 400),
        ("post", "/api/v1/invitations/", '{"email": "a@example.com", "language": null}', 400),
        ("post", "/api/v1/invitations/", "[]", 400),
        ("get", f"/api/v1/staff/partners/{HUGE}/", None, 404),
        ("get", f"/api/v1/staff/partners/?region={'9' * 20}", None, 200),
        ("get", f"/api/v1/staff/partners/?region={'x' * 50}", None, 400),
    ],
)
def test_malformed_requests_get_4xx(api_client, bearer, admin_a, operator, method, path, body, status):
    user = operator if "/staff/" in path else admin_a
    kwargs = {"data": body, "content_type": "application/json"} if body is not None else {}
    response = getattr(api_client, method)(path, **bearer(user), **kwargs)
    if status == 200:
        assert response.status_code == 200
    else:
        assert_error(response, status)


def test_partner_header_naming_no_own_partner_is_404(api_client, bearer, user_a, partner_a):
    # A header the caller cannot turn into one of their partners never falls back to another partner.
    for value in ("abc", HUGE, "-1"):
        response = api_client.get("/api/v1/partner/", HTTP_X_PARTNER_ID=value, **bearer(user_a))
        assert_error(response, 404)
