"""Reviewing applications: approve (partner in onboarding + first admin invited in their language), reject with
a reason (e-mailed), region scoping, bulk actions and audit in the admin, constant query count."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from partners.models import Invitation, Membership, PartnerApplication, PartnerOrganization
from partners.services.applications import application_approve, application_reject
from prm.common.models import AuditEvent
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope
from tests.factories import PartnerFactory, StaffFactory

from .application_factories import form_data, standard_profile, submit

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:partners_partnerapplication_changelist"


def change_url(application):
    return reverse("admin:partners_partnerapplication_change", args=[application.pk])


# --- the services -----------------------------------------------------------------------------------------

def test_approve_creates_the_partner_in_onboarding_and_invites_its_admin(
        manager_a, region_a, django_capture_on_commit_callbacks):
    application = submit(company_name="Gamma IT GmbH", website="https://www.gamma-it.de/", country="FR",
                         partner_type="system_integrator", language="fr", contact_email="Chloe@Gamma-IT.de",
                         contact_name="Chloé Gamma")
    with django_capture_on_commit_callbacks(execute=True):
        application_approve(application=application, actor=manager_a)
    application.refresh_from_db()
    partner = application.partner
    assert application.status == PartnerApplication.Status.APPROVED and application.decided_by == manager_a
    assert (partner.name, partner.status, partner.country, partner.region, partner.partner_type) == (
        "Gamma IT GmbH", PartnerOrganization.Status.ONBOARDING, "FR", region_a, "system_integrator")
    assert partner.default_language == "fr" and partner.currency == "EUR"
    assert partner.website == "https://www.gamma-it.de" and partner.domain == "gamma-it.de"
    assert partner.channel_manager == manager_a
    with partner_scope(partner):
        invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.language, invitation.full_name) == (
        "chloe@gamma-it.de", Membership.Role.ADMIN, "fr", "Chloé Gamma")
    sent = Notification.objects.get(kind="partners.invitation")
    assert sent.language == "fr" and sent.status == Notification.Status.SENT
    assert [m.to for m in mail.outbox if "invitations/" in m.body] == [["chloe@gamma-it.de"]]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"partners.application.approved", "partners.partner.created", "partners.invitation.created"} <= actions


def test_currency_follows_the_country(operator, region_b):
    application = submit(country="JP", language="ja")
    application_approve(application=application, actor=operator)
    application.refresh_from_db()
    assert application.partner.currency == "JPY" and application.partner.channel_manager is None


def test_an_existing_partner_domain_is_never_created_twice(manager_a, region_a):
    existing = PartnerFactory(region=region_a, website="https://acme-tools.de")
    application = submit(website="shop.acme-tools.de")
    assert application.duplicate_of_partner == existing
    with pytest.raises(ValidationError) as error:
        application_approve(application=application, actor=manager_a)
    assert error.value.code == "duplicate"
    application.refresh_from_db()
    assert application.status == PartnerApplication.Status.PENDING
    assert PartnerOrganization.objects.filter(domain="acme-tools.de").count() == 1


def test_two_applications_of_one_company_make_one_partner(manager_a, region_a):
    first, second = submit(website="delta.de"), submit(website="www.delta.de")
    application_approve(application=first, actor=manager_a)
    with pytest.raises(ValidationError):
        application_approve(application=second, actor=manager_a)
    assert PartnerOrganization.objects.filter(domain="delta.de").count() == 1


def test_decided_applications_cannot_be_decided_again(manager_a, region_a):
    application = submit()
    application_reject(application=application, actor=manager_a, reason="Not now.")
    with pytest.raises(ValidationError):
        application_approve(application=application, actor=manager_a)
    with pytest.raises(ValidationError):
        application_reject(application=application, actor=manager_a, reason="Again.")


def test_application_without_region_cannot_be_approved(operator, region_a):
    application = submit(country="BR")
    with pytest.raises(ValidationError):
        application_approve(application=application, actor=operator)
    assert not PartnerOrganization.objects.filter(name=application.company_name).exists()


def test_only_managers_of_the_region_and_operators_decide(region_a, region_b, executive_a):
    application = submit(country="DE")
    other_manager = StaffFactory()
    other_manager.regions.add(region_b)
    for actor in (other_manager, executive_a):
        with pytest.raises(PermissionDenied):
            application_approve(application=application, actor=actor)
        with pytest.raises(PermissionDenied):
            application_reject(application=application, actor=actor, reason="no")
    application.refresh_from_db()
    assert application.status == PartnerApplication.Status.PENDING


def test_reject_needs_a_reason_and_emails_it_in_the_applicants_language(
        manager_a, region_a, django_capture_on_commit_callbacks):
    application = submit(language="es", contact_email="ana@epsilon.es", website="epsilon.es")
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as error:
            application_reject(application=application, actor=manager_a, reason=reason)
        assert "reason" in error.value.message_dict
    with django_capture_on_commit_callbacks(execute=True):
        application_reject(application=application, actor=manager_a, reason="  Outside our target market.  ")
    application.refresh_from_db()
    assert application.status == PartnerApplication.Status.REJECTED
    assert application.rejection_reason == "Outside our target market."
    notice = Notification.objects.get(kind="partners.application_rejected")
    assert notice.email == "ana@epsilon.es" and notice.language == "es" and notice.status == Notification.Status.SENT
    rejected_mail = [m for m in mail.outbox if m.to == ["ana@epsilon.es"] and "Outside our target market." in m.body]
    assert len(rejected_mail) == 1
    event = AuditEvent.objects.get(action="partners.application.rejected")
    assert event.actor == manager_a and event.data["reason"] == "Outside our target market."


def test_rejection_reason_is_enforced_by_the_database(region_a):
    from django.db import IntegrityError, transaction

    application = submit()
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerApplication.objects.filter(pk=application.pk).update(status="rejected", rejection_reason="")


# --- the admin --------------------------------------------------------------------------------------------

def test_manager_sees_own_region_ranked_by_score(client, manager_a, region_a, region_b):
    standard_profile()
    low = submit(company_name="Low Fit GmbH", partner_type="msp", certified_staff="0", industries=["retail"])
    high = submit(company_name="High Fit GmbH", industries=["healthcare"])
    elsewhere = submit(company_name="Far Away KK", country="JP")
    client.force_login(manager_a)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == [high.pk, low.pk] and elsewhere.pk not in shown
    assert high.score > low.score
    content = response.content.decode()
    assert content.index("High Fit GmbH") < content.index("Low Fit GmbH")
    assert client.get(change_url(elsewhere)).status_code == 302  # "does not exist" for another region
    for name in ("approve", "reject"):
        url = reverse(f"admin:partners_partnerapplication_{name}", args=[elsewhere.pk])
        assert client.get(url).status_code == 404


def test_operator_sees_every_region(client, operator, region_a, region_b):
    ids = {submit(country="DE").pk, submit(country="JP").pk, submit(country="BR").pk}
    client.force_login(operator)
    shown = {row.pk for row in client.get(reverse(CHANGELIST)).context["cl"].result_list}
    assert shown == ids


def test_change_page_shows_each_contribution_and_duplicates(client, manager_a, region_a):
    standard_profile()
    first = submit(website="zeta.de")
    second = submit(website="zeta.de", industries=["healthcare"])
    client.force_login(manager_a)
    html = client.get(change_url(second)).content.decode()
    for name in ("Resellers", "Three certified", "Healthcare", "EMEA"):
        assert name in html
    assert change_url(first) in html  # linked to the first application of the company
    assert reverse("admin:partners_partnerapplication_approve", args=[second.pk]) in html


def test_executive_reads_but_cannot_decide(client, executive_a, region_a):
    application = submit()
    client.force_login(executive_a)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200 and application.company_name in response.content.decode()
    assert "approve_selected" not in response.content.decode()
    assert client.post(reverse("admin:partners_partnerapplication_approve", args=[application.pk])).status_code == 403


def test_single_approve_and_reject_pages(client, manager_a, region_a):
    one, two = submit(), submit()
    client.force_login(manager_a)
    approve_url = reverse("admin:partners_partnerapplication_approve", args=[one.pk])
    assert client.get(approve_url).status_code == 200
    assert client.post(approve_url).status_code == 302
    one.refresh_from_db()
    assert one.status == "approved" and one.partner.status == "onboarding"
    reject_url = reverse("admin:partners_partnerapplication_reject", args=[two.pk])
    empty = client.post(reject_url, {"reason": ""})
    assert empty.status_code == 200 and empty.context["form"].errors["reason"]
    two.refresh_from_db()
    assert two.status == "pending"
    assert client.post(reject_url, {"reason": "Too small for now."}).status_code == 302
    two.refresh_from_db()
    assert two.status == "rejected" and two.rejection_reason == "Too small for now."


def test_bulk_approve_reports_duplicates_and_keeps_going(client, manager_a, region_a):
    PartnerFactory(region=region_a, website="https://taken.de")
    good, taken, decided = submit(website="fresh.de"), submit(website="taken.de"), submit(website="old.de")
    application_reject(application=decided, actor=manager_a, reason="Earlier decision.")
    client.force_login(manager_a)
    response = client.post(reverse(CHANGELIST), {"action": "approve_selected",
                                                "_selected_action": [good.pk, taken.pk, decided.pk]}, follow=True)
    assert response.status_code == 200
    statuses = dict(PartnerApplication.objects.values_list("pk", "status"))
    assert statuses == {good.pk: "approved", taken.pk: "pending", decided.pk: "rejected"}
    text = " ".join(str(m) for m in response.context["messages"])
    assert "1 applications approved" in text and "taken.de" in text


def test_bulk_reject_asks_for_a_reason_first(client, manager_a, region_a, django_capture_on_commit_callbacks):
    one, two = submit(), submit()
    client.force_login(manager_a)
    selection = {"action": "reject_selected", "_selected_action": [one.pk, two.pk]}
    page = client.post(reverse(CHANGELIST), selection)
    assert page.status_code == 200 and "reason" in page.context["form"].fields
    assert PartnerApplication.objects.filter(status="pending").count() == 2
    assert client.post(reverse(CHANGELIST), {**selection, "reason": ""}).status_code == 200
    assert PartnerApplication.objects.filter(status="pending").count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse(CHANGELIST), {**selection, "reason": "Program is full."})
    assert done.status_code == 302
    assert set(PartnerApplication.objects.values_list("status", flat=True)) == {"rejected"}
    assert Notification.objects.filter(kind="partners.application_rejected").count() == 2


def test_admin_list_query_count_is_constant(client, manager_a, region_a, django_assert_max_num_queries):
    standard_profile()
    submit()
    client.force_login(manager_a)
    client.get(reverse(CHANGELIST))  # warm up: session, permissions, content types
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse(CHANGELIST)).status_code == 200
    for _ in range(30):
        submit()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 31


def test_from_public_form_to_partner_admin_without_touching_the_database(
        client, manager_a, region_a, django_capture_on_commit_callbacks):
    """The issue's journey: apply, get a receipt, a manager approves, the invitation makes the applicant an admin."""
    cache.clear()
    data = form_data(company_name="Omega Tech GmbH", website="omega-tech.de", contact_email="olga@omega-tech.de",
                     language="de")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/apply/", data).status_code == 302
    application = PartnerApplication.objects.get(company_name="Omega Tech GmbH")
    client.force_login(manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:partners_partnerapplication_approve", args=[application.pk]))
    client.logout()
    invitation_mail = next(m for m in mail.outbox if "/invitations/" in m.body)
    assert invitation_mail.to == ["olga@omega-tech.de"]
    accept = re.search(r"https?://[^\s]+(/invitations/[^\s/]+/)", invitation_mail.body).group(1)
    response = client.post(accept, {"full_name": "Olga Omega", "password1": "a-Long-and-unusual-pass-42",
                                    "password2": "a-Long-and-unusual-pass-42"})
    assert response.status_code == 302
    partner = PartnerOrganization.objects.get(name="Omega Tech GmbH")
    with partner_scope(partner):
        membership = Membership.objects.select_related("user").get()
    assert membership.role == Membership.Role.ADMIN and membership.user.preferred_language == "de"
    assert membership.user.full_name == "Olga Omega"
