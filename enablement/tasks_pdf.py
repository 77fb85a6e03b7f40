"""Celery adapters for enablement's PDFs: load by id, call the service. Each runs in the partner's scope."""

from celery import shared_task

from prm.tenancy.tasks import PartnerTask


@shared_task(base=PartnerTask, name="enablement.render_certificate")
def render_certificate(*, partner_id: int, award_id: int) -> bool:
    """Render and store a certificate when it is missing or was rendered for an older validity (idempotent)."""
    from enablement.services.pdfs import certificate_render

    return certificate_render(award_id=award_id) is not None


@shared_task(base=PartnerTask, name="enablement.render_one_pager")
def render_one_pager(*, partner_id: int, asset_id: int) -> bool:
    """Render and store the partner's co-branded one-pager of an asset when missing or stale (idempotent)."""
    from enablement.services.pdfs import one_pager_render

    return one_pager_render(partner_id=partner_id, asset_id=asset_id) is not None
