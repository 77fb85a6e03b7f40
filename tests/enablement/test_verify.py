"""The public certificate check /verify/<code>/: no sign-in, no scope; the holder, the certification and its
validity only (never the partner), a friendly 404 for an unknown code, and a per-IP limit on lookups."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from enablement.models import CertificationAward
from prm.tenancy.scoping import partner_scope

from .portal_helpers import award, expire, learner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def held(partner_a):
    person = learner(partner_a)
    person.full_name = "Grete Müller"
    person.save()
    return award(partner_a, person)


def url(code: str) -> str:
    return reverse("certificate_verify", args=[code])


def test_the_url_is_public_and_outside_the_portal(held):
    assert url(held.verification_code) == f"/verify/{held.verification_code}/"


def test_a_valid_certificate_shows_holder_certification_and_dates_and_nothing_about_the_partner(client, partner_a, held):
    response = client.get(url(held.verification_code))
    html = response.content.decode()
    assert response.status_code == 200 and 'data-status="valid"' in html
    assert "Grete Müller" in html and "Certified Engineer" in html
    assert held.expires_on.strftime("%Y") in html
    assert partner_a.name not in html and "Alpha" not in html
    assert held.user.email not in html and partner_a.legal_name not in html
    assert 'name="robots" content="noindex"' in html


def test_the_page_speaks_the_visitors_language(client, held):
    html = client.get(url(held.verification_code), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Zertifizierter Ingenieur" in html and '<html lang="de"' in html
    with translation.override("de"):
        assert gettext("This certificate is valid.") in html


def test_codes_are_read_whatever_their_case_spaces_or_dashes(client, held):
    code = held.verification_code
    typed = f"{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}".lower()
    assert client.get(url(typed)).status_code == 200


def test_expired_and_revoked_certificates_say_so(client, partner_a, held):
    expire(held, days_ago=10)
    html = client.get(url(held.verification_code)).content.decode()
    expired_on = (timezone.localdate() - timedelta(days=10))
    assert 'data-status="expired"' in html and "expired on" in html and str(expired_on.day) in html
    with partner_scope(partner_a):
        CertificationAward.objects.filter(pk=held.pk).update(revoked_at=timezone.now())
    html = client.get(url(held.verification_code)).content.decode()
    assert 'data-status="revoked"' in html and 'data-status="valid"' not in html


def test_an_unknown_code_is_a_friendly_404(client, held):
    for code in ("ABCDEFGHJKLMNPQR", "not-a-code", "x" * 200):
        response = client.get(url(code))
        assert response.status_code == 404
        with translation.override("en"):
            assert gettext("There is no certificate with this code.") in response.content.decode()
        assert "Grete" not in response.content.decode()


def test_a_malformed_code_never_reaches_the_database(client):
    client.get(url("AAAA"))  # warm up
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("not a code")).status_code == 404
    assert not any("enablement_certificationaward" in q["sql"] for q in queries.captured_queries)


@override_settings(PRM_VERIFY_RATE_LIMIT=(3, 600))
def test_lookups_are_limited_per_address(client, held):
    for _n in range(3):
        assert client.get(url("ABCDEFGHJKLMNPQR"), REMOTE_ADDR="198.51.100.7").status_code == 404
    blocked = client.get(url(held.verification_code), REMOTE_ADDR="198.51.100.7")
    assert blocked.status_code == 429 and "Grete" not in blocked.content.decode()
    with translation.override("en"):
        assert gettext("Too many certificate checks were made from your network. Please try again in a few "
                       "minutes.") in blocked.content.decode()
    assert client.get(url(held.verification_code), REMOTE_ADDR="198.51.100.8").status_code == 200


def test_a_signed_in_member_of_another_partner_sees_the_same(client, held, user_b, partner_a):
    client.force_login(user_b)
    html = client.get(url(held.verification_code)).content.decode()
    assert "Grete Müller" in html and partner_a.name not in html
