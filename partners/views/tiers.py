"""The partner's tier page (/portal/tier/): its tier and benefits, per criterion where it stands and what
the next tier needs, what is at risk, and the history. Runs in the partner's scope; a fixed number of
queries whatever the partner's history."""

from django.template.response import TemplateResponse

from partners.tiers import benefits as tier_benefits
from partners.tiers.progress import tier_progress_for
from partners.tiers.selectors import tier_history_for_partner


def tier_overview(request):
    progress = tier_progress_for(partner=request.partner)
    benefits = (tier_benefits.benefits_of_tier(progress.tier) if progress.tier is not None
                else tier_benefits.default_benefits())
    return TemplateResponse(request, "partners/portal/tier.html", {
        "progress": progress,
        "benefits": benefits,
        "history": list(tier_history_for_partner(partner=request.partner)),
    })
