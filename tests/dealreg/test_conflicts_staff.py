"""The manager's side-by-side view of conflicts: every hit with score, reasons and what it is; deals of
partners outside the manager's regions described but not linked."""

import pytest
from django.template.loader import render_to_string

from dealreg.conflicts import conflict_rows_for_staff, find_conflicts_for_deal
from tests.factories import PartnerFactory

from .engine_helpers import make_account, make_deal, make_opportunity

pytestmark = pytest.mark.django_db


def test_rows_side_by_side_with_scores_and_reasons(partner_a, partner_b, region_a, django_assert_max_num_queries):
    neighbour = PartnerFactory(name="Neighbour IT GmbH", region=region_a)
    mine = make_deal(partner=partner_a, customer_name="Globex GmbH", customer_domain="globex.de")
    same_region = make_deal(partner=neighbour, customer_name="Globex Germany GmbH", customer_domain="globex.de")
    other_region = make_deal(partner=partner_b, customer_name="GLOBEX", customer_domain="globex.de")
    account = make_account(name="Globex AG", domain="globex.de", owner_name="Hank Scorpio")
    opportunity = make_opportunity(account=account, name="Globex doomsday device")
    hits = find_conflicts_for_deal(deal=mine)
    with django_assert_max_num_queries(4):
        rows = conflict_rows_for_staff(hits=hits, staff_partner_ids=[partner_a.pk, neighbour.pk])
    by_label = {row.label: row for row in rows}
    assert set(by_label) == {same_region.reference, other_region.reference, "Globex AG", "Globex doomsday device"}
    assert by_label[same_region.reference].admin_url.endswith(f"/dealreg/deal/{same_region.pk}/change/")
    assert by_label[other_region.reference].admin_url == ""  # outside the manager's regions: no link
    assert by_label[other_region.reference].owner == partner_b.name
    assert by_label["Globex AG"].owner == "Hank Scorpio" and by_label["Globex AG"].kind_label == "Vendor account"
    assert by_label["Globex doomsday device"].reason_labels[-1] == "open vendor opportunity"
    assert opportunity.pk in {row.hit.object_id for row in rows if row.hit.kind == "vendor_opportunity"}

    html = render_to_string("dealreg/admin/_conflicts.html", {"deal": mine, "conflicts": rows})
    assert "same web domain" in html and "Hank Scorpio" in html and partner_b.name in html
    assert html.count("<strong>") == len(rows)  # one score per hit
