"""Explaining a score: one sentence per component in COMPONENTS order, the advice that would raise it most, and the
latest score read in the caller's scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.health import explain, scoring
from analytics.models import HealthScore
from prm.tenancy.scoping import ScopeError, partner_scope

from .health_helpers import DAY, full_fixture, score_of, stored

pytestmark = pytest.mark.django_db


def unsaved(components: dict) -> HealthScore:
    return HealthScore(partner_id=1, day=DAY, score=50, components=components, computed_at=timezone.now())


def test_every_component_is_explained_in_order(partner_a):
    full_fixture(partner_a)
    with partner_scope(partner_a):
        scoring.score_partners([partner_a.pk], DAY)
    factors = explain.factors(score_of(partner_a))
    assert [(f.code, f.label, f.message) for f in factors] == [
        ("login_recency", "Sign-in recency", "Someone signed in 3 days ago."),
        ("active_users", "Active users", "1 of 4 members signed in during the last 30 days."),
        ("training", "Training completions", "2 courses completed in the last 90 days."),
        ("certifications", "Active certifications", "1 active certification."),
        ("pipeline_growth", "Pipeline growth", "Pipeline fell 5% compared with the 90 days before."),
        ("win_rate", "Win rate", "Won 2 of 3 deals closed in the last 12 months (67%)."),
        ("mdf_utilisation", "MDF utilisation", "50% of the open MDF funds is reserved or spent."),
        ("psat", "Partner satisfaction (PSAT)", "Average satisfaction score 7.0 out of 10 in the last 180 days."),
        ("asset_downloads", "Asset downloads", "3 assets downloaded in the last 90 days."),
    ]
    assert factors[4].points == 6.75 and factors[4].weight == 15.0 and factors[4].value == -5.0
    assert factors[4].previous == "2000.00" and factors[0].previous is None


def test_improvements_come_by_missing_points_with_advice(partner_a):
    full_fixture(partner_a)
    with partner_scope(partner_a):
        scoring.score_partners([partner_a.pk], DAY)
    # Missing points: pipeline 8.25, active users 7.5, certifications 7.5 (a tie keeps COMPONENTS order), MDF 5, ...
    best = explain.improvements(score_of(partner_a))
    assert [(f.code, f.message) for f in best] == [
        ("pipeline_growth", "Register more deals: full points when the last 90 days bring 50% more pipeline than "
                            "the 90 days before."),
        ("active_users", "Get 3 more colleagues to sign in within the next 30 days."),
        ("certifications", "Earn 1 more certification."),
    ]
    assert len(explain.improvements(score_of(partner_a), limit=5)) == 5


@pytest.mark.parametrize(("code", "entry", "message"), [
    ("pipeline_growth", {"value": -40.0, "points": 1.5, "weight": 15}, "Pipeline fell 40% compared with the 90 days before."),
    ("pipeline_growth", {"value": 12.5, "points": 9.4, "weight": 15}, "Pipeline grew 12% compared with the 90 days before."),
    ("pipeline_growth", {"value": None, "points": 15, "weight": 15},
     "New pipeline in the last 90 days, none in the 90 days before."),
    ("login_recency", {"value": 45, "points": 4.2, "weight": 15}, "Nobody has signed in for 45 days."),
    ("login_recency", {"value": None, "points": 0, "weight": 15}, "Nobody has signed in yet."),
    ("login_recency", {"value": 0, "points": 15, "weight": 15}, "Someone signed in today."),
    ("training", {"value": 1, "points": 3.3, "weight": 10}, "1 course completed in the last 90 days."),
])
def test_messages(code, entry, message):
    [factor] = explain.factors(unsaved({code: entry}))
    assert factor.message == message


def test_training_advice_counts_what_is_missing_to_the_target():
    score = unsaved({"training": {"value": 1, "points": 3.33, "weight": 10}})
    [factor] = explain.improvements(score)
    assert factor.message == "Complete 2 more courses in the next 90 days." and factor.missing == 6.67


def test_full_components_are_not_suggested():
    score = unsaved({"login_recency": {"value": 1, "points": 15, "weight": 15}})
    assert explain.improvements(score) == []


def test_latest_for_reads_in_the_callers_scope(partner_a, partner_b):
    stored(partner_a, day=DAY - timedelta(days=1), score=40)
    latest = stored(partner_a, day=DAY, score=45)
    stored(partner_b, day=DAY, score=90)
    with partner_scope(partner_a):
        assert explain.latest_for(partner_a.pk) == latest
        assert explain.latest_for(partner_a) == latest
        assert explain.latest_for(partner_b.pk) is None  # another partner's score is not visible
    with pytest.raises(ScopeError):
        explain.latest_for(partner_a.pk)
