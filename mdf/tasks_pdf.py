"""Celery adapter for the claim summary PDF: load by id, call the service. Runs in the partner's scope and language."""

from celery import shared_task

from prm.tenancy.tasks import PartnerTask


@shared_task(base=PartnerTask, name="mdf.render_claim_summary")
def render_claim_summary(*, partner_id: int, claim_id: int) -> bool:
    """Render and store a claim's summary PDF when it is missing or older than the claim (idempotent)."""
    from mdf.services.claim_pdf import claim_summary_render

    return claim_summary_render(claim_id=claim_id) is not None
