"""Staff pages outside the admin: for now a landing page with the partners of the viewer's regions."""

from django.contrib.admin.views.decorators import staff_member_required
from django.template.response import TemplateResponse

from partners.selectors import partner_counts_by_region_and_status


@staff_member_required
def staff_home(request):
    partner_ids = getattr(request, "staff_partner_ids", [])
    return TemplateResponse(
        request,
        "analytics/staff/home.html",
        {"counts": partner_counts_by_region_and_status(partner_ids=partner_ids), "regions": request.user.regions.all()},
    )
