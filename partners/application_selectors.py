"""Reads for recruitment: applications as staff see them (region-scoped), ranked by IPP fit score."""

from .models import PartnerApplication


def application_list_for_staff(*, user, status: str | None = None, region: str | None = None,
                               duplicate: bool | None = None):
    """The applications of the user's regions (operators: all), strongest first; one query per page."""
    qs = PartnerApplication.objects.for_staff(user).select_related("region")
    if status:
        qs = qs.filter(status=status)
    if region:
        # An id (bounded: a longer number would overflow the column) or a region code.
        qs = qs.filter(region_id=int(region)) if region.isdigit() and len(region) <= 18 else qs.filter(region__code=region)
    if duplicate is not None:
        qs = qs.filter(is_duplicate=duplicate)
    return qs.order_by("-score", "created_at", "id")
