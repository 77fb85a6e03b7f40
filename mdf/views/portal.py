"""Portal pages for the partner's market development funds: balances and funds, each fund's ledger, requests
(activities) and their detail with the claim panel. Runs inside the partner's scope.

Every member sees the partner's funds and activities; requesting funds, editing, submitting, cancelling and
claiming need the ``can_claim_mdf`` capability (partner admins have it). The claim panel's own actions
(claim, proof, summary PDF, download) live in views/claims.py.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mdf import selectors
from mdf.forms import ActivityFilterForm, ActivityForm, CancelForm, ClaimForm, ProofForm, add_service_error
from mdf.models import REQUIRED_EVIDENCE, Activity, Claim, EvidenceKind, Fund, MdfProgram
from mdf.services import (
    activity_cancel,
    activity_create,
    activity_submit,
    activity_update,
    cost_share_percent_for,
    fund_requestable,
    missing_evidence,
)
from mdf.services.ledger import TOTALS, money
from partners.views.mixins import require_capability

PAGE_SIZE = 25
CAN_CLAIM = "can_claim_mdf"


def can_claim(request) -> bool:
    membership = getattr(request, "membership", None)
    return bool(membership and membership.can(CAN_CLAIM))


def activity_or_404(request, pk: int) -> Activity:
    try:
        return selectors.activity_get_for_portal(partner=request.partner, pk=pk)
    except Activity.DoesNotExist:
        raise Http404 from None


def error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


# --- overview and fund ledger ---------------------------------------------------------------------------------


def overview(request):
    filters = ActivityFilterForm(request.GET or None)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    activities = selectors.activity_list_for_portal(partner=request.partner, status=wanted.get("status"),
                                                    q=wanted.get("q"))
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(request, "mdf/portal/overview.html", {
        "balances": selectors.balances_for(partner=request.partner, today=timezone.localdate()),
        "funds": selectors.fund_list_for_portal(partner=request.partner),
        "filters": filters, "page": page, "activities": page.object_list, "query": query.urlencode(),
        "filtered": bool(wanted and any(wanted.values())),
        "can_claim": can_claim(request),
    })


def fund_detail(request, pk: int):
    try:
        fund = selectors.fund_get_for_portal(partner=request.partner, pk=pk)
    except Fund.DoesNotExist:
        raise Http404 from None
    entries = list(selectors.fund_entries(fund=fund))
    derived = selectors.fund_ledger_totals(fund=fund)
    recorded = {field: getattr(fund, field) for field in TOTALS}
    return TemplateResponse(request, "mdf/portal/fund_detail.html", {
        "fund": fund, "entries": entries, "derived": derived, "totals_match": derived == recorded,
        "derived_available": derived["allocated"] - derived["reserved"] - derived["spent"] - derived["expired"],
    })


# --- the request (activity) form ------------------------------------------------------------------------------


def _form_context(request, form: ActivityForm, activity: Activity | None) -> dict:
    percent = activity.cost_share_percent if activity is not None else cost_share_percent_for(partner=request.partner)
    planned = form.cleaned_data.get("planned_cost") if form.is_bound and hasattr(form, "cleaned_data") else None
    if planned is None and activity is not None:
        planned = activity.planned_cost
    return {
        "form": form, "activity": activity, "cost_share_percent": percent,
        "vendor_share": money(planned * percent / Decimal(100)) if planned else None,
        "currency": activity.currency if activity is not None else request.partner.currency,
        "fund": fund_requestable(partner=request.partner, today=timezone.localdate()),
    }


def _saved_message(request, activity: Activity) -> None:
    if activity.status == Activity.Status.SUBMITTED:
        messages.success(request, _("%(reference)s was sent to your channel manager for pre-approval.")
                         % {"reference": activity.reference})
    else:
        messages.success(request, _("Saved as a draft (%(reference)s).") % {"reference": activity.reference})


@require_capability(CAN_CLAIM)
def activity_create_view(request):
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity, _created = activity_create(
                partner=request.partner, actor=request.user, values=form.values(),
                idempotency_key=form.cleaned_data.get("idempotency_key", ""),
                submit=request.POST.get("action") == "submit",
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            _saved_message(request, activity)
            return redirect(activity)
    return TemplateResponse(request, "mdf/portal/activity_form.html", _form_context(request, form, None))


@require_capability(CAN_CLAIM)
def activity_edit(request, pk: int):
    activity = activity_or_404(request, pk)
    if activity.status not in Activity.EDITABLE_STATUSES:
        messages.error(request, _("Only drafts and requests sent back for more information can be edited."))
        return redirect(activity)
    form = ActivityForm(request.POST or None, initial=ActivityForm.initial_for(activity))
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # edit and submit together, or neither
                activity = activity_update(activity=activity, actor=request.user, values=form.values())
                if request.POST.get("action") == "submit":
                    activity = activity_submit(activity=activity, actor=request.user)
        except ValidationError as error:
            add_service_error(form, error)
            activity.refresh_from_db()
        else:
            _saved_message(request, activity)
            return redirect(activity)
    return TemplateResponse(request, "mdf/portal/activity_form.html", _form_context(request, form, activity))


@require_GET
@require_capability(CAN_CLAIM)
def vendor_share_preview(request):
    """htmx: the vendor's share of the planned cost typed so far (the form works without it)."""
    try:
        planned = money(request.GET.get("planned_cost", "").replace(",", "."))
    except ArithmeticError:
        planned = None
    if planned is not None and (not planned.is_finite() or planned <= 0):
        planned = None
    percent = cost_share_percent_for(partner=request.partner)
    return TemplateResponse(request, "mdf/portal/_vendor_share.html", {
        "cost_share_percent": percent, "currency": request.partner.currency,
        "vendor_share": money(planned * percent / Decimal(100)) if planned is not None else None,
    })


@require_POST
@require_capability(CAN_CLAIM)
def activity_submit_view(request, pk: int):
    activity = activity_or_404(request, pk)
    try:
        activity = activity_submit(activity=activity, actor=request.user)
    except ValidationError as error:
        messages.error(request, _("The request cannot be submitted yet: %(problems)s") % {"problems": error_text(error)})
        if activity.status in Activity.EDITABLE_STATUSES:
            return redirect("mdf:activity_edit", pk=activity.pk)
        return redirect(activity)
    _saved_message(request, activity)
    return redirect(activity)


@require_POST
@require_capability(CAN_CLAIM)
def activity_cancel_view(request, pk: int):
    activity = activity_or_404(request, pk)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        activity_cancel(activity=activity, actor=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("%(reference)s was cancelled.") % {"reference": activity.reference})
    return redirect(activity)


# --- detail with the claim panel ------------------------------------------------------------------------------


def _claim_window(activity: Activity, claim: Claim | None, today) -> dict:
    """Whether a claim can be started today, and if not, why (shown to the partner)."""
    if activity.status != Activity.Status.APPROVED or claim is not None:
        return {"can_start": False, "not_yet": False, "closed": False}
    not_yet = today < activity.ends_on
    closed = bool(activity.claim_deadline and today > activity.claim_deadline)
    return {"can_start": not not_yet and not closed, "not_yet": not_yet, "closed": closed}


def detail_response(request, activity: Activity, *, claim_form: ClaimForm | None = None,
                    proof_form: ProofForm | None = None):
    """The activity page; the claim views render it again with their bound forms when input is refused."""
    claim = selectors.claim_for_activity(activity=activity)
    required = REQUIRED_EVIDENCE.get(activity.activity_type, (EvidenceKind.INVOICE,))
    missing = set(missing_evidence(claim=claim)) if claim is not None else set(required)
    editable_claim = claim is not None and claim.status in Claim.EDITABLE_STATUSES
    if editable_claim:
        claim_form = claim_form or ClaimForm(initial=ClaimForm.initial_for(claim), prefix="claim")
        proof_form = proof_form or ProofForm(required_kinds=[k for k in required if k in missing] or required,
                                             prefix="proof")
    ropi = selectors.ropi_for_activities(activity_ids=[activity.pk])[activity.pk]
    return TemplateResponse(request, "mdf/portal/activity_detail.html", {
        "activity": activity,
        "events": list(activity.events.all()),
        "claim": claim,
        "proofs": list(claim.proofs.all()) if claim is not None else [],
        "payment": getattr(claim, "payment", None) if claim is not None else None,
        "checklist": [(kind, EvidenceKind(kind).label, kind not in missing) for kind in required],
        "claim_form": claim_form, "proof_form": proof_form, "editable_claim": editable_claim,
        "cancel_form": CancelForm(),
        "window": _claim_window(activity, claim, timezone.localdate()),
        "program": MdfProgram.current() if editable_claim else None,
        "ropi": ropi, "base_currency": settings.BASE_CURRENCY,
        "can_claim": can_claim(request),
        "editable": activity.status in Activity.EDITABLE_STATUSES,
        "cancellable": activity.status in Activity.CANCELLABLE_STATUSES
        and (claim is None or claim.status == Claim.Status.DRAFT),
    })


def activity_detail(request, pk: int):
    return detail_response(request, activity_or_404(request, pk))
