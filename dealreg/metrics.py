"""Deal registration's tier metrics: sourced won revenue and won deals over the trailing twelve months.

Import this module once at start-up (DealregConfig.ready()); registering again replaces the providers.
Influenced revenue is not a tier metric (partners.tiers.metrics knows no such code); analytics reads
it from dealreg.revenue.influenced_revenue_ttm directly.
"""

from partners.tiers import metrics

from . import revenue


def register() -> None:
    # One query serves both metrics.
    metrics.register_group((metrics.WON_REVENUE_TTM, metrics.WON_DEALS_TTM), revenue.won_ttm)


register()
