"""Multi-partner deals: invite, accept/decline, withdraw; attribution shares at most 100; each side sees
only what it may, tested both ways; another partner's ids answer 404."""

from decimal import Decimal

import pytest
from django.urls import reverse

from dealreg.models import Deal, DealParticipant
from dealreg.services.participants import ParticipantError, participant_invite, participant_respond
from partners.models import Membership, PartnerOrganization
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope, unscoped
from tests.factories import PartnerFactory, make_member

from .engine_helpers import make_deal, make_participant

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Margin is 42 percent, do not tell"
VALUE = Decimal("987654.00")


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
                     stage=Deal.Stage.PROPOSAL, description="Internal pricing plan")


def participant_of(partner) -> DealParticipant:
    with unscoped():
        return DealParticipant.objects.get(partner=partner, status__in=DealParticipant.ACTIVE_STATUSES)


def invite(client, deal, **data):
    return client.post(reverse("dealreg:participants", kwargs={"pk": deal.pk}),
                       {"role": "influencer", "share": "30", **data})


# --- the registering partner invites -------------------------------------------------------------------

def test_registering_partner_invites_by_name(client, admin_a, admin_b, partner_b, deal_a):
    client.force_login(admin_a)
    response = invite(client, deal_a, partner_name="beta solutions kk", role="implementer", share="30")
    assert response.status_code == 302
    participant = participant_of(partner_b)
    assert (participant.deal_id, participant.role, participant.share, participant.status) == (
        deal_a.pk, "implementer", Decimal("30.00"), "invited")
    notice = Notification.objects.get(kind="dealreg.participant_invited")
    assert notice.recipient == admin_b and notice.context["customer_name"] == "Initech Software GmbH"
    assert "987654" not in str(notice.context) and SECRET_NOTE not in str(notice.context)


def test_ambiguous_name_offers_the_matching_partners_then_the_choice_invites(client, admin_a, deal_a, partner_c):
    other = PartnerFactory(name="Gamma Integrators France")
    client.force_login(admin_a)
    response = invite(client, deal_a, partner_name="Gamma Integrators")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Gamma Integrators SL" in page and "Gamma Integrators France" in page
    response = invite(client, deal_a, partner_name="Gamma Integrators", partner=str(other.pk))
    assert response.status_code == 302
    assert participant_of(other).deal_id == deal_a.pk


def test_only_active_other_partners_can_be_invited(client, admin_a, deal_a, partner_a):
    PartnerFactory(name="Sleepy Suspended Ltd", status=PartnerOrganization.Status.SUSPENDED)
    client.force_login(admin_a)
    assert invite(client, deal_a, partner_name="Sleepy Suspended Ltd").status_code == 400
    assert invite(client, deal_a, partner_name=partner_a.name).status_code == 400
    assert invite(client, deal_a, partner=str(partner_a.pk), partner_name="x").status_code == 400
    with unscoped():
        assert not DealParticipant.objects.exists()


def test_partner_search_shows_names_of_active_partners_only(client, admin_a, partner_b, partner_c):
    PartnerFactory(name="Beta Dormant", status=PartnerOrganization.Status.OFFBOARDED)
    client.force_login(admin_a)
    response = client.get(reverse("dealreg:participant_partner_search"), {"partner_name": "Beta"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Beta Solutions KK" in page and f'value="{partner_b.pk}"' in page
    assert "Beta Dormant" not in page and "Gamma" not in page


def test_shares_never_sum_past_100(partner_a, partner_b, partner_c, admin_a, deal_a):
    with partner_scope(partner_a):
        participant_invite(deal=deal_a, partner_id=partner_b.pk, role="influencer", share="60", actor=admin_a)
        with pytest.raises(ParticipantError) as error:
            participant_invite(deal=deal_a, partner_id=partner_c.pk, role="technology", share="40.01", actor=admin_a)
        assert error.value.code == "share_exceeded" and "40.00% is left" in error.value.messages[0]
        participant_invite(deal=deal_a, partner_id=partner_c.pk, role="technology", share="40", actor=admin_a)
    with unscoped():
        assert sum(p.share for p in DealParticipant.objects.filter(deal=deal_a)) == Decimal("100.00")


def test_a_declined_share_is_free_again(partner_a, partner_b, partner_c, admin_a, admin_b, deal_a):
    with partner_scope(partner_a):
        invited = participant_invite(deal=deal_a, partner_id=partner_b.pk, role="influencer", share="80", actor=admin_a)
    with partner_scope(partner_b):
        participant_respond(partner=partner_b, participant_id=invited.pk, accept=False, actor=admin_b)
    with partner_scope(partner_a):
        participant_invite(deal=deal_a, partner_id=partner_c.pk, role="influencer", share="90", actor=admin_a)
        with pytest.raises(ParticipantError):
            participant_invite(deal=deal_a, partner_id=partner_b.pk, role="influencer", share="10.01", actor=admin_a)
        # the partner who declined can be invited again, at a share that fits
        participant_invite(deal=deal_a, partner_id=partner_b.pk, role="influencer", share="10", actor=admin_a)
    with unscoped():
        statuses = sorted(DealParticipant.objects.filter(partner=partner_b).values_list("status", flat=True))
    assert statuses == ["declined", "invited"]


def test_duplicate_and_bad_invitations_are_refused(partner_a, partner_b, admin_a, deal_a):
    with partner_scope(partner_a):
        participant_invite(deal=deal_a, partner_id=partner_b.pk, role="influencer", share="10", actor=admin_a)
        for kwargs in ({"partner_id": partner_b.pk, "role": "influencer", "share": "10"},
                       {"partner_id": partner_a.pk, "role": "influencer", "share": "10"},
                       {"partner_id": 999999, "role": "influencer", "share": "10"},
                       {"partner_id": partner_b.pk, "role": "reseller", "share": "10"},
                       {"partner_id": partner_b.pk, "role": "influencer", "share": "-1"},
                       {"partner_id": partner_b.pk, "role": "influencer", "share": "abc"}):
            with pytest.raises(ParticipantError):
                participant_invite(deal=deal_a, actor=admin_a, **kwargs)
    with unscoped():
        assert DealParticipant.objects.count() == 1


def test_closed_deals_take_no_new_partners(partner_a, partner_b, admin_a):
    lost = make_deal(partner=partner_a, status=Deal.Status.LOST)
    with partner_scope(partner_a), pytest.raises(ParticipantError):
        participant_invite(deal=lost, partner_id=partner_b.pk, role="influencer", share="10", actor=admin_a)


# --- what each side sees -------------------------------------------------------------------------------

def test_registering_partner_sees_every_participant(client, admin_a, partner_b, partner_c, deal_a):
    make_participant(deal=deal_a, partner=partner_b, share="17.25")
    make_participant(deal=deal_a, partner=partner_c, share="12.50", status=DealParticipant.Status.INVITED)
    client.force_login(admin_a)
    page = client.get(reverse("dealreg:participants", kwargs={"pk": deal_a.pk})).content.decode()
    assert "Beta Solutions KK" in page and "17.25%" in page
    assert "Gamma Integrators SL" in page and "12.50%" in page
    assert "70.25% of the attribution left" in page


def test_invited_partner_sees_customer_stage_and_own_terms_only(client, admin_b, partner_b, partner_c, deal_a):
    mine = make_participant(deal=deal_a, partner=partner_b, role="implementer", share="17.25",
                            status=DealParticipant.Status.INVITED)
    make_participant(deal=deal_a, partner=partner_c, role="technology", share="33.33")
    client.force_login(admin_b)
    url = reverse("dealreg:shared_deal_detail", kwargs={"pk": mine.pk})

    pending = client.get(url).content.decode()
    assert "Initech Software GmbH" in pending and "Alpha Systems GmbH" in pending and "17.25%" in pending
    assert "initech.de" not in pending and "Proposal" not in pending  # details once accepted

    response = client.post(reverse("dealreg:shared_deal_respond", kwargs={"pk": mine.pk}), {"decision": "accept"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Initech Software GmbH" in page and "initech.de" in page and "Proposal" in page
    assert "Implementer (SI)" in page and "17.25%" in page
    for secret in (SECRET_NOTE, "Internal pricing plan", "987654", "987.654", "987,654", "33.33", "Gamma"):
        assert secret not in page, secret
    listing = client.get(reverse("dealreg:shared_deal_list")).content.decode()
    assert "Initech Software GmbH" in listing and "17.25%" in listing and "33.33" not in listing
    notice = Notification.objects.get(kind="dealreg.participant_responded")
    assert notice.recipient_id == deal_a.registered_by_id and notice.context["accepted"] is True


def test_declining_hides_the_deal_again(client, admin_b, partner_b, deal_a):
    mine = make_participant(deal=deal_a, partner=partner_b, status=DealParticipant.Status.INVITED)
    client.force_login(admin_b)
    client.post(reverse("dealreg:shared_deal_respond", kwargs={"pk": mine.pk}), {"decision": "decline"})
    page = client.get(reverse("dealreg:shared_deal_detail", kwargs={"pk": mine.pk})).content.decode()
    assert "no longer shared" in page and "Initech Software GmbH" not in page
    with unscoped():
        assert DealParticipant.objects.get(pk=mine.pk).status == "declined"
    # answered once: a second answer changes nothing
    client.post(reverse("dealreg:shared_deal_respond", kwargs={"pk": mine.pk}), {"decision": "accept"})
    with unscoped():
        assert DealParticipant.objects.get(pk=mine.pk).status == "declined"


def test_withdrawn_participation_disappears_for_the_invited_partner(client, admin_a, admin_b, partner_b, deal_a):
    mine = make_participant(deal=deal_a, partner=partner_b)
    client.force_login(admin_a)
    response = client.post(reverse("dealreg:participant_withdraw", kwargs={"pk": deal_a.pk, "participant_pk": mine.pk}))
    assert response.status_code == 302
    client.force_login(admin_b)
    assert "Initech" not in client.get(reverse("dealreg:shared_deal_list")).content.decode()
    assert "Initech" not in client.get(reverse("dealreg:shared_deal_detail", kwargs={"pk": mine.pk})).content.decode()


# --- another partner's ids -----------------------------------------------------------------------------

def test_a_partner_not_invited_gets_404_everywhere(client, admin_c, partner_b, deal_a):
    theirs = make_participant(deal=deal_a, partner=partner_b, status=DealParticipant.Status.INVITED)
    client.force_login(admin_c)
    urls = [
        ("get", reverse("dealreg:shared_deal_detail", kwargs={"pk": theirs.pk})),
        ("post", reverse("dealreg:shared_deal_respond", kwargs={"pk": theirs.pk})),
        ("get", reverse("dealreg:participants", kwargs={"pk": deal_a.pk})),
        ("post", reverse("dealreg:participants", kwargs={"pk": deal_a.pk})),
        ("post", reverse("dealreg:participant_withdraw", kwargs={"pk": deal_a.pk, "participant_pk": theirs.pk})),
    ]
    for method, url in urls:
        assert getattr(client, method)(url, {"decision": "accept"}).status_code == 404, url
    with unscoped():
        assert DealParticipant.objects.get(pk=theirs.pk).status == "invited"
    assert "Initech" not in client.get(reverse("dealreg:shared_deal_list")).content.decode()


def test_the_invited_partner_cannot_manage_the_deals_participants(client, admin_b, partner_b, partner_c, deal_a):
    make_participant(deal=deal_a, partner=partner_b)
    other = make_participant(deal=deal_a, partner=partner_c)
    client.force_login(admin_b)
    assert client.get(reverse("dealreg:participants", kwargs={"pk": deal_a.pk})).status_code == 404
    url = reverse("dealreg:participant_withdraw", kwargs={"pk": deal_a.pk, "participant_pk": other.pk})
    assert client.post(url).status_code == 404


def test_withdrawing_a_participant_of_another_deal_is_404(client, admin_a, partner_a, partner_b, deal_a):
    other_deal = make_deal(partner=PartnerFactory(name="Delta"))
    elsewhere = make_participant(deal=other_deal, partner=partner_b)
    client.force_login(admin_a)
    url = reverse("dealreg:participant_withdraw", kwargs={"pk": deal_a.pk, "participant_pk": elsewhere.pk})
    assert client.post(url).status_code == 404
    with unscoped():
        assert DealParticipant.objects.get(pk=elsewhere.pk).status == "accepted"


def test_answering_needs_the_deal_registration_permission(client, partner_b, deal_a):
    mine = make_participant(deal=deal_a, partner=partner_b, status=DealParticipant.Status.INVITED)
    viewer = make_member(partner=partner_b, can_register_deals=False).user
    client.force_login(viewer)
    assert client.get(reverse("dealreg:shared_deal_detail", kwargs={"pk": mine.pk})).status_code == 200
    assert client.post(reverse("dealreg:shared_deal_respond", kwargs={"pk": mine.pk}),
                       {"decision": "accept"}).status_code == 403


def test_shared_list_is_a_constant_number_of_queries(client, admin_b, partner_b, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            make_participant(deal=make_deal(partner=PartnerFactory()), partner=partner_b)

    client.force_login(admin_b)
    add(1)
    client.get(reverse("dealreg:shared_deal_list"))  # warm the session and caches
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("dealreg:shared_deal_list"))
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("dealreg:shared_deal_list")).status_code == 200
