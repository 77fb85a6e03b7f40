"""The claim summary PDF (WeasyPrint): the activity, the money, the results, the evidence and the timeline
of one claim, in the partner's language. No network (partners.pdf refuses every external resource).
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from mdf.models import Activity, ActivityEvent, Claim, Payment, ProofFile
from partners.pdf import render_html_to_pdf


@dataclass(frozen=True)
class ClaimSummary:
    """Everything the PDF shows, loaded by the caller (mdf.services.claim_pdf) in a fixed number of queries."""

    partner: object
    activity: Activity
    claim: Claim
    proofs: list[ProofFile]
    events: list[ActivityEvent]
    payment: Payment | None


def render_claim_summary_html(summary: ClaimSummary, *, language: str) -> str:
    with translation.override(language), timezone.override("UTC"):
        return render_to_string("mdf/pdf/claim_summary.html", {
            "summary": summary,
            "partner": summary.partner,
            "activity": summary.activity,
            "claim": summary.claim,
            "proofs": summary.proofs,
            "events": summary.events,
            "payment": summary.payment,
            "language": language,
            "generated_at": timezone.now(),
        })


def render_claim_summary_pdf(summary: ClaimSummary, *, language: str, uncompressed: bool = False) -> bytes:
    """The PDF bytes of a claim summary in ``language`` (the partner's)."""
    return render_html_to_pdf(render_claim_summary_html(summary, language=language), uncompressed=uncompressed)
