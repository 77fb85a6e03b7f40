"""Portal pages of multi-partner deals. Every view runs in the member's partner scope.

- the registering partner: invite partners onto its deal, withdraw them (``/portal/deals/<id>/participants/``);
- the invited partner: "Deals shared with us", one shared deal, accept or decline.
Another partner's deal or participation answers 404.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from partners.views.mixins import require_capability

from .. import shared_deals
from ..forms_participants import ParticipantInviteForm, ParticipantResponseForm
from ..models import Deal, DealParticipant
from ..services.participants import INVITABLE_STATUSES, participant_invite, participant_respond, participant_withdraw

CAPABILITY = "can_register_deals"


def _own_deal(request, pk: int) -> Deal:
    return get_object_or_404(Deal.objects.filter(partner=request.partner).select_related("partner"), pk=pk)


def _deal_page(deal: Deal) -> str:
    try:
        return deal.get_absolute_url()
    except NoReverseMatch:
        return reverse("dealreg:participants", kwargs={"pk": deal.pk})


def participants_panel_context(*, request, deal: Deal, form: ParticipantInviteForm | None = None) -> dict:
    """What templates/dealreg/_participants_panel.html needs (also used by the deal detail page)."""
    can_manage = request.membership.can(CAPABILITY) and deal.status in INVITABLE_STATUSES
    participants = shared_deals.participants_for_deal(deal=deal)
    if can_manage and form is None:
        form = ParticipantInviteForm(own_partner_id=request.partner.pk)
    return {"deal": deal, "participants": participants, "invite_form": form, "can_manage_participants": can_manage,
            "share_left": 100 - sum((p.share for p in participants if p.is_active), 0)}


def participants(request, pk: int):
    """The deal's participants, with the invite form (GET); invite a partner (POST)."""
    deal = _own_deal(request, pk)
    form = None
    if request.method == "POST":
        if not request.membership.can(CAPABILITY):
            raise PermissionDenied
        form = ParticipantInviteForm(request.POST, own_partner_id=request.partner.pk)
        if form.is_valid():
            choice = form.cleaned_data["partner_choice"]
            try:
                participant_invite(deal=deal, partner_id=choice.id, role=form.cleaned_data["role"],
                                   share=form.cleaned_data["share"], actor=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("%(partner)s is invited onto this deal.") % {"partner": choice.name})
                return redirect(request.POST.get("next") if _safe_next(request) else _deal_page(deal))
    context = participants_panel_context(request=request, deal=deal, form=form)
    return TemplateResponse(request, "dealreg/participants_invite.html", context,
                            status=400 if form is not None and form.errors else 200)


def _safe_next(request) -> bool:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or ""
    return target.startswith("/portal/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})


@require_POST
@require_capability(CAPABILITY)
def participant_withdraw_view(request, pk: int, participant_pk: int):
    deal = _own_deal(request, pk)
    try:
        participant_withdraw(deal=deal, participant_id=participant_pk, actor=request.user)
    except DealParticipant.DoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The partner was taken off the deal."))
    return redirect(_deal_page(deal))


@require_GET
def partner_search(request):
    """Suggestions for the invite form (htmx): active partners' names and ids, nothing else."""
    form = ParticipantInviteForm(request.GET, own_partner_id=request.partner.pk)
    return TemplateResponse(request, "dealreg/_participants_partner_options.html", {"invite_form": form})


def shared_deal_list(request):
    """Deals other partners invited this partner onto."""
    return TemplateResponse(request, "dealreg/participants_shared_list.html",
                            {"shared_deals": shared_deals.shared_deal_list_for_partner(partner=request.partner)})


def _shared(request, pk: int) -> shared_deals.SharedDeal:
    try:
        return shared_deals.shared_deal_get(partner=request.partner, participant_id=pk)
    except DealParticipant.DoesNotExist:
        raise Http404 from None


def shared_deal_detail(request, pk: int):
    shared = _shared(request, pk)
    return TemplateResponse(request, "dealreg/participants_shared_detail.html", {
        "shared": shared, "can_respond": shared.is_pending and request.membership.can(CAPABILITY),
    })


@require_POST
@require_capability(CAPABILITY)
def shared_deal_respond(request, pk: int):
    _shared(request, pk)  # 404 before anything else for another partner's id
    form = ParticipantResponseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or decline."))
        return redirect("dealreg:shared_deal_detail", pk=pk)
    accept = form.cleaned_data["decision"] == "accept"
    try:
        participant_respond(partner=request.partner, participant_id=pk, accept=accept, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You accepted the invitation.") if accept else _("You declined the invitation."))
    return redirect("dealreg:shared_deal_detail", pk=pk)
