"""The claim summary PDF: when it is fresh, queueing its rendering, and rendering and storing it (in a worker).

A summary is fresh when it was rendered after the claim last changed (``summary_rendered_at`` ≥
``updated_at``). Rendering runs outside any transaction (no lock held while WeasyPrint works); storing
it locks the claim and keeps the newest rendering only, so two workers racing leave one file.
"""

import logging
import secrets
from functools import partial

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from mdf.models import Activity, ActivityEvent, Claim, Payment, ProofFile
from partners.models import PartnerOrganization
from prm.common.audit import audit

logger = logging.getLogger(__name__)

# A refreshing partner queues the rendering at most once per claim version in this many seconds.
QUEUE_THROTTLE_SECONDS = 120


def claim_summary_is_fresh(*, claim: Claim) -> bool:
    return bool(claim.summary_pdf and claim.summary_rendered_at and claim.summary_rendered_at >= claim.updated_at)


def _dispatch(partner_id: int, claim_id: int) -> None:
    from mdf.tasks_pdf import render_claim_summary

    try:
        render_claim_summary.delay(partner_id=partner_id, claim_id=claim_id)
    except Exception:
        # The summary page queues it again on the next visit.
        logger.warning("Queueing the summary PDF of claim %s failed", claim_id, exc_info=True)


def claim_summary_queue(*, claim: Claim) -> bool:
    """Queue the rendering after commit unless it was queued for this version of the claim a moment ago.
    Returns whether it was queued. Safe to call on every page view."""
    key = f"mdf:claim-summary:{claim.pk}:{claim.updated_at.timestamp():.6f}"
    if not cache.add(key, 1, timeout=QUEUE_THROTTLE_SECONDS):
        return False
    transaction.on_commit(partial(_dispatch, claim.partner_id, claim.pk), robust=True)
    return True


def claim_summary_load(*, claim_id: int):
    """Everything the PDF shows, in five queries; None when the claim is gone (or in another scope)."""
    from mdf.pdf import ClaimSummary

    claim = Claim.objects.filter(pk=claim_id).first()
    if claim is None:
        return None
    activity = Activity.objects.select_related("fund").get(pk=claim.activity_id)
    partner = PartnerOrganization.objects.get(pk=claim.partner_id)
    return ClaimSummary(
        partner=partner, activity=activity, claim=claim,
        proofs=list(ProofFile.objects.filter(claim=claim).order_by("uploaded_at", "id")),
        events=list(ActivityEvent.objects.filter(activity_id=activity.pk).order_by("at", "id")),
        payment=Payment.objects.filter(claim=claim).first(),
    )


def claim_summary_render(*, claim_id: int, force: bool = False) -> Claim | None:
    """Render the claim's summary PDF in its partner's language and store it on the claim, unless a fresh one
    exists (idempotent: a redelivered task does nothing). Call in the claim's partner scope (PartnerTask)."""
    from mdf.pdf import render_claim_summary_pdf

    summary = claim_summary_load(claim_id=claim_id)
    if summary is None:
        return None
    claim = summary.claim
    storage = Claim._meta.get_field("summary_pdf").storage
    if claim_summary_is_fresh(claim=claim) and storage.exists(claim.summary_pdf.name) and not force:
        return claim
    started = timezone.now()
    content = render_claim_summary_pdf(summary, language=summary.partner.default_language)
    # A random part keeps file names unguessable even if storage is ever exposed by mistake.
    name = storage.save(f"mdf/claims/{claim.partner_id}/claim-{claim.pk}-{secrets.token_hex(8)}.pdf",
                        ContentFile(content))
    with transaction.atomic():
        current = Claim.objects.select_for_update().get(pk=claim.pk)
        if current.summary_rendered_at and current.summary_rendered_at >= started:
            transaction.on_commit(partial(storage.delete, name))  # another worker stored a newer one
            return current
        previous = current.summary_pdf.name
        # A queryset update: the claim's updated_at (auto_now) must not move, or the summary would be stale at once.
        Claim.objects.filter(pk=claim.pk).update(summary_pdf=name, summary_rendered_at=started)
        if previous:
            transaction.on_commit(partial(storage.delete, previous))
        audit(actor=None, action="mdf.claim.summary_rendered", target=current, data={"file": name})
    current.summary_pdf.name, current.summary_rendered_at = name, started
    return current
