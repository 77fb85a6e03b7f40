"""Answering: the public single-use link (/psat/<token>/) and the signed-in page from the portal card.

Single use (a second submit is refused, one response in the database), expired and unknown links, anonymity
(no person stored, only the day), validation with translated errors and nothing saved, the token decides the
partner, the invitee's language, CSRF, the honeypot and the rate limit."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from analytics.models import PsatInvitation, PsatResponse, PsatSurvey
from analytics.psat.selectors import open_invitation_for
from analytics.psat.services import PsatLinkError, submit_member_response, submit_response
from partners.models import Membership
from prm.tenancy.scoping import ScopeError, partner_scope, unscoped
from tests.analytics.psat_helpers import invite, quarterly
from tests.factories import make_member

pytestmark = pytest.mark.django_db

QUESTION = "How likely are you to recommend working with us as a partner?"


def responses():
    with unscoped():
        return list(PsatResponse.objects.values("partner_id", "user_id", "score", "comment", "survey_id"))


def used_at(invitation):
    with unscoped():
        return PsatInvitation.objects.get(pk=invitation.pk).used_at


def url(raw):
    return reverse("psat:answer", args=[raw])


# --- the page -------------------------------------------------------------------------------------------------


def test_the_link_shows_the_question_in_the_invitees_language_without_sign_in(client, partner_a, user_a):
    user_a.preferred_language = "de"
    user_a.save(update_fields=["preferred_language"])
    _invitation, raw = invite(partner_a, user_a)
    response = client.get(url(raw))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="de"' in html
    assert QUESTION in html or translation.gettext(QUESTION) in html
    assert html.count('type="radio" name="score"') == 11
    assert 'name="anonymous"' in html  # the default survey allows anonymous answers
    assert partner_a.name in html
    assert response["X-Robots-Tag"] == "noindex"
    assert used_at(_invitation) is None  # looking is not answering (mail scanners open links)


def test_the_language_switcher_wins_over_the_invitees_language(client, partner_a, user_a):
    user_a.preferred_language = "de"
    user_a.save(update_fields=["preferred_language"])
    _invitation, raw = invite(partner_a, user_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert '<html lang="fr"' in client.get(url(raw)).content.decode()


def test_no_anonymous_choice_when_the_survey_does_not_allow_it(client, partner_a, user_a):
    _invitation, raw = invite(partner_a, user_a, quarterly(allow_anonymous=False))
    assert 'name="anonymous"' not in client.get(url(raw)).content.decode()


def test_unknown_and_malformed_links_answer_404(client):
    assert client.get(url("x" * 43)).status_code == 404
    assert client.get(url("not-a-token")).status_code == 404
    response = client.post(url("y" * 43), {"score": "9"})
    assert response.status_code == 404
    assert "This survey link is not valid." in response.content.decode()
    assert responses() == []


# --- submitting -----------------------------------------------------------------------------------------------


def test_a_link_records_one_answer_and_then_refuses_a_second(client, partner_a, user_a):
    invitation, raw = invite(partner_a, user_a)
    response = client.post(url(raw), {"score": "9", "comment": "  Quick approvals.  "})
    assert response.status_code == 302 and response["Location"] == reverse("psat:thanks")
    assert client.get(response["Location"]).status_code == 200
    assert responses() == [{"partner_id": partner_a.pk, "user_id": user_a.pk, "score": 9,
                            "comment": "Quick approvals.", "survey_id": invitation.survey_id}]
    assert used_at(invitation) is not None

    again = client.post(url(raw), {"score": "2", "comment": "changed my mind"})
    assert again.status_code == 410
    assert "You have already answered this survey." in again.content.decode()
    assert len(responses()) == 1 and responses()[0]["score"] == 9
    assert client.get(url(raw)).status_code == 410


def test_the_service_refuses_a_second_submit_with_a_clear_error(partner_a, user_a):
    _invitation, raw = invite(partner_a, user_a)
    submit_response(token=raw, score=7)
    with pytest.raises(PsatLinkError) as refused:
        submit_response(token=raw, score=8)
    assert refused.value.code == "used"
    assert "already been answered" in refused.value.messages[0]
    with translation.override("de"):  # the message goes through gettext in the active language
        with pytest.raises(PsatLinkError):
            submit_response(token=raw, score=8)
    assert len(responses()) == 1


def test_an_expired_link_records_nothing(client, partner_a, user_a):
    invitation, raw = invite(partner_a, user_a, days=30, sent_at=timezone.now() - timedelta(days=31))
    page = client.get(url(raw))
    assert page.status_code == 410 and "This survey link has expired." in page.content.decode()
    assert client.post(url(raw), {"score": "9"}).status_code == 410
    with pytest.raises(PsatLinkError) as refused:
        submit_response(token=raw, score=9)
    assert refused.value.code == "expired"
    assert responses() == [] and used_at(invitation) is None


def test_a_person_who_left_the_partner_can_no_longer_answer(client, partner_a, user_a):
    _invitation, raw = invite(partner_a, user_a)
    with partner_scope(partner_a):
        Membership.objects.filter(user=user_a).update(is_active=False)
    response = client.post(url(raw), {"score": "9"})
    assert response.status_code == 410 and "This survey is closed." in response.content.decode()
    assert responses() == []


def test_an_anonymous_answer_keeps_the_partner_but_not_the_person_nor_the_time(client, partner_a, user_a):
    invitation, raw = invite(partner_a, user_a)
    assert client.post(url(raw), {"score": "3", "comment": "Slow MDF payments", "anonymous": "on"}).status_code == 302
    [row] = responses()
    assert row["user_id"] is None and row["partner_id"] == partner_a.pk and row["score"] == 3
    with unscoped():
        stored = PsatResponse.objects.get()
    assert stored.is_anonymous
    midnight = (stored.submitted_at.hour, stored.submitted_at.minute, stored.submitted_at.second,
                stored.submitted_at.microsecond)
    assert midnight == (0, 0, 0, 0)
    assert used_at(invitation) == stored.submitted_at  # the invitation keeps the day only, too


def test_anonymous_is_refused_where_the_survey_does_not_allow_it(client, partner_a, user_a):
    _invitation, raw = invite(partner_a, user_a, quarterly(allow_anonymous=False))
    with pytest.raises(Exception) as refused:
        submit_response(token=raw, score=5, anonymous=True)
    assert refused.value.message_dict == {"anonymous": ["This survey does not take anonymous answers."]}
    forged = client.post(url(raw), {"score": "5", "anonymous": "on"})  # the box is not on the page
    assert forged.status_code == 400
    assert "This survey does not take anonymous answers." in forged.content.decode()
    assert responses() == []


@pytest.mark.parametrize("score", ["11", "-1", "abc", "", "7.5"])
def test_a_bad_score_is_refused_with_a_translated_error_and_nothing_saved(client, partner_a, user_a, score):
    invitation, raw = invite(partner_a, user_a)
    response = client.post(url(raw), {"score": score})
    assert response.status_code == 400
    assert "Choose a score from 0 to 10." in response.content.decode()
    assert responses() == [] and used_at(invitation) is None


def test_the_score_error_is_in_the_pages_language(client, partner_a, user_a):
    _invitation, raw = invite(partner_a, user_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.post(url(raw), {"score": "12"})
    with translation.override("de"):
        expected = translation.gettext("Choose a score from 0 to 10.")
    assert response.status_code == 400 and expected in response.content.decode()


@pytest.mark.parametrize("score", [11, -1, True, 7.5, None, "ten"])
def test_the_service_validates_the_score(partner_a, user_a, score):
    _invitation, raw = invite(partner_a, user_a)
    with pytest.raises(Exception) as refused:
        submit_response(token=raw, score=score)
    assert refused.value.message_dict == {"score": ["Choose a score from 0 to 10."]}
    assert responses() == []


def test_edges_of_the_scale_and_the_comment_limit(client, partner_a, user_a, admin_a):
    _one, raw_one = invite(partner_a, user_a)
    _two, raw_two = invite(partner_a, admin_a)
    too_long = client.post(url(raw_one), {"score": "0", "comment": "x" * 2001})
    assert too_long.status_code == 400
    assert "Keep the comment to 2000 characters or fewer (it has 2001)." in too_long.content.decode()
    with pytest.raises(Exception) as refused:
        submit_response(token=raw_one, score=0, comment="y" * 2001)
    assert list(refused.value.message_dict) == ["comment"]
    assert responses() == []
    assert client.post(url(raw_one), {"score": "0", "comment": "x" * 2000}).status_code == 302
    assert submit_response(token=raw_two, score="10").score == 10
    assert sorted(r["score"] for r in responses()) == [0, 10]


def test_the_token_decides_the_partner_and_the_person_whoever_submits_it(client, partner_a, partner_b, user_a,
                                                                          user_b):
    invitation, raw = invite(partner_a, user_a)
    client.force_login(user_b)  # signed in as someone of another partner: the link still answers for its owner
    assert client.post(url(raw), {"score": "8"}).status_code == 302
    assert responses() == [{"partner_id": partner_a.pk, "user_id": user_a.pk, "score": 8, "comment": "",
                            "survey_id": invitation.survey_id}]
    with partner_scope(partner_b):
        assert PsatResponse.objects.count() == 0


def test_the_honeypot_records_nothing_and_keeps_the_link(client, partner_a, user_a):
    invitation, raw = invite(partner_a, user_a)
    response = client.post(url(raw), {"score": "10", "homepage": "http://spam.example"})
    assert response.status_code == 302 and response["Location"] == reverse("psat:thanks")
    assert responses() == [] and used_at(invitation) is None


def test_the_form_is_csrf_protected(partner_a, user_a):
    _invitation, raw = invite(partner_a, user_a)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(url(raw), {"score": "9"}).status_code == 403
    page = strict.get(url(raw))
    token = page.cookies[settings.CSRF_COOKIE_NAME].value
    assert strict.post(url(raw), {"score": "9", "csrfmiddlewaretoken": token}).status_code == 302
    assert len(responses()) == 1


def test_links_are_rate_limited_per_address(client, partner_a, user_a, settings):
    from django.core.cache import cache

    cache.clear()
    settings.PRM_PSAT_RATE_LIMIT = (2, 600)
    _invitation, raw = invite(partner_a, user_a)
    assert client.get(url(raw)).status_code == 200
    assert client.get(url("z" * 43)).status_code == 404
    limited = client.post(url(raw), {"score": "9"})
    assert limited.status_code == 429 and "Too many requests" in limited.content.decode()
    assert responses() == []
    cache.clear()


# --- the portal card and its signed-in page ---------------------------------------------------------------------


def test_open_invitation_for_the_card(partner_a, partner_b, user_a, admin_a):
    with pytest.raises(ScopeError):  # it reads in the caller's (the portal's) scope
        open_invitation_for(user=user_a, partner=partner_a)
    from datetime import date

    _old, _raw_old = invite(partner_a, user_a, quarterly(date(2026, 1, 1)),
                            sent_at=timezone.now() - timedelta(days=40))  # expired
    current = quarterly(date(2026, 4, 1))
    mine, raw = invite(partner_a, user_a, current)
    invite(partner_a, admin_a, current)
    with partner_scope(partner_a):
        assert open_invitation_for(user=user_a, partner=partner_a) == mine
    submit_response(token=raw, score=9)
    with partner_scope(partner_a):
        assert open_invitation_for(user=user_a, partner=partner_a) is None
    with partner_scope(partner_b):
        assert open_invitation_for(user=user_a, partner=partner_b) is None


def test_the_signed_in_page_answers_for_the_invitee_only(client, partner_a, user_a, admin_a, user_b):
    invitation, _raw = invite(partner_a, user_a)
    page = reverse("psat:member_answer", args=[invitation.pk])
    assert client.get(page).status_code == 302  # sign in first
    for other in (user_b, admin_a):  # another partner's member, and a colleague of the same partner
        client.force_login(other)
        assert client.get(page).status_code == 404
        assert client.post(page, {"score": "1"}).status_code == 404
    assert responses() == []
    client.force_login(user_a)
    assert QUESTION in client.get(page).content.decode()
    assert client.post(page, {"score": "6", "comment": "ok"}).status_code == 302
    assert responses() == [{"partner_id": partner_a.pk, "user_id": user_a.pk, "score": 6, "comment": "ok",
                            "survey_id": invitation.survey_id}]
    assert client.post(page, {"score": "6"}).status_code == 410


def test_the_member_service_refuses_someone_elses_invitation(partner_a, user_a, admin_a):
    invitation, _raw = invite(partner_a, user_a)
    with pytest.raises(PsatLinkError) as refused:
        submit_member_response(invitation_id=invitation.pk, user=admin_a, score=5)
    assert refused.value.code == "unknown"
    assert responses() == []


def test_the_card_partial_links_to_the_signed_in_page(partner_a, user_a):
    from django.template.loader import render_to_string

    invitation, _raw = invite(partner_a, user_a)
    html = render_to_string("analytics/psat/_card.html", {"psat_invitation": invitation})
    assert reverse("psat:member_answer", args=[invitation.pk]) in html
    assert render_to_string("analytics/psat/_card.html", {"psat_invitation": None}).strip() == ""


def test_event_surveys_introduce_the_event(client, partner_a, user_a):
    _invitation, raw = invite(partner_a, user_a, PsatSurvey.objects.create(kind=PsatSurvey.Kind.CLAIM_PAID),
                              reason="claim:1")
    assert "One of your MDF claims was paid recently." in client.get(url(raw)).content.decode()


def test_a_new_member_token_for_partner_a_never_counts_for_partner_b(partner_a, partner_b, user_a):
    both = make_member(partner=partner_b, user=user_a)  # the person is in both partners
    assert both.partner_id == partner_b.pk
    _invitation, raw = invite(partner_a, user_a)
    submit_response(token=raw, score=4)
    assert [r["partner_id"] for r in responses()] == [partner_a.pk]
    with partner_scope(partner_b):
        assert PsatResponse.objects.count() == 0
