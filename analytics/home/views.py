"""/portal/performance/: the partner's KPIs by quarter (from the rollups) and its health score explained.

Runs in the partner's scope; a fixed number of queries (the quarter facts, the snapshot, the latest score
and the health model), whatever the partner's history.
"""

from django.conf import settings
from django.template.response import TemplateResponse

from analytics.health import explain

from .data import home_data
from .selectors import quarter_kpis

QUARTERS_SHOWN = 4


def performance(request):
    data = home_data(request)
    score = data.health
    quarters = quarter_kpis(partner=request.partner, today=data.today, count=QUARTERS_SHOWN)
    refreshed = [q.refreshed_at for q in quarters if q.refreshed_at is not None]
    return TemplateResponse(request, "analytics/home/performance.html", {
        "quarters": quarters,
        "quarters_as_of": min(refreshed) if refreshed else None,
        "snapshot": data.snapshot,
        "score": score,
        "factors": explain.factors(score) if score is not None else [],
        "improvements": data.health_improvements(limit=3),
        "currency": settings.BASE_CURRENCY,
    })
