"""The partner home (/portal/) with analytics' panels, and the performance page (/portal/performance/): what each
panel shows from hand-built facts, the "being prepared" fallback, isolation between partners, and a query count
that does not depend on the amount of data."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.periods import last_quarters
from dealreg.models import Deal
from enablement.models import Enrollment
from mdf.models import Activity, Claim
from prm.common import home as home_registry
from tests.analytics import home_helpers as h
from tests.partners.tier_helpers import make_program, place

pytestmark = pytest.mark.django_db
HOME = "/portal/"
PERFORMANCE = "/portal/performance/"


def page(client, user, url=HOME) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response
    return response.content.decode()


def text_of(html: str) -> str:
    """The page's visible text, whitespace collapsed (amounts and labels read as a person reads them)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


# --- the registry ---------------------------------------------------------------------------------------------


def test_registry_orders_panels_and_skips_those_without_content():
    saved = dict(home_registry._PANELS)
    try:
        home_registry._PANELS.clear()
        home_registry.register_panel("b", 20, lambda request: {"n": 2}, "b.html")
        home_registry.register_panel("a", 10, lambda request: {"n": 1}, "a.html")
        home_registry.register_panel("hidden", 15, lambda request: None, "hidden.html")
        home_registry.register_panel("a", 30, lambda request: {"n": 3}, "a2.html")  # same name: replaced
        assert home_registry.panels(object()) == [("b.html", {"n": 2}), ("a2.html", {"n": 3})]
    finally:
        home_registry._PANELS.clear()
        home_registry._PANELS.update(saved)


def test_analytics_registers_its_panels_inbox_first():
    names = [p.name for p in home_registry.registered_panels() if p.name.startswith("analytics.")]
    assert names == ["analytics.inbox", "analytics.pipeline", "analytics.funds", "analytics.training",
                     "analytics.tier", "analytics.health"]


# --- the panels ---------------------------------------------------------------------------------------------------


def test_panels_follow_the_inbox_and_come_before_the_organisation(client, partner_a, admin_a):
    _program, tiers = make_program()
    place(partner_a, tiers["silver"])
    html = page(client, admin_a)
    positions = [html.index(f'id="{name}-title"') for name in
                 ("inbox", "pipeline", "funds", "training", "tier", "health", "org")]
    assert positions == sorted(positions)
    assert "Nothing needs your attention right now." in html


def test_without_a_snapshot_the_figures_are_being_prepared(client, partner_a, user_a):
    h.deal(partner_a, status=Deal.Status.APPROVED, protected_until=h.today() + timedelta(days=30), by=user_a)
    html = page(client, user_a)
    assert "Your figures are being prepared." in html
    assert "Open pipeline" not in html  # never a number computed from the raw registrations on a page view


def test_pipeline_reads_the_snapshot_with_its_date(client, partner_a, user_a):
    h.snapshot(partner_a, open_deals=7, protected_deals=4, open_pipeline_base=Decimal("125000.00"),
               won_revenue_ttm_base=Decimal("480250.50"), influenced_revenue_ttm_base=Decimal("35000.00"),
               won_deals_ttm=9)
    text = text_of(page(client, user_a))
    assert "Open registrations 7" in text and "Protected 4" in text
    assert "Open pipeline €125,000.00" in text
    assert "Won, last 12 months (sourced) €480,250.50" in text
    assert "Won, last 12 months (influenced) €35,000.00" in text
    assert "Deals won, last 12 months 9" in text
    assert "as of " in text


def test_funds_show_the_balance_and_claims_awaiting_a_decision(client, partner_a, user_a):
    today = h.today()
    h.fund(partner_a, allocated="10000", reserved="2500", spent="1500", expires_on=today + timedelta(days=60))
    h.fund(partner_a, allocated="4000", expires_on=today - timedelta(days=1),
           period_start=today - timedelta(days=200))  # expired: not requestable
    for _ in range(2):
        h.activity(partner_a, claim_status=Claim.Status.SUBMITTED)
    h.activity(partner_a, claim_status=Claim.Status.PAID)
    text = text_of(page(client, user_a))
    assert "Available €6,000.00" in text  # 10,000 - 2,500 - 1,500
    assert "Claims awaiting a decision 2" in text
    assert "Approved, not paid yet €1,500.00" in text
    assert reverse("mdf:activity_create") not in page(client, user_a)  # may not claim: no request button


def test_training_shows_courses_and_certifications(client, partner_a, admin_a, user_a):
    today = h.today()
    courses = [h.course() for _ in range(4)]
    h.enroll(partner_a, user_a, courses[0], status=Enrollment.Status.COMPLETED)
    h.enroll(partner_a, user_a, courses[1], status=Enrollment.Status.IN_PROGRESS)
    h.enroll(partner_a, user_a, courses[2])
    h.enroll(partner_a, admin_a, courses[3], status=Enrollment.Status.COMPLETED)  # someone else's
    h.award(partner_a, user_a, expires_on=today + timedelta(days=30))
    h.award(partner_a, admin_a, expires_on=today + timedelta(days=300))
    text = text_of(page(client, user_a))
    assert "1 of 3 of your courses completed" in text
    assert "Courses in progress 1" in text and "Not started 1" in text
    assert "Your active certifications 1 expiring soon 1" in text
    assert "Your company's active certifications 2" in text


def test_tier_panel_shows_progress_toward_the_next_tier(client, partner_a, user_a):
    _program, tiers = make_program()
    place(partner_a, tiers["silver"])
    html = page(client, user_a)
    text = text_of(html)
    assert "Silver" in text and "Toward Gold:" in text
    assert "Won revenue, last 12 months" in text and "€0.00 / €500,000.00" in text
    assert f'href="{reverse("partners:tier")}"' in html


def test_tier_panel_is_left_out_without_a_program(client, partner_a, user_a):
    assert 'id="tier-title"' not in page(client, user_a)


def test_health_score_with_what_would_raise_it(client, partner_a, user_a):
    h.health(partner_a, score=40, previous=55)
    text = text_of(page(client, user_a))
    assert "40 / 100" in text and "-15 in 30 days" in text and "needs attention" in text
    # The most missing points first: pipeline growth (40), then certifications (20); sign-ins are full.
    assert text.index("Pipeline growth up to 40 points") < text.index("Active certifications up to 20 points")
    assert "Earn 1 more certification." in text
    assert "Sign-in recency up to" not in text


def test_health_without_a_score_yet(client, partner_a, user_a):
    assert "Your health score is calculated every night" in page(client, user_a)


def test_inbox_on_the_page_links_to_the_work(client, partner_a, admin_a):
    deal = h.deal(partner_a, status=Deal.Status.MORE_INFO, by=admin_a)
    html = page(client, admin_a)
    assert 'data-kind="deals_more_info"' in html
    assert f'href="{reverse("dealreg:deal_detail", args=[deal.pk])}"' in html
    assert "1 registration is waiting for more information from you." in html


# --- the performance page ---------------------------------------------------------------------------------------------


def test_performance_page_shows_four_quarters_and_the_health_factors(client, partner_a, user_a):
    quarters = last_quarters(h.today(), 4)
    h.quarter_fact(partner_a, quarters[3], sourced_won_base=Decimal("12000.00"), influenced_won_base=Decimal("3000.00"),
                   registrations_submitted=5, registrations_approved=3, registrations_rejected=1,
                   mdf_spent_base=Decimal("750.00"), course_completions=2)
    h.quarter_fact(partner_a, quarters[1], registrations_submitted=1)
    h.health(partner_a)
    html = page(client, user_a, PERFORMANCE)
    text = text_of(html)
    labels = [f"{q.year}-Q{(q.month - 1) // 3 + 1}" for q in quarters]
    assert [text.index(label) for label in labels] == sorted(text.index(label) for label in labels)
    latest = text[text.index(labels[3]):]
    assert latest.startswith(f"{labels[3]} €12,000.00 €3,000.00 5 75 % €750.00 2")  # 3 of 4 decisions approved
    assert f"{labels[0]} €0.00 €0.00 0 — €0.00 0" in text  # no fact row: zeros, no rate
    assert "Pipeline fell 40% compared with the 90 days before." in text
    assert "Someone signed in 2 days ago." in text
    assert "1 active certification." in text
    assert 'data-factor="pipeline_growth"' in html and "0 of 40" in text
    assert "30 days earlier: 55" in text


def test_performance_page_before_any_rollup(client, partner_a, user_a):
    html = page(client, user_a, PERFORMANCE)
    assert "Your figures are being prepared." in html
    assert "Your health score is calculated every night" in html
    assert reverse("analytics_portal:performance") == PERFORMANCE


# --- isolation ---------------------------------------------------------------------------------------------------------


def test_another_partners_figures_never_show(client, partner_a, partner_b, admin_a, admin_b):
    h.snapshot(partner_a, open_deals=71, open_pipeline_base=Decimal("987654.00"))
    h.snapshot(partner_b, open_deals=12, open_pipeline_base=Decimal("1111.00"))
    h.quarter_fact(partner_a, last_quarters(h.today(), 1)[0], sourced_won_base=Decimal("424242.00"))
    h.health(partner_a, score=33)
    h.deal(partner_a, status=Deal.Status.MORE_INFO, by=admin_a)
    h.activity(partner_a, status=Activity.Status.MORE_INFO)
    h.award(partner_a, admin_a, expires_on=h.today() + timedelta(days=10))

    home_b, performance_b = page(client, admin_b), page(client, admin_b, PERFORMANCE)
    for html in (home_b, performance_b):
        assert "987,654" not in html and "424,242" not in html and "33 / 100" not in text_of(html)
    assert "Nothing needs your attention right now." in home_b
    assert "Open pipeline €1,111.00" in text_of(home_b)  # its own snapshot (in the base currency)
    text_a = text_of(page(client, admin_a))
    assert "€987,654.00" in text_a and "33 / 100" in text_a


# --- cost ----------------------------------------------------------------------------------------------------------------


def home_queries(client, user) -> int:
    client.force_login(user)
    client.get(HOME)  # sessions, content types and the health model's defaults are warm
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries.captured_queries)


# 11 for the shell (session, user, membership, agreement lock, organisation and team cards), 9 for the tier
# progress selector (configuration, state, one per metric provider, expiring certifications), 11 for analytics'
# sources (deals, MDF activities, funds, balances, certifications, courses, paths, PSAT, snapshot, score, model).
HOME_QUERY_BUDGET = 32


def test_home_query_count_is_the_same_with_no_data_and_with_lots(client, partner_a, admin_a):
    _program, tiers = make_program()
    place(partner_a, tiers["silver"])
    h.snapshot(partner_a)
    h.health(partner_a)
    few = home_queries(client, admin_a)

    today = h.today()
    h.deals(partner_a, 40, by=admin_a, status=Deal.Status.APPROVED, protected_until=today + timedelta(days=3))
    h.deals(partner_a, 40, by=admin_a, status=Deal.Status.MORE_INFO)
    for index in range(12):
        h.activity(partner_a, claim_deadline=today + timedelta(days=5 + index % 5))
        h.activity(partner_a, claim_status=Claim.Status.SUBMITTED)
        h.enroll(partner_a, admin_a, h.course(), status=Enrollment.Status.IN_PROGRESS)
        h.award(partner_a, admin_a, expires_on=today + timedelta(days=20 + index))
    h.assign(partner_a, admin_a, h.learning_path(h.course(), h.course()))
    h.fund(partner_a, allocated="900", expires_on=today + timedelta(days=4), period_start=today - timedelta(days=95))
    many = home_queries(client, admin_a)
    assert many == few, (few, many)
    assert few <= HOME_QUERY_BUDGET, few


def test_performance_query_count_is_fixed(client, partner_a, user_a, django_assert_max_num_queries):
    h.health(partner_a)
    client.force_login(user_a)
    client.get(PERFORMANCE)
    with CaptureQueriesContext(connection) as few:
        client.get(PERFORMANCE)
    for quarter in last_quarters(h.today(), 8):
        h.quarter_fact(partner_a, quarter, registrations_submitted=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PERFORMANCE).status_code == 200
