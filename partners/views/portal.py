"""Portal pages for the partner's own organisation and team. Runs inside the partner's scope."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partners import selectors
from partners.forms import InvitationForm, MembershipForm
from partners.models import Invitation, Membership
from partners.services.invitations import invitation_create, invitation_revoke
from partners.services.memberships import membership_remove, membership_update
from prm.common.home import panels as home_panels
from prm.tenancy.middleware import ACTIVE_PARTNER_SESSION_KEY

from .mixins import require_capability


def home(request):
    # Panels of later apps (analytics: the action inbox, pipeline, funds, ...) come from prm.common.home.
    return TemplateResponse(
        request,
        "partners/portal/home.html",
        {"summary": selectors.partner_summary(partner=request.partner), "panels": home_panels(request)},
    )


def organization_detail(request):
    return TemplateResponse(request, "partners/portal/organization_detail.html", {"partner": request.partner})


def team(request):
    can_manage = request.membership.can("can_manage_users")
    return TemplateResponse(
        request,
        "partners/portal/team_list.html",
        {
            "members": selectors.member_list_for_portal(partner=request.partner),
            "invitations": selectors.invitation_list_pending(partner=request.partner) if can_manage else [],
            "can_manage": can_manage,
        },
    )


@require_capability("can_manage_users")
def invite(request):
    form = InvitationForm(request.POST or None, initial={"language": request.partner.default_language})
    if request.method == "POST" and form.is_valid():
        try:
            invitation_create(partner=request.partner, invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error("email", error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
            return redirect("partners:team")
    return TemplateResponse(request, "partners/portal/invitation_form.html", {"form": form})


@require_capability("can_manage_users")
def member_detail(request, pk: int):
    try:
        membership = selectors.member_get(partner=request.partner, pk=pk)
    except Membership.DoesNotExist:
        raise Http404 from None
    form = MembershipForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        try:
            membership_update(membership=membership, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("partners:team")
    return TemplateResponse(request, "partners/portal/member_detail.html", {"member": membership, "form": form})


@require_POST
@require_capability("can_manage_users")
def member_remove(request, pk: int):
    try:
        membership = selectors.member_get(partner=request.partner, pk=pk)
    except Membership.DoesNotExist:
        raise Http404 from None
    try:
        membership_remove(membership=membership, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s no longer has access.") % {"name": membership.user})
    return redirect("partners:team")


@require_POST
@require_capability("can_manage_users")
def invitation_revoke_view(request, pk: int):
    invitation = get_object_or_404(Invitation.objects.filter(partner=request.partner), pk=pk)
    try:
        invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invitation withdrawn."))
    return redirect("partners:team")


@require_POST
def switch_partner(request):
    """Make another of the user's partners the active one (only ones they belong to)."""
    try:
        partner_id = int(request.POST.get("partner", ""))
    except ValueError:
        raise Http404 from None
    if partner_id not in {m.partner_id for m in request.partner_memberships}:
        raise Http404
    request.session[ACTIVE_PARTNER_SESSION_KEY] = partner_id
    return redirect("partners:home")
