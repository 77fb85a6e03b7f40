"""Portal actions of the claim panel: start a claim, save or submit it, attach and remove proof, the claim
summary PDF, and the scoped download of a proof file. Runs inside the partner's scope.

Writes need the ``can_claim_mdf`` capability; reading (downloads, the summary) is open to every member.
Another partner's id is not found (404): every lookup goes through the partner's scope.
"""


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mdf import selectors
from mdf.forms import ClaimForm, ProofForm, add_service_error
from mdf.models import Claim, ProofFile
from mdf.services import claim_start, claim_submit, claim_update, proof_add, proof_remove
from mdf.services.claim_pdf import claim_summary_is_fresh, claim_summary_queue
from partners.views.mixins import require_capability
from prm.common.downloads import private_download

from .portal import CAN_CLAIM, activity_or_404, detail_response, error_text

CLAIM_ANCHOR = "#claim"


def _claim_or_404(activity) -> Claim:
    claim = selectors.claim_for_activity(activity=activity)
    if claim is None:
        raise Http404
    return claim


def _back_to_claim(activity):
    return redirect(activity.get_absolute_url() + CLAIM_ANCHOR)


@require_POST
@require_capability(CAN_CLAIM)
def claim_start_view(request, pk: int):
    activity = activity_or_404(request, pk)
    try:
        _claim, created = claim_start(activity=activity, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(activity)
    if created:
        messages.success(request, _("Your claim is started. Enter the figures, attach the proof and submit it."))
    return _back_to_claim(activity)


def _save_claim(request, pk: int, *, submit: bool):
    activity = activity_or_404(request, pk)
    claim = _claim_or_404(activity)
    if submit and claim.status not in Claim.EDITABLE_STATUSES:
        # A second click on "Submit": the claim is already with the manager (or decided).
        try:
            claim_submit(claim=claim, actor=request.user)
        except ValidationError as error:
            messages.error(request, error_text(error))
        return _back_to_claim(activity)
    form = ClaimForm(request.POST, prefix="claim")
    if form.is_valid():
        try:
            with transaction.atomic():  # the figures and the submission together, or neither
                claim = claim_update(claim=claim, actor=request.user, values=form.values())
                if submit:
                    claim = claim_submit(claim=claim, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if submit:
                messages.success(request, _("Your claim for %(reference)s was submitted to your channel manager.")
                                 % {"reference": activity.reference})
            else:
                messages.success(request, _("The claim was saved."))
            return _back_to_claim(activity)
    return detail_response(request, activity, claim_form=form)


@require_POST
@require_capability(CAN_CLAIM)
def claim_update_view(request, pk: int):
    return _save_claim(request, pk, submit=False)


@require_POST
@require_capability(CAN_CLAIM)
def claim_submit_view(request, pk: int):
    return _save_claim(request, pk, submit=True)


@require_POST
@require_capability(CAN_CLAIM)
def proof_add_view(request, pk: int):
    activity = activity_or_404(request, pk)
    claim = _claim_or_404(activity)
    form = ProofForm(request.POST, request.FILES, prefix="proof")
    if form.is_valid():
        try:
            proof = proof_add(claim=claim, actor=request.user, upload=form.cleaned_data["file"],
                              kind=form.cleaned_data["kind"])
        except ValidationError as error:
            add_service_error(form, error, default_field="file")
        else:
            messages.success(request, _("%(name)s was attached.") % {"name": proof.original_name})
            return _back_to_claim(activity)
    return detail_response(request, activity, proof_form=form)


@require_POST
@require_capability(CAN_CLAIM)
def proof_remove_view(request, pk: int):
    try:
        proof = selectors.proof_get_for_download(pk=pk)
    except ProofFile.DoesNotExist:
        raise Http404 from None
    activity = activity_or_404(request, proof.claim.activity_id)
    try:
        proof_remove(proof=proof, actor=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("%(name)s was removed.") % {"name": proof.original_name})
    return _back_to_claim(activity)


def proof_download(request, pk: int):
    """A proof file of the partner's, as an attachment with its original name and the type its content has."""
    try:
        proof = selectors.proof_get_for_download(pk=pk)
    except ProofFile.DoesNotExist:
        raise Http404 from None
    if proof.partner_id != request.partner.pk or not proof.file or not proof.file.storage.exists(proof.file.name):
        raise Http404
    return private_download(proof.file, filename=proof.original_name, content_type=proof.content_type,
                            fallback=f"proof-{proof.pk}")


def claim_summary_pdf(request, pk: int):
    """The claim summary PDF when a fresh one exists; else it is queued for a worker and a waiting page shows."""
    activity = activity_or_404(request, pk)
    claim = _claim_or_404(activity)
    pdf = claim.summary_pdf
    if claim_summary_is_fresh(claim=claim) and pdf.storage.exists(pdf.name):
        return private_download(pdf, filename=f"{activity.reference}-claim.pdf", content_type="application/pdf",
                                fallback="claim.pdf")
    claim_summary_queue(claim=claim)
    return TemplateResponse(request, "mdf/portal/claim_summary_pending.html", {"activity": activity, "claim": claim})
