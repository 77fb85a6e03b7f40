"""``OutcomeAdminMixin``: a "close as won or lost" page for the registration admin (managers close deals too).

Mix it into the deal ModelAdmin: ``class DealAdmin(OutcomeAdminMixin, ...)``; it adds
/admin/dealreg/deal/<id>/outcome/ (URL name ``admin:dealreg_deal_outcome``) on the admin's scoped queryset.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from dealreg.forms_outcomes import OutcomeForm
from dealreg.services.outcomes import STAFF_CLOSABLE
from dealreg.views.outcomes import close_from_form


class OutcomeAdminMixin:
    def get_urls(self):
        view = self.admin_site.admin_view(self.outcome_view)
        return [path("<int:pk>/outcome/", view, name="dealreg_deal_outcome"), *super().get_urls()]

    def outcome_view(self, request, pk: int):
        deal = get_object_or_404(self.get_queryset(request).select_related("partner"), pk=pk)
        if not self.has_change_permission(request, deal) or deal.status not in STAFF_CLOSABLE:
            raise PermissionDenied
        form = OutcomeForm(request.POST or None, deal=deal)
        if request.method == "POST" and form.is_valid() and close_from_form(deal=deal, form=form, actor=request.user):
            self.message_user(request, _("The outcome is recorded."), messages.SUCCESS)
            return redirect("admin:dealreg_deal_change", deal.pk)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "deal": deal, "form": form,
                   "title": _("Close %(reference)s as won or lost") % {"reference": deal.reference}}
        return TemplateResponse(request, "dealreg/admin/deal_outcome.html", context)
