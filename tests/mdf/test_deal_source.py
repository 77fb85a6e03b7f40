"""A deal registration may name the MDF activity that sourced it (ROPI): only the partner's own
pre-approved activities, in the portal and the API; the activity's ROPI then counts the deal."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dealreg.models import Deal
from dealreg.services.outcomes import deal_close_won
from mdf.selectors import ropi_for_activities
from mdf.services import claim_approve
from prm.accounts.services import api_token_create
from prm.tenancy.scoping import partner_scope
from tests.dealreg import registration_helpers as deals
from tests.mdf.helpers import approved_activity, ended, fund_with, submitted_activity, submitted_claim

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict:
    _, raw = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_portal_form_offers_only_own_pre_approved_activities(client, partner_a, partner_b, admin_a, admin_b,
                                                             manager_a):
    fund_with(partner_a, Decimal("10000"))
    fund_with(partner_b, Decimal("1000000"))
    own = approved_activity(partner_a, admin_a, manager_a, title="Own webinar")
    submitted_activity(partner_a, admin_a, title="Still waiting")
    other = approved_activity(partner_b, admin_b, manager_a, title="Other partner's webinar")
    client.force_login(admin_a)
    page = client.get(reverse("dealreg:deal_create")).content.decode()
    assert "Own webinar" in page
    assert "Still waiting" not in page and "Other partner" not in page
    response = client.post(reverse("dealreg:deal_create"), {
        **{k: v for k, v in deals.values().items()}, "action": "draft", "mdf_activity": other.pk})
    assert response.status_code == 200  # the form refuses the choice
    with partner_scope(partner_a):
        assert not Deal.objects.filter(mdf_activity=other.pk).exists()
    response = client.post(reverse("dealreg:deal_create"), {
        **{k: v for k, v in deals.values().items()}, "action": "draft", "mdf_activity": own.pk})
    assert response.status_code == 302
    with partner_scope(partner_a):
        assert Deal.objects.filter(mdf_activity=own).count() == 1


def test_api_refuses_another_partners_activity_with_a_field_error(partner_a, partner_b, admin_a, admin_b, manager_a):
    fund_with(partner_b, Decimal("1000000"))
    other = approved_activity(partner_b, admin_b, manager_a)
    api = APIClient()
    payload = {**deals.values(), "value": "25000", "expected_close_date": deals.values()["expected_close_date"].isoformat(),
               "mdf_activity": other.pk}
    response = api.post(reverse("api:deal-list"), payload, format="json", **_bearer(admin_a))
    assert response.status_code == 400
    assert "mdf_activity" in response.json()["error"]["fields"]


def test_ropi_counts_pipeline_and_won_revenue_of_sourced_deals(partner_a, admin_a, manager_a):
    fund_with(partner_a, Decimal("10000"))
    activity = ended(approved_activity(partner_a, admin_a, manager_a))  # 2000 reserved
    claim = submitted_claim(activity, admin_a, claimed=Decimal("1000.00"))
    with partner_scope(partner_a):
        claim_approve(claim=claim, actor=manager_a)
        won = deals.draft(partner_a, actor=admin_a, value=Decimal("30000"))
        Deal.objects.filter(pk=won.pk).update(mdf_activity=activity)
        open_deal = deals.draft(partner_a, actor=admin_a, value=Decimal("20000"))
        Deal.objects.filter(pk=open_deal.pk).update(mdf_activity=activity, status=Deal.Status.SUBMITTED)
        Deal.objects.filter(pk=won.pk).update(status=Deal.Status.APPROVED)
        deal_close_won(deal=Deal.objects.get(pk=won.pk), amount=Decimal("24000"), currency="EUR",
                       closed_on=timezone.localdate(), actor=manager_a)
        ropi = ropi_for_activities(activity_ids=[activity.pk])[activity.pk]
    assert ropi.spend == Decimal("1000.00")
    assert ropi.won == Decimal("24000.00")
    assert ropi.pipeline == Decimal("50000.00")
    assert (ropi.deals, ropi.won_deals) == (2, 1)
    assert ropi.ratio == Decimal("24.00")


def test_ropi_by_partner_and_quarter_for_analytics(partner_a, partner_b, admin_a, admin_b, manager_a):
    from mdf.periods import quarter_of
    from mdf.selectors import ropi_by_partner_quarter
    from prm.tenancy.scoping import partners_scope

    fund_with(partner_a, Decimal("10000"))
    fund_with(partner_b, Decimal("1000000"))
    first = ended(approved_activity(partner_a, admin_a, manager_a))
    second = ended(approved_activity(partner_a, admin_a, manager_a, title="Second"))
    other = ended(approved_activity(partner_b, admin_b, manager_a))
    for activity, actor, claimed in ((first, admin_a, "1000.00"), (second, admin_a, "500.00"),
                                     (other, admin_b, "1000")):
        claim = submitted_claim(activity, actor, claimed=Decimal(claimed), invoice=f"INV-{activity.pk}")
        with partner_scope(activity.partner_id):
            claim_approve(claim=claim, actor=manager_a)
    with partner_scope(partner_a):
        won = deals.draft(partner_a, actor=admin_a, value=Decimal("9000"))
        Deal.objects.filter(pk=won.pk).update(mdf_activity=first, status=Deal.Status.APPROVED)
        deal_close_won(deal=Deal.objects.get(pk=won.pk), amount=Decimal("9000"), currency="EUR",
                       closed_on=timezone.localdate(), actor=manager_a)
    today = timezone.localdate()
    with partners_scope([partner_a.pk, partner_b.pk]):
        rows = ropi_by_partner_quarter(partner_ids=[partner_a.pk, partner_b.pk], start=today - timedelta(days=100), end=today)
    by_partner = {row.partner_id: row for row in rows}
    assert by_partner[partner_a.pk].quarter == quarter_of(first.ends_on)[2]
    assert by_partner[partner_a.pk].region_id == partner_a.region_id
    assert by_partner[partner_a.pk].ropi.spend == Decimal("1500.00")
    assert by_partner[partner_a.pk].ropi.won == Decimal("9000.00")
    assert by_partner[partner_a.pk].ropi.ratio == Decimal("6.00")
    assert by_partner[partner_b.pk].ropi.won == 0 and by_partner[partner_b.pk].ropi.spend > 0
