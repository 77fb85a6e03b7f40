"""Agreements and onboarding in the admin: operators write and publish versions; managers read their
region's acceptances; nobody edits or deletes an acceptance."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from partners.models import AgreementTemplate, AgreementVersion, ComplianceQuestion
from prm.common.models import AuditEvent

from .onboarding_factories import make_acceptance, make_agreement_version, make_question

pytestmark = pytest.mark.django_db


def test_operator_writes_then_publishes_a_version(client, operator):
    template = AgreementTemplate.objects.create(name="Reseller agreement", language="en")
    client.force_login(operator)
    add_url = reverse("admin:partners_agreementversion_add")
    assert client.get(add_url + f"?template={template.pk}").context["adminform"].form.initial["version"] == 1
    response = client.post(add_url, {
        "template": template.pk, "version": 1, "title": "Reseller agreement", "body": "# Terms\nBe nice.",
        "effective_date": timezone.localdate().isoformat(), "reaccept_deadline": "",
    })
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    version = AgreementVersion.objects.get()
    assert not version.is_published
    changelist = reverse("admin:partners_agreementversion_changelist")
    client.post(changelist, {"action": "publish_selected", "_selected_action": [version.pk]})
    version.refresh_from_db()
    assert version.is_published and version.content_hash == version.computed_hash()
    assert AuditEvent.objects.filter(action="partners.agreement_version.published", actor=operator).exists()

    change = client.get(reverse("admin:partners_agreementversion_change", args=[version.pk]))
    assert "body" in change.context["adminform"].readonly_fields
    assert client.post(reverse("admin:partners_agreementversion_delete", args=[version.pk]),
                       {"post": "yes"}).status_code == 403
    assert AgreementVersion.objects.filter(pk=version.pk).exists()


def test_a_deadline_before_the_effective_date_is_refused(client, operator):
    template = AgreementTemplate.objects.create(name="A", language="en")
    client.force_login(operator)
    today = timezone.localdate()
    response = client.post(reverse("admin:partners_agreementversion_add"), {
        "template": template.pk, "version": 1, "title": "A", "body": "Text",
        "effective_date": today.isoformat(), "reaccept_deadline": (today - timedelta(days=1)).isoformat(),
    })
    assert response.status_code == 200
    assert "reaccept_deadline" in response.context["adminform"].form.errors
    assert not AgreementVersion.objects.exists()


def test_managers_see_their_regions_acceptances_read_only(client, partner_a, partner_b, manager_a):
    mine = make_acceptance(partner=partner_a)
    theirs = make_acceptance(partner=partner_b, version=make_agreement_version(language="ja"))
    client.force_login(manager_a)
    page = client.get(reverse("admin:partners_agreementacceptance_changelist"))
    assert page.status_code == 200
    shown = {row.pk for row in page.context["cl"].result_list}
    assert shown == {mine.pk}
    assert client.get(reverse("admin:partners_agreementacceptance_change", args=[theirs.pk])).status_code == 302
    detail = client.get(reverse("admin:partners_agreementacceptance_change", args=[mine.pk]))
    assert detail.status_code == 200 and not detail.context["has_change_permission"]
    assert client.post(reverse("admin:partners_agreementacceptance_delete", args=[mine.pk]),
                       {"post": "yes"}).status_code == 403
    # Configuration stays with operators.
    assert client.get(reverse("admin:partners_agreementversion_changelist")).status_code == 403
    assert client.get(reverse("admin:partners_payoutdetails_changelist")).status_code == 403


def test_operator_admin_pages_for_onboarding_load(client, operator, partner_a, admin_a):
    make_acceptance(partner=partner_a)
    make_question(code="officials", review_when=ComplianceQuestion.ReviewWhen.YES)
    client.force_login(operator)
    for model in ("agreementtemplate", "agreementversion", "agreementacceptance", "compliancequestion",
                  "complianceresponse", "onboardingstep", "payoutdetails"):
        assert client.get(reverse(f"admin:partners_{model}_changelist")).status_code == 200, model
