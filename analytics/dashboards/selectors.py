"""Reads of the staff dashboards: the viewer's regions and tiers, then the whole dashboard in five statements."""

from django.utils import translation

from partners.models import Tier

from . import queries
from .filters import Filters, tier_label
from .panels import Dashboard, build_dashboard


def tiers_all() -> list[Tier]:
    """Every tier, best first within each program (one query; a handful of rows): the filter's choices and the
    tier names of the panels."""
    return list(Tier.objects.select_related("program").order_by("program__name", "-rank", "pk"))


def tier_labels(tiers: list[Tier]) -> dict[int, str]:
    return {tier.pk: tier_label(tier) for tier in tiers}


def dashboard_for(*, filters: Filters, regions: list, tiers: dict[int, str], language: str | None = None) -> Dashboard:
    """The dashboard of ``filters`` (whose regions the caller limited to the viewer's): four statements."""
    distributions = queries.distribution_rows(filters)
    return build_dashboard(
        filters=filters, regions=regions, tiers=tiers,
        quarter_rows=queries.quarter_rows(filters),
        snapshot_rows=queries.snapshot_rows(filters),
        distributions=distributions,
        at_risk=queries.at_risk_rows(filters),
        freshness=distributions["states"],
        language=language or translation.get_language(),
    )
