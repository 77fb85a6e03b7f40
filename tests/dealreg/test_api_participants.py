"""Multi-partner deals and outcomes in the partner API: invite / list / remove participants on your own
registrations, accept or decline invitations addressed to you, see shared deals (only what the portal shows
a participant), close as won or lost. 400 with field errors; another partner's objects answer 404; a
participant can neither change nor close the deal."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dealreg.models import Deal, DealParticipant
from partners.models import Membership
from prm.accounts.services import api_token_create
from prm.notifications.models import Notification
from prm.tenancy.scoping import unscoped
from tests.api.helpers import assert_error
from tests.factories import PartnerFactory, make_member

from .engine_helpers import make_deal, make_participant, make_rate

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Margin is 42 percent, do not tell"
SECRET_DESCRIPTION = "Internal pricing plan for the board"
VALUE = Decimal("987654.00")
TODAY = timezone.localdate()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def bearer():
    def make(user):
        _, raw_key = api_token_create(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}

    return make


@pytest.fixture
def partner_c(region_a):
    return PartnerFactory(name="Gamma Integrators SL", region=region_a, country="ES")


@pytest.fixture
def admin_c(partner_c):
    return make_member(partner=partner_c, role=Membership.Role.ADMIN).user


@pytest.fixture
def deal_a(partner_a, admin_a):
    return make_deal(partner=partner_a, customer_name="Initech Software GmbH", customer_domain="initech.de",
                     status=Deal.Status.APPROVED, value=VALUE, private_notes=SECRET_NOTE, registered_by=admin_a,
                     stage=Deal.Stage.PROPOSAL, description=SECRET_DESCRIPTION)


def participants_url(deal) -> str:
    return reverse("api:deal-participants", args=[deal.pk])


def participant_url(deal, participant_pk) -> str:
    return reverse("api:deal-participant-detail", kwargs={"pk": deal.pk, "participant_pk": participant_pk})


def shared_url(name: str, participant_pk) -> str:
    return reverse(f"api:deal-shared-{name}", kwargs={"participant_pk": participant_pk})


def close_url(deal) -> str:
    return reverse("api:deal-close", args=[deal.pk])


def reload(deal) -> Deal:
    with unscoped():
        return Deal.objects.get(pk=deal.pk)


def participant_row(pk) -> DealParticipant:
    with unscoped():
        return DealParticipant.objects.get(pk=pk)


# --- the registering partner --------------------------------------------------------------------------------

def test_invite_list_and_remove_participants(api, bearer, admin_a, admin_b, partner_b, partner_c, deal_a):
    headers = bearer(admin_a)
    created = api.post(participants_url(deal_a), {"partner_id": partner_b.pk, "role": "implementer", "share": "30"},
                       format="json", **headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["partner_id"], body["partner_name"], body["role"], body["share"], body["status"]) == (
        partner_b.pk, partner_b.name, "implementer", "30.00", "invited")
    assert Notification.objects.get(kind="dealreg.participant_invited").recipient == admin_b
    api.post(participants_url(deal_a), {"partner_id": partner_c.pk, "role": "distributor", "share": "70"},
             format="json", **headers)
    listed = api.get(participants_url(deal_a), **headers).json()
    assert [(p["partner_name"], p["share"]) for p in listed] == [(partner_b.name, "30.00"), (partner_c.name, "70.00")]

    removed = api.delete(participant_url(deal_a, body["id"]), **headers)
    assert removed.status_code == 204
    assert participant_row(body["id"]).status == DealParticipant.Status.REMOVED
    # the share is free again: 30 more fit next to the distributor's 70
    again = api.post(participants_url(deal_a), {"partner_id": partner_b.pk, "role": "influencer", "share": "30"},
                     format="json", **headers)
    assert again.status_code == 201, again.content
    assert_error(api.delete(participant_url(deal_a, body["id"]), **headers), 400, "invalid")  # already removed


def test_invite_errors_are_400_on_the_field(api, bearer, admin_a, partner_a, partner_b, partner_c, deal_a):
    headers = bearer(admin_a)
    make_participant(deal=deal_a, partner=partner_c, share="80", status=DealParticipant.Status.ACCEPTED)

    def invite(**data):
        return api.post(participants_url(deal_a), {"partner_id": partner_b.pk, "role": "influencer", "share": "10",
                                                   **data}, format="json", **headers)

    assert "share" in assert_error(invite(share="25"), 400, "invalid")["fields"]  # 80 + 25 > 100
    assert "share" in assert_error(invite(share="101"), 400, "invalid")["fields"]
    assert "role" in assert_error(invite(role="reseller"), 400, "invalid")["fields"]
    assert "partner_id" in assert_error(invite(partner_id=partner_a.pk), 400, "invalid")["fields"]  # itself
    assert "partner_id" in assert_error(invite(partner_id=partner_c.pk), 400, "invalid")["fields"]  # already on it
    assert "partner_id" in assert_error(invite(partner_id=987654), 400, "invalid")["fields"]
    assert "partner_id" in assert_error(invite(partner_id="abc"), 400, "invalid")["fields"]
    assert invite(share="20").status_code == 201  # exactly 100 is fine
    with unscoped():
        assert DealParticipant.objects.filter(deal=deal_a).count() == 2


def test_no_invitation_onto_a_closed_registration(api, bearer, admin_a, partner_a, partner_b):
    lost = make_deal(partner=partner_a, status=Deal.Status.LOST)
    response = api.post(participants_url(lost), {"partner_id": partner_b.pk, "role": "influencer", "share": "10"},
                        format="json", **bearer(admin_a))
    assert "non_field_errors" in assert_error(response, 400, "invalid")["fields"]


def test_directory_of_invitable_partners(api, bearer, admin_a, partner_a, partner_b, partner_c):
    url = reverse("api:deal-invitable-partners")
    headers = bearer(admin_a)
    found = api.get(url, {"q": "Solutions"}, **headers).json()
    assert found == [{"id": partner_b.pk, "name": partner_b.name}]
    assert api.get(url, {"q": "Alpha"}, **headers).json() == []  # not itself
    assert "q" in assert_error(api.get(url, {"q": "x"}, **headers), 400, "invalid")["fields"]
    assert "q" in assert_error(api.get(url, **headers), 400, "invalid")["fields"]


def test_another_partners_deal_and_participants_answer_404(api, bearer, admin_a, admin_b, partner_b, partner_c,
                                                           deal_a):
    participant = make_participant(deal=deal_a, partner=partner_c, status=DealParticipant.Status.INVITED)
    headers = bearer(admin_b)
    assert_error(api.get(participants_url(deal_a), **headers), 404)
    assert_error(api.post(participants_url(deal_a), {"partner_id": partner_b.pk, "role": "influencer", "share": "5"},
                          format="json", **headers), 404)
    assert_error(api.delete(participant_url(deal_a, participant.pk), **headers), 404)
    assert participant_row(participant.pk).status == DealParticipant.Status.INVITED
    # a participation that is not on this deal, on the caller's own deal: 404 too
    own = make_deal(partner=partner_b, customer_name="Hooli", customer_domain="hooli.xyz")
    assert_error(api.delete(participant_url(own, participant.pk), **headers), 404)


def test_reading_needs_no_capability_writing_does(api, bearer, partner_a, partner_b, deal_a):
    reader = make_member(partner=partner_a, role=Membership.Role.USER, can_register_deals=False).user
    headers = bearer(reader)
    participant = make_participant(deal=deal_a, partner=partner_b)
    assert api.get(participants_url(deal_a), **headers).status_code == 200
    assert_error(api.post(participants_url(deal_a), {"partner_id": partner_b.pk, "role": "influencer", "share": "5"},
                          format="json", **headers), 403)
    assert_error(api.delete(participant_url(deal_a, participant.pk), **headers), 403)
    assert_error(api.post(close_url(deal_a), {"outcome": "lost", "lost_reason": "Budget cut"}, format="json",
                          **headers), 403)


# --- the invited partner ------------------------------------------------------------------------------------

def test_invited_partner_sees_only_what_the_portal_shows_then_accepts(api, bearer, admin_a, admin_b, partner_b,
                                                                     partner_c, deal_a):
    mine = make_participant(deal=deal_a, partner=partner_b, role="implementer", share="30",
                            status=DealParticipant.Status.INVITED)
    make_participant(deal=deal_a, partner=partner_c, role="distributor", share="45")  # other terms: private
    headers = bearer(admin_b)

    listed = api.get(reverse("api:deal-shared-list"), **headers)
    assert listed.status_code == 200
    pending = listed.json()["results"]
    assert [(s["id"], s["status"], s["customer_name"], s["deal"]) for s in pending] == [
        (mine.pk, "invited", "Initech Software GmbH", None)]

    accepted = api.post(shared_url("accept", mine.pk), format="json", **headers)
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["status"] == "accepted" and body["role"] == "implementer" and body["share"] == "30.00"
    assert body["registering_partner_name"] == "Alpha Systems GmbH"
    assert body["deal"] == {"reference": deal_a.reference, "customer_name": "Initech Software GmbH",
                            "customer_domain": "initech.de", "customer_country": "DE", "stage": "proposal",
                            "status": "approved", "expected_close_date": deal_a.expected_close_date.isoformat()}
    assert Notification.objects.filter(kind="dealreg.participant_responded").exists()
    detail = api.get(shared_url("detail", mine.pk), **headers)
    for response in (listed, accepted, detail):
        text = response.content.decode()
        for secret in (SECRET_NOTE, SECRET_DESCRIPTION, "987654", partner_c.name, "45.00", "distributor"):
            assert secret not in text, secret
    # answered once: a second answer is refused
    assert_error(api.post(shared_url("decline", mine.pk), format="json", **headers), 400, "invalid")


def test_declining_hides_the_deal(api, bearer, admin_b, partner_b, deal_a):
    mine = make_participant(deal=deal_a, partner=partner_b, status=DealParticipant.Status.INVITED)
    declined = api.post(shared_url("decline", mine.pk), format="json", **bearer(admin_b))
    assert declined.status_code == 200
    assert (declined.json()["status"], declined.json()["customer_name"], declined.json()["deal"]) == (
        "declined", "", None)
    assert participant_row(mine.pk).status == DealParticipant.Status.DECLINED


def test_invitations_of_another_partner_answer_404(api, bearer, admin_a, admin_c, partner_b, deal_a):
    theirs = make_participant(deal=deal_a, partner=partner_b, status=DealParticipant.Status.INVITED)
    for headers in (bearer(admin_c), bearer(admin_a)):  # a third partner, and the registering partner itself
        assert_error(api.get(shared_url("detail", theirs.pk), **headers), 404)
        assert_error(api.post(shared_url("accept", theirs.pk), format="json", **headers), 404)
        assert_error(api.post(shared_url("decline", theirs.pk), format="json", **headers), 404)
        assert api.get(reverse("api:deal-shared-list"), **headers).json()["results"] == []
    assert participant_row(theirs.pk).status == DealParticipant.Status.INVITED


def test_answering_needs_the_capability(api, bearer, partner_b, deal_a):
    mine = make_participant(deal=deal_a, partner=partner_b, status=DealParticipant.Status.INVITED)
    reader = make_member(partner=partner_b, role=Membership.Role.USER, can_register_deals=False).user
    headers = bearer(reader)
    assert api.get(shared_url("detail", mine.pk), **headers).status_code == 200
    assert_error(api.post(shared_url("accept", mine.pk), format="json", **headers), 403)
    assert participant_row(mine.pk).status == DealParticipant.Status.INVITED


def test_a_participant_can_neither_change_nor_close_the_deal(api, bearer, admin_b, partner_b, deal_a):
    make_participant(deal=deal_a, partner=partner_b, status=DealParticipant.Status.ACCEPTED)
    headers = bearer(admin_b)
    assert_error(api.get(reverse("api:deal-detail", args=[deal_a.pk]), **headers), 404)
    assert_error(api.patch(reverse("api:deal-detail", args=[deal_a.pk]), {"stage": "commit"}, format="json",
                           **headers), 404)
    assert_error(api.post(close_url(deal_a), {"outcome": "won", "amount": "5", "currency": "EUR"}, format="json",
                          **headers), 404)
    assert_error(api.post(reverse("api:deal-withdraw", args=[deal_a.pk]), format="json", **headers), 404)
    deal = reload(deal_a)
    assert (deal.status, deal.stage) == (Deal.Status.APPROVED, Deal.Stage.PROPOSAL)


def test_shared_list_query_count_is_constant(api, admin_b, partner_b, partner_a, django_assert_max_num_queries):
    api.force_login(admin_b)
    url = reverse("api:deal-shared-list")
    make_participant(deal=make_deal(partner=partner_a, customer_name="First Co", customer_domain="first.example"),
                     partner=partner_b)
    api.get(url)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get(url).json()["results"]) == 1
    for n in range(12):
        deal = make_deal(partner=partner_a, customer_name=f"Customer {n}", customer_domain=f"c{n}.example")
        make_participant(deal=deal, partner=partner_b)
    with django_assert_max_num_queries(len(one)):
        assert len(api.get(url).json()["results"]) == 13


# --- outcomes -----------------------------------------------------------------------------------------------

@pytest.fixture
def base_eur(settings):
    settings.BASE_CURRENCY = "EUR"


def test_close_as_won_converts_at_the_close_dates_rate(api, bearer, admin_a, deal_a, base_eur):
    closed_on = TODAY - timedelta(days=5)
    make_rate(closed_on, "USD", "EUR", "0.8")
    response = api.post(close_url(deal_a), {"outcome": "won", "amount": "12500.50", "currency": "USD",
                                            "closed_on": closed_on.isoformat()}, format="json", **bearer(admin_a))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["won_amount"], body["won_currency"], body["closed_at"]) == (
        "won", "12500.50", "USD", closed_on.isoformat())
    deal = reload(deal_a)
    assert deal.won_amount_base == Decimal("10000.40") and deal.fx_rate == Decimal("0.80000000")


def test_close_as_lost_defaults_to_today(api, bearer, admin_a, deal_a):
    response = api.post(close_url(deal_a), {"outcome": "lost", "lost_reason": "The customer chose a competitor."},
                        format="json", **bearer(admin_a))
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["closed_at"], response.json()["lost_reason"]) == (
        "lost", TODAY.isoformat(), "The customer chose a competitor.")


def test_close_errors_are_400_on_the_field_and_save_nothing(api, bearer, admin_a, partner_a, deal_a, base_eur):
    headers = bearer(admin_a)

    def close(**data):
        return api.post(close_url(deal_a), data, format="json", **headers)

    assert {"amount", "currency"} <= set(assert_error(close(outcome="won"), 400, "invalid")["fields"])
    assert "amount" in assert_error(close(outcome="won", amount="0", currency="EUR"), 400)["fields"]
    assert "amount" in assert_error(close(outcome="won", amount="lots", currency="EUR"), 400)["fields"]
    assert "currency" in assert_error(close(outcome="won", amount="10", currency="XXX"), 400)["fields"]
    assert "lost_reason" in assert_error(close(outcome="lost", lost_reason="  "), 400)["fields"]
    assert "outcome" in assert_error(close(outcome="maybe"), 400)["fields"]
    future = (TODAY + timedelta(days=3)).isoformat()
    assert "closed_on" in assert_error(close(outcome="lost", lost_reason="x", closed_on=future), 400)["fields"]
    assert "closed_on" in assert_error(close(outcome="lost", lost_reason="x", closed_on="31/02/2026"), 400)["fields"]
    # no rate for SEK on that day: a clear message, nothing saved
    no_rate = assert_error(close(outcome="won", amount="10", currency="SEK"), 400, "invalid")
    assert "SEK" in str(no_rate["fields"]["non_field_errors"])
    assert reload(deal_a).status == Deal.Status.APPROVED
    # only approved (or expired) registrations are closed by the partner
    waiting = make_deal(partner=partner_a, status=Deal.Status.SUBMITTED, customer_name="Waiting Co",
                        customer_domain="waiting.example")
    response = api.post(close_url(waiting), {"outcome": "lost", "lost_reason": "x"}, format="json", **headers)
    assert "non_field_errors" in assert_error(response, 400, "invalid")["fields"]
    assert reload(waiting).status == Deal.Status.SUBMITTED


def test_closing_another_partners_deal_answers_404(api, bearer, admin_b, deal_a):
    response = api.post(close_url(deal_a), {"outcome": "lost", "lost_reason": "x"}, format="json", **bearer(admin_b))
    assert_error(response, 404)
    assert reload(deal_a).status == Deal.Status.APPROVED


def test_schema_describes_participants_shared_deals_and_outcomes(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    expected = {
        "/api/v1/deals/{id}/participants/": {"get", "post"},
        "/api/v1/deals/{id}/participants/{participant_pk}/": {"delete"},
        "/api/v1/deals/{id}/close/": {"post"},
        "/api/v1/deals/invitable-partners/": {"get"},
        "/api/v1/deals/shared/": {"get"},
        "/api/v1/deals/shared/{participant_pk}/": {"get"},
        "/api/v1/deals/shared/{participant_pk}/accept/": {"post"},
        "/api/v1/deals/shared/{participant_pk}/decline/": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    for path, method in (("/api/v1/deals/{id}/participants/", "post"), ("/api/v1/deals/{id}/close/", "post"),
                         ("/api/v1/deals/shared/{participant_pk}/accept/", "post")):
        responses = paths[path][method]["responses"]
        assert {"400", "404"} <= set(responses), path
        assert responses["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    shared = schema["components"]["schemas"]["SharedDeal"]["properties"]
    assert "value" not in shared and "private_notes" not in shared and "description" not in shared
    fields = schema["components"]["schemas"]["SharedDealFields"]["properties"]
    assert set(fields) == {"reference", "customer_name", "customer_domain", "customer_country", "stage", "status",
                           "expected_close_date"}
    assert schema["components"]["schemas"]["DealParticipantRoleEnum"]["enum"] == [
        "influencer", "implementer", "technology", "distributor"]
