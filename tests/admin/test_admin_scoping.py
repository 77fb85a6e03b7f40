"""Channel managers and executives see only their regions in the admin; operators see everything."""

import pytest
from django.urls import reverse

from partners.models import Membership, PartnerOrganization
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db


def test_manager_partner_list_is_region_scoped(client, manager_a, partner_a, partner_b):
    client.force_login(manager_a)
    response = client.get(reverse("admin:partners_partnerorganization_changelist"))
    assert response.status_code == 200
    content = response.content.decode()
    assert partner_a.name in content
    assert partner_b.name not in content


def test_manager_cannot_open_partner_of_another_region(client, manager_a, partner_b):
    client.force_login(manager_a)
    response = client.get(reverse("admin:partners_partnerorganization_change", args=[partner_b.pk]), follow=True)
    assert partner_b.name not in response.content.decode().split("<h1")[1] if "<h1" in response.content.decode() else True
    assert response.redirect_chain and response.redirect_chain[-1][0] == reverse("admin:index")
    for name in ("partners_partnerorganization_status", "partners_partnerorganization_invite"):
        assert client.get(reverse(f"admin:{name}", args=[partner_b.pk])).status_code == 404


def test_manager_membership_list_is_scoped(client, manager_a, admin_a, admin_b):
    client.force_login(manager_a)
    content = client.get(reverse("admin:partners_membership_changelist")).content.decode()
    assert admin_a.email in content
    assert admin_b.email not in content


def test_manager_user_list_shows_only_people_of_their_partners(client, manager_a, admin_a, admin_b):
    client.force_login(manager_a)
    content = client.get(reverse("admin:accounts_user_changelist")).content.decode()
    assert admin_a.email in content
    assert admin_b.email not in content


def test_operator_sees_every_region(client, operator, partner_a, partner_b, admin_a, admin_b):
    client.force_login(operator)
    content = client.get(reverse("admin:partners_partnerorganization_changelist")).content.decode()
    assert partner_a.name in content and partner_b.name in content
    content = client.get(reverse("admin:partners_membership_changelist")).content.decode()
    assert admin_a.email in content and admin_b.email in content


def test_executive_reads_but_cannot_change(client, executive_a, partner_a):
    client.force_login(executive_a)
    url = reverse("admin:partners_partnerorganization_change", args=[partner_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Hijacked"})
    assert response.status_code == 403
    partner_a.refresh_from_db()
    assert partner_a.name != "Hijacked"
    assert client.get(reverse("admin:partners_partnerorganization_status", args=[partner_a.pk])).status_code == 403


def test_audit_log_is_operator_only(client, manager_a, operator):
    client.force_login(manager_a)
    assert client.get(reverse("admin:common_auditevent_changelist")).status_code == 403
    client.force_login(operator)
    assert client.get(reverse("admin:common_auditevent_changelist")).status_code == 200


def test_partner_changelist_query_count_is_constant(client, manager_a, region_a, django_assert_max_num_queries):
    client.force_login(manager_a)
    url = reverse("admin:partners_partnerorganization_changelist")
    PartnerFactory(region=region_a, channel_manager=manager_a)
    client.get(url)
    with django_assert_max_num_queries(30) as small:
        client.get(url)
    PartnerFactory.create_batch(25, region=region_a, channel_manager=manager_a)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_manager_suspends_partner_with_reason(client, manager_a, partner_a, admin_a):
    client.force_login(manager_a)
    url = reverse("admin:partners_partnerorganization_status", args=[partner_a.pk])
    response = client.post(url, {"status": "suspended", "reason": ""})
    assert response.status_code == 200  # the form shows the error
    partner_a.refresh_from_db()
    assert partner_a.status == PartnerOrganization.Status.ACTIVE
    response = client.post(url, {"status": "suspended", "reason": "Unpaid invoices"})
    assert response.status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.status == PartnerOrganization.Status.SUSPENDED
    from prm.common.models import AuditEvent

    event = AuditEvent.objects.get(action="partners.partner.suspended")
    assert event.actor == manager_a and event.data["reason"] == "Unpaid invoices"


def test_manager_invites_first_admin(client, manager_a, region_a, mailoutbox, django_capture_on_commit_callbacks):
    prospect = PartnerFactory(region=region_a, status=PartnerOrganization.Status.PROSPECT)
    client.force_login(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:partners_partnerorganization_invite", args=[prospect.pk]),
            {"email": "Boss@Prospect.example", "language": "fr"},
        )
    assert response.status_code == 302
    from partners.models import Invitation
    from prm.tenancy.scoping import partner_scope

    with partner_scope(prospect):
        invitation = Invitation.objects.get()
    assert invitation.email == "boss@prospect.example"
    assert invitation.role == Membership.Role.ADMIN and invitation.language == "fr"


def test_first_activation_records_the_activation_date(manager_a, region_a):
    from partners.services.organizations import partner_set_status

    onboarding = PartnerFactory(region=region_a, status=PartnerOrganization.Status.ONBOARDING)
    partner_set_status(partner=onboarding, status=PartnerOrganization.Status.ACTIVE, actor=manager_a)
    onboarding.refresh_from_db()
    first = onboarding.activated_at
    assert first is not None
    partner_set_status(partner=onboarding, status=PartnerOrganization.Status.SUSPENDED, actor=manager_a, reason="x")
    partner_set_status(partner=onboarding, status=PartnerOrganization.Status.ACTIVE, actor=manager_a)
    onboarding.refresh_from_db()
    assert onboarding.activated_at == first
