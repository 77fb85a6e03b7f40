"""The conflict engine: hits across partners with scores and reasons, vendor accounts, what is ignored.

Runs on the portable fallback under SQLite and on pg_trgm under PostgreSQL (test_conflicts_postgres.py
checks the trigram path itself)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dealreg import conflicts
from dealreg.conflicts import (
    DOMAIN_MATCH,
    NAME_SIMILAR,
    PRODUCT_OVERLAP,
    SAME_COUNTRY,
    VENDOR_ACCOUNT,
    VENDOR_OPPORTUNITY,
    find_conflicts,
    find_conflicts_for_deal,
)
from dealreg.models import Deal, VendorOpportunity
from prm.tenancy.scoping import partner_scope
from tests.factories import PartnerFactory

from .engine_helpers import make_account, make_deal, make_opportunity, make_product

pytestmark = pytest.mark.django_db


def deal_hits(hits):
    return [h for h in hits if h.kind == conflicts.KIND_DEAL]


def test_same_customer_of_another_partner_is_found_with_every_reason(partner_a, partner_b):
    product = make_product()
    theirs = make_deal(partner=partner_b, customer_name="Acme GmbH", customer_domain="acme.de", country="DE",
                       products=[product])
    hits = find_conflicts(customer_name="ACME Inc.", customer_domain="https://shop.eu.acme.de/x",
                          customer_country="de", product_ids=[product.pk], partner_id=partner_a.pk)
    assert len(hits) == 1
    hit = hits[0]
    assert (hit.kind, hit.object_id, hit.deal_id, hit.partner_id) == ("deal", theirs.pk, theirs.pk, partner_b.pk)
    assert hit.reasons == (DOMAIN_MATCH, NAME_SIMILAR, SAME_COUNTRY, PRODUCT_OVERLAP)
    assert hit.score == 100 and hit.similarity == 1.0
    assert hit.status == Deal.Status.SUBMITTED and not hit.protected


def test_score_adds_up_per_signal(partner_a, partner_b):
    make_deal(partner=partner_b, customer_name="Globex Corporation", customer_domain="globex.de", country="FR")
    [domain_only] = find_conflicts(customer_name="Something Else SA", customer_domain="globex.de",
                                   customer_country="DE", partner_id=partner_a.pk)
    assert domain_only.reasons == (DOMAIN_MATCH,) and domain_only.score == conflicts.DOMAIN_POINTS
    [name_and_country] = find_conflicts(customer_name="GLOBEX corp", customer_domain="other.de",
                                        customer_country="FR", partner_id=partner_a.pk)
    assert name_and_country.reasons == (NAME_SIMILAR, SAME_COUNTRY)
    assert name_and_country.score == conflicts.NAME_POINTS + conflicts.COUNTRY_POINTS


def test_similar_but_not_identical_names_match_by_trigrams(partner_a, partner_b):
    theirs = make_deal(partner=partner_b, customer_name="Müller Systems GmbH", customer_domain="mueller-sys.de")
    [hit] = find_conflicts(customer_name="Mueller Systems AG", customer_domain="msys.de", customer_country="DE",
                           partner_id=partner_a.pk)
    assert hit.object_id == theirs.pk and NAME_SIMILAR in hit.reasons and DOMAIN_MATCH not in hit.reasons
    assert hit.similarity == pytest.approx(13 / 18, abs=0.001)
    assert hit.score == round(40 * 13 / 18) + 10


def test_unrelated_customers_and_different_names_are_not_conflicts(partner_a, partner_b):
    make_deal(partner=partner_b, customer_name="Initech Software", customer_domain="initech.de")
    assert find_conflicts(customer_name="Acme Systems", customer_domain="acme.de", customer_country="DE",
                          partner_id=partner_a.pk) == []


def test_public_mail_domains_are_ignored(partner_a, partner_b):
    # Both registrations came with a free-mail contact: that says nothing about the company.
    make_deal(partner=partner_b, customer_name="Initech Software", customer_domain="")
    assert find_conflicts(customer_name="Hooli Labs", customer_domain="buyer@gmail.com", customer_country="DE",
                          partner_id=partner_a.pk) == []
    make_deal(partner=partner_b, customer_name="Umbrella Corp", customer_domain="gmail.com")
    assert find_conflicts(customer_name="Hooli Labs", customer_domain="someone@gmail.com", partner_id=partner_a.pk) == []


def test_only_open_or_protected_registrations_count(partner_a, partner_b):
    today = timezone.localdate()
    for status in (Deal.Status.DRAFT, Deal.Status.REJECTED, Deal.Status.WON, Deal.Status.LOST, Deal.Status.EXPIRED,
                   Deal.Status.WITHDRAWN):
        make_deal(partner=partner_b, status=status)
    make_deal(partner=partner_b, status=Deal.Status.APPROVED, protected_until=today - timedelta(days=1))
    assert find_conflicts(customer_name="Acme GmbH", customer_domain="acme.de", partner_id=partner_a.pk) == []
    protected = make_deal(partner=partner_b, status=Deal.Status.APPROVED, protected_until=today)
    waiting = make_deal(partner=partner_b, status=Deal.Status.MORE_INFO)
    hits = find_conflicts(customer_name="Acme GmbH", customer_domain="acme.de", partner_id=partner_a.pk)
    assert {h.object_id: h.protected for h in hits} == {protected.pk: True, waiting.pk: False}


def test_own_registrations_and_the_deal_itself_are_skipped(partner_a, partner_b):
    mine = make_deal(partner=partner_a)
    other_of_mine = make_deal(partner=partner_a)
    theirs = make_deal(partner=partner_b)
    assert [h.object_id for h in find_conflicts_for_deal(deal=mine)] == [theirs.pk]
    # Without a registering partner (e.g. staff checking a customer) every partner's registration counts.
    everyone = find_conflicts(customer_name="Acme GmbH", customer_domain="acme.de", exclude_deal_id=mine.pk)
    assert {h.object_id for h in everyone} == {other_of_mine.pk, theirs.pk}


def test_runs_the_same_inside_a_partner_scope(partner_a, partner_b):
    theirs = make_deal(partner=partner_b)
    with partner_scope(partner_a):  # a portal request: the engine still sees partner B's registration
        hits = find_conflicts(customer_name="Acme", customer_domain="acme.de", partner_id=partner_a.pk)
    assert [h.object_id for h in hits] == [theirs.pk]


def test_vendor_account_and_its_open_opportunities_are_hits(partner_a):
    account = make_account(name="Acme Aktiengesellschaft", domain="www.acme.de", country="DE")
    open_opportunity = make_opportunity(account=account)
    make_opportunity(account=account, stage=VendorOpportunity.Stage.CLOSED_WON, name="Old deal")
    hits = find_conflicts(customer_name="Acme GmbH", customer_domain="acme.de", customer_country="DE",
                          partner_id=partner_a.pk)
    by_kind = {h.kind: h for h in hits}
    assert set(by_kind) == {"vendor_account", "vendor_opportunity"}
    assert by_kind["vendor_account"].object_id == account.pk and by_kind["vendor_account"].is_vendor
    assert by_kind["vendor_account"].reasons == (DOMAIN_MATCH, SAME_COUNTRY, VENDOR_ACCOUNT)
    opportunity = by_kind["vendor_opportunity"]
    assert (opportunity.object_id, opportunity.account_id, opportunity.vendor_account_id) == (
        open_opportunity.pk, account.pk, account.pk)
    assert VENDOR_OPPORTUNITY in opportunity.reasons


def test_vendor_account_found_by_name_alone(partner_a):
    account = make_account(name="Wayne Enterprises Inc.", domain="", country="US")
    [hit] = find_conflicts(customer_name="WAYNE ENTERPRISES", customer_domain="", customer_country="US",
                           partner_id=partner_a.pk)
    assert hit.vendor_account_id == account.pk and hit.reasons == (NAME_SIMILAR, SAME_COUNTRY, VENDOR_ACCOUNT)


def test_hits_are_ordered_best_first_across_partners(partner_a, partner_b):
    partner_c = PartnerFactory(name="Gamma IT")
    weak = make_deal(partner=partner_c, customer_name="Acme Systems Europe", customer_domain="", country="FR")
    strong = make_deal(partner=partner_b, customer_name="Acme Systems", customer_domain="acme.de")
    hits = find_conflicts(customer_name="Acme Systems", customer_domain="acme.de", customer_country="DE",
                          partner_id=partner_a.pk)
    assert [h.object_id for h in deal_hits(hits)] == [strong.pk, weak.pk]
    assert hits[0].score > hits[1].score
    assert conflicts.max_score(hits) == hits[0].score


def test_nothing_to_compare_finds_nothing(partner_a, partner_b):
    make_deal(partner=partner_b, customer_domain="")
    assert find_conflicts(customer_name="", customer_domain="", partner_id=partner_a.pk) == []


def test_public_hint_is_a_yes_or_no(partner_a, partner_b):
    make_deal(partner=partner_b)
    hint = conflicts.public_hint(find_conflicts(customer_name="Acme", customer_domain="acme.de",
                                                partner_id=partner_a.pk))
    assert hint.possible_conflict is True
    assert list(vars(hint)) == ["possible_conflict"]  # no ids, names or scores to leak
    assert conflicts.public_hint([]).possible_conflict is False


def test_the_search_is_a_fixed_number_of_queries(partner_a, partner_b, django_assert_max_num_queries):
    product = make_product()
    for n in range(15):
        make_deal(partner=partner_b, customer_name=f"Acme Branch {n}", customer_domain="acme.de", products=[product])
    account = make_account()
    for _ in range(3):
        make_opportunity(account=account)
    with django_assert_max_num_queries(6):
        hits = find_conflicts(customer_name="Acme Branch", customer_domain="acme.de", product_ids=[product.pk],
                              partner_id=partner_a.pk)
    assert len(deal_hits(hits)) == 15 and all(PRODUCT_OVERLAP in h.reasons for h in deal_hits(hits))


@pytest.mark.skipif(conflicts.connection.vendor == "postgresql", reason="documents the SQLite fallback's limit")
def test_fallback_needs_a_shared_word(partner_a, partner_b):
    make_deal(partner=partner_b, customer_name="Microsoft Corporation", customer_domain="")
    # pg_trgm finds "Mikrosoft" (similarity 0.54); the fallback's prefilter needs a shared word of the name.
    assert find_conflicts(customer_name="Mikrosoft", customer_domain="", partner_id=partner_a.pk) == []
    assert len(find_conflicts(customer_name="MICROSOFT Corp.", customer_domain="", partner_id=partner_a.pk)) == 1


def test_the_partial_trigram_index_covers_exactly_the_open_statuses():
    import re

    from dealreg import sql

    statuses = re.findall(r"'(\w+)'", sql.OPEN_STATUSES_SQL)
    assert sorted(statuses) == sorted(s.value for s in Deal.OPEN_STATUSES)
    assert sql.OPEN_STATUSES_SQL in sql.DEAL_NAME_TRGM_INDEX
