"""The health admin: operators edit the one health model (no add or delete; the list opens its form; weights must
not all be zero); scores are read-only and scoped to a channel manager's regions (another region's score is not
listed and its page is not found)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.models import HealthModel
from analytics.models.health import COMPONENTS
from tests.factories import PartnerFactory

from .health_helpers import DAY, stored

pytestmark = pytest.mark.django_db

FELL = {"pipeline_growth": {"value": -40.0, "points": 1.5, "weight": 15}}


def form_data(**changes) -> dict:
    data = {f"weight_{code}": 10 for code in COMPONENTS}
    data.update(target_training_completions_90d=3, target_certifications=2, target_asset_downloads_90d=5,
                login_full_days=7, login_zero_days=60, at_risk_below=40, at_risk_drop=15)
    data.update(changes)
    return data


def can_read_scores(user):
    user.user_permissions.add(Permission.objects.get(codename="view_healthscore"))
    return user


def test_the_model_list_opens_the_one_form_and_nothing_is_added_or_deleted(client, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:analytics_healthmodel_changelist"))
    assert response.status_code == 302 and response.url == reverse("admin:analytics_healthmodel_change", args=[1])
    assert HealthModel.objects.count() == 1
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("admin:analytics_healthmodel_add")).status_code == 403
    assert client.post(reverse("admin:analytics_healthmodel_delete", args=[1]), {"post": "yes"}).status_code == 403
    assert HealthModel.objects.count() == 1


def test_operators_edit_the_weights_and_all_zero_is_refused(client, operator):
    client.force_login(operator)
    url = reverse("admin:analytics_healthmodel_change", args=[HealthModel.current().pk])
    refused = client.post(url, form_data(**{f"weight_{code}": 0 for code in COMPONENTS}))
    assert refused.status_code == 200 and "Give at least one component a weight above zero" in refused.content.decode()
    backwards = client.post(url, form_data(login_full_days=30, login_zero_days=20))
    assert backwards.status_code == 200 and "Must be more days than the full-points limit" in backwards.content.decode()
    assert client.post(url, form_data(weight_psat=40, at_risk_below=30)).status_code == 302
    current = HealthModel.current()
    assert (current.weight_psat, current.weight_training, current.at_risk_below) == (40, 10, 30)


def test_managers_cannot_open_the_model(client, manager_a):
    client.force_login(can_read_scores(manager_a))
    assert client.get(reverse("admin:analytics_healthmodel_changelist")).status_code == 403


def test_managers_read_their_regions_scores_only(client, manager_a, partner_a, partner_b):
    mine = stored(partner_a, day=DAY, score=30, at_risk=True, components=FELL, reasons=["pipeline_growth"])
    theirs = stored(partner_b, day=DAY, score=20, at_risk=True)
    client.force_login(can_read_scores(manager_a))
    html = client.get(reverse("admin:analytics_healthscore_changelist")).content.decode()
    assert partner_a.name in html and partner_b.name not in html
    page = client.get(reverse("admin:analytics_healthscore_change", args=[mine.pk]))
    assert page.status_code == 200
    assert "Pipeline fell 40% compared with the 90 days before." in page.content.decode()
    assert client.get(reverse("admin:analytics_healthscore_change", args=[theirs.pk])).status_code == 302  # not found
    assert client.post(reverse("admin:analytics_healthscore_change", args=[mine.pk]), {}).status_code == 403
    assert client.get(reverse("admin:analytics_healthscore_add")).status_code == 403


def test_the_score_list_filters_and_keeps_its_query_count(client, operator, region_a, partner_a):
    stored(partner_a, day=DAY, score=30, at_risk=True, reasons=["training"])
    stored(partner_a, day=DAY - timedelta(days=1), score=70)
    client.force_login(operator)
    url = reverse("admin:analytics_healthscore_changelist")
    risky = client.get(url, {"at_risk": "1"}).content.decode()
    assert "Training completions" in risky and ">70<" not in risky

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries.captured_queries)

    few = count()
    for _ in range(10):
        stored(PartnerFactory(region=region_a), day=DAY, score=50)
    assert count() == few
