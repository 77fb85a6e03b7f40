"""/account/: name, language (switches at once, cookie set) and time zone; /account/security/ links to MFA and sessions."""

from django.conf import settings
from django.urls import reverse

from prm.common.models import AuditEvent

PROFILE = "/account/"


def test_profile_form_shows_current_values(client, user_a):
    client.force_login(user_a)
    response = client.get(PROFILE)
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["full_name"] == user_a.full_name
    assert 'name="timezone"' in response.content.decode()


def test_profile_saves_and_switches_language_at_once(client, user_a):
    client.force_login(user_a)
    response = client.post(
        PROFILE, {"full_name": " Anna Weber ", "preferred_language": "fr", "timezone": "Europe/Paris"}
    )
    assert response.status_code == 302 and response["Location"] == PROFILE
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    user_a.refresh_from_db()
    assert (user_a.full_name, user_a.preferred_language, user_a.timezone) == ("Anna Weber", "fr", "Europe/Paris")
    assert AuditEvent.objects.filter(action="accounts.profile.changed", actor=user_a).exists()
    page = client.get(PROFILE)
    assert page.context["LANGUAGE_CODE"] == "fr"
    assert '<html lang="fr"' in page.content.decode()


def test_invalid_profile_shows_errors_and_saves_nothing(client, user_a):
    client.force_login(user_a)
    before = (user_a.full_name, user_a.preferred_language, user_a.timezone)
    response = client.post(PROFILE, {"full_name": "New", "preferred_language": "xx", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"preferred_language", "timezone"}
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    user_a.refresh_from_db()
    assert (user_a.full_name, user_a.preferred_language, user_a.timezone) == before


def test_security_page_links_to_mfa_and_sessions(client, user_a):
    client.force_login(user_a)
    html = client.get("/account/security/").content.decode()
    assert f'href="{reverse("mfa_index")}"' in html
    assert f'href="{reverse("usersessions_list")}"' in html
    assert reverse("mfa_index") == "/accounts/2fa/" and reverse("usersessions_list") == "/accounts/sessions/"
