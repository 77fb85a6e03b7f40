"""Portal pages for the partner's deal registrations. Runs inside the partner's scope.

Every member sees the partner's registrations; registering, editing, submitting, withdrawing and
asking for extensions need the ``can_register_deals`` capability.
"""

from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dealreg import selectors
from dealreg.forms import HINT_FIELDS, DealFilterForm, DealForm, ExtensionRequestForm, WithdrawForm
from dealreg.models import Deal
from dealreg.services.extensions import extension_can_request, extension_request
from dealreg.services.registration import (
    conflict_hint,
    deal_create,
    deal_delete,
    deal_submit,
    deal_update,
    deal_withdraw,
)
from partners.countries import country_name
from partners.views.mixins import require_capability

from .participants import participants_panel_context

PAGE_SIZE = 25
CAN_REGISTER = "can_register_deals"
# The hint reads across partners; a cap per person keeps it a hint, not a way to probe the customer base.
HINT_LIMIT_PER_HOUR = 120


def _deal_or_404(request, pk: int) -> Deal:
    try:
        return selectors.deal_get_for_portal(partner=request.partner, pk=pk)
    except Deal.DoesNotExist:
        raise Http404 from None


def _error_messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def deal_list(request):
    filters = DealFilterForm(request.GET or None)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    deals = selectors.deal_list_for_portal(
        partner=request.partner, status=wanted.get("status"), stage=wanted.get("stage"), q=wanted.get("q")
    )
    page = Paginator(deals, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return TemplateResponse(request, "dealreg/portal/deal_list.html", {
        "filters": filters, "page": page, "deals": page.object_list, "query": query.urlencode(),
        "can_register": request.membership.can(CAN_REGISTER), "filtered": bool(wanted and any(wanted.values())),
    })


def _save_form(request, form: DealForm, *, deal: Deal | None):
    """Create or update from a valid form; returns the registration or None (errors are on the form)."""
    submit = request.POST.get("action") == "submit"
    try:
        if deal is None:
            deal, _created = deal_create(
                partner=request.partner, actor=request.user, values=form.values(),
                products=form.cleaned_data["products"], idempotency_key=form.cleaned_data.get("idempotency_key", ""),
                submit=submit,
            )
        else:
            deal = deal_update(deal=deal, actor=request.user, values=form.values(),
                               products=form.cleaned_data["products"],
                               submit=submit and deal.status in (Deal.Status.DRAFT, Deal.Status.MORE_INFO))
    except ValidationError as error:
        form.add_error(None, error)
        return None
    if deal.status == Deal.Status.DRAFT:
        messages.success(request, _("Saved as a draft (%(reference)s).") % {"reference": deal.reference})
    elif deal.status == Deal.Status.APPROVED and submit:
        messages.success(request, _("%(reference)s was approved automatically.") % {"reference": deal.reference})
    elif deal.status == Deal.Status.SUBMITTED:
        messages.success(request, _("%(reference)s is waiting for approval.") % {"reference": deal.reference})
    else:
        messages.success(request, _("Changes saved."))
    return deal


@require_capability(CAN_REGISTER)
def deal_create_view(request):
    form = DealForm(request.POST or None, initial={"currency": request.partner.currency})
    if request.method == "POST" and form.is_valid():
        deal = _save_form(request, form, deal=None)
        if deal is not None:
            return redirect(deal)
    return TemplateResponse(request, "dealreg/portal/deal_form.html", {"form": form, "deal": None})


@require_capability(CAN_REGISTER)
def deal_edit(request, pk: int):
    deal = _deal_or_404(request, pk)
    if not deal.is_editable:
        messages.error(request, _("This registration is closed and can no longer be changed."))
        return redirect(deal)
    form = DealForm(request.POST or None, deal=deal, initial=DealForm.initial_for(deal))
    if request.method == "POST" and form.is_valid():
        saved = _save_form(request, form, deal=deal)
        if saved is not None:
            return redirect(saved)
    return TemplateResponse(request, "dealreg/portal/deal_form.html", {
        "form": form, "deal": deal,
        "material_percent": selectors.published_rules(partner=request.partner).material_change_percent,
    })


def deal_detail(request, pk: int):
    deal = _deal_or_404(request, pk)
    today = timezone.localdate()
    can_register = request.membership.can(CAN_REGISTER)
    can_extend, extend_blocker = extension_can_request(deal=deal, today=today) if deal.is_protected else (False, "")
    return TemplateResponse(request, "dealreg/portal/deal_detail.html", {
        "deal": deal,
        "country_name": country_name(deal.customer_country) if deal.customer_country else "",
        "timeline": selectors.deal_timeline_entries(deal=deal),
        "extensions": selectors.extension_requests_for(deal=deal),
        "withdrawable": Deal.WITHDRAWABLE_STATUSES,
        "participants_panel": participants_panel_context(request=request, deal=deal),
        "can_register": can_register,
        "can_extend": can_register and can_extend,
        "extend_blocker": extend_blocker,
        "days_left": (deal.protected_until - today).days if deal.is_protected else None,
        "withdraw_form": WithdrawForm(),
    })


@require_POST
@require_capability(CAN_REGISTER)
def deal_submit_view(request, pk: int):
    deal = _deal_or_404(request, pk)
    try:
        deal = deal_submit(deal=deal, actor=request.user)
    except ValidationError as error:
        messages.error(request, _("The registration cannot be submitted yet: %(problems)s")
                       % {"problems": _error_messages(error)})
        return redirect("dealreg:deal_edit", pk=deal.pk)
    if deal.status == Deal.Status.APPROVED:
        messages.success(request, _("%(reference)s was approved automatically.") % {"reference": deal.reference})
    else:
        messages.success(request, _("%(reference)s is waiting for approval.") % {"reference": deal.reference})
    return redirect(deal)


@require_POST
@require_capability(CAN_REGISTER)
def deal_withdraw_view(request, pk: int):
    deal = _deal_or_404(request, pk)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        deal_withdraw(deal=deal, actor=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, _error_messages(error))
    else:
        messages.success(request, _("%(reference)s was withdrawn.") % {"reference": deal.reference})
    return redirect(deal)


@require_POST
@require_capability(CAN_REGISTER)
def deal_delete_view(request, pk: int):
    deal = _deal_or_404(request, pk)
    try:
        deal_delete(deal=deal, actor=request.user)
    except ValidationError as error:
        messages.error(request, _error_messages(error))
        return redirect(deal)
    messages.success(request, _("The draft %(reference)s was deleted.") % {"reference": deal.reference})
    return redirect("dealreg:deal_list")


@require_capability(CAN_REGISTER)
def extension_request_view(request, pk: int):
    deal = _deal_or_404(request, pk)
    allowed, why_not = extension_can_request(deal=deal, today=timezone.localdate())
    form = ExtensionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            extension_request(deal=deal, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your extension request was sent to your channel manager."))
            return redirect(deal)
    return TemplateResponse(request, "dealreg/portal/extension_form.html", {
        "deal": deal, "form": form, "allowed": allowed, "why_not": why_not,
        "rules": selectors.published_rules(partner=request.partner),
    })


def _hint_allowed(request) -> bool:
    key = f"dealreg:hint:{request.user.pk}:{timezone.now():%Y%m%d%H}"
    count = cache.get_or_set(key, 0, timeout=3600)
    if count >= HINT_LIMIT_PER_HOUR:
        return False
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)
    return True


@require_POST
@require_capability(CAN_REGISTER)
def conflict_hint_view(request):
    """htmx: the instant hint of the registration form. Answers only whether a possible conflict exists."""
    values = {name: request.POST.get(name, "") for name in HINT_FIELDS}
    deal = None
    deal_id = request.POST.get("deal_id", "")
    if deal_id.isdigit():
        deal = Deal.objects.filter(partner=request.partner, pk=int(deal_id)).first()  # another partner's id: ignored
    possible = _hint_allowed(request) and conflict_hint(partner=request.partner, values=values, deal=deal)
    return TemplateResponse(request, "dealreg/portal/_conflict_hint.html", {"possible_conflict": possible})


def rules(request):
    return TemplateResponse(request, "dealreg/portal/rules.html",
                            {"rules": selectors.published_rules(partner=request.partner)})
