"""Celery adapters of the partners app: load by id, call a service. Names are explicit ("partners.<task>")."""

from celery import shared_task

from prm.tenancy.tasks import GlobalTask, PartnerTask


@shared_task(base=PartnerTask, name="partners.render_agreement_pdf")
def render_agreement_pdf(*, partner_id: int, acceptance_id: int) -> int | None:
    """Render an accepted agreement's PDF (idempotent). Runs in the partner's scope and language."""
    from partners.services.agreements import agreement_pdf_render

    pdf = agreement_pdf_render(acceptance_id=acceptance_id)
    return pdf.pk if pdf else None


@shared_task(base=GlobalTask, name="partners.onboarding_nudges")
def onboarding_nudges() -> dict:
    """Stalled onboarding and agreement re-acceptance reminders; set-based over chunks of partners."""
    from partners.services.onboarding_nudges import onboarding_nudges_send

    result = onboarding_nudges_send()
    return {"stalled_admins": result.stalled_admins, "stalled_managers": result.stalled_managers,
            "reacceptance_due": result.reacceptance_due}
