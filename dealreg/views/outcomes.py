"""Close a registration as won or lost: the partner in the portal, the manager in the admin (OutcomeAdminMixin)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from partners.views.mixins import require_capability

from ..forms_outcomes import OutcomeForm
from ..models import Deal
from ..services.outcomes import PARTNER_CLOSABLE, deal_close_lost, deal_close_won


def close_from_form(*, deal: Deal, form: OutcomeForm, actor) -> Deal | None:
    """Run the service for a valid form; service errors land on the form. Returns the deal when closed."""
    data = form.cleaned_data
    try:
        if data["outcome"] == "won":
            return deal_close_won(deal=deal, amount=data["amount"], currency=data["currency"],
                                  closed_on=data["closed_on"], actor=actor)
        return deal_close_lost(deal=deal, reason=data["lost_reason"], closed_on=data["closed_on"], actor=actor)
    except ValidationError as error:
        form.add_error(None, error)
        return None


@require_capability("can_register_deals")
def deal_outcome(request, pk: int):
    deal = get_object_or_404(Deal.objects.filter(partner=request.partner), pk=pk)
    if deal.status not in PARTNER_CLOSABLE:
        raise PermissionDenied
    form = OutcomeForm(request.POST or None, deal=deal)
    if request.method == "POST" and form.is_valid():
        closed = close_from_form(deal=deal, form=form, actor=request.user)
        if closed is not None:
            messages.success(request, _("Recorded as won.") if closed.status == Deal.Status.WON
                             else _("Recorded as lost."))
            return redirect(closed.get_absolute_url())
    return TemplateResponse(request, "dealreg/portal/deal_outcome.html", {"deal": deal, "form": form},
                            status=400 if form.errors else 200)
