"""Paying approved claims from the admin: one claim at a time or a batch under one payment reference
(each claim still gets its own Payment and ledger entry, through mdf.services.payment_record)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mdf.models import Claim
from mdf.services import payment_record
from prm.common.money import format_money

from .base import BatchResult, run_each
from .forms import PaymentForm


class PaymentAdminMixin:
    """For the claim admin: the “Record payment” page, button and bulk action."""

    def payment_urls(self):
        return [path("<int:pk>/pay/", self.admin_site.admin_view(self.pay_view), name="mdf_claim_pay")]

    @admin.display(description=_("payment"))
    def pay_link(self, obj):
        if obj.status != Claim.Status.APPROVED:
            return "—"
        return format_html('<a class="button" href="{}">{}</a>', reverse("admin:mdf_claim_pay", args=[obj.pk]),
                           _("Record payment"))

    def pay_view(self, request, pk: int):
        claim = get_object_or_404(self.get_queryset(request).select_related("activity", "partner"), pk=pk)
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        handlers = {"pay": (PaymentForm, "", lambda data: self._pay_one(request, claim, data))}
        forms = {"pay": PaymentForm()}
        if request.method == "POST" and self.apply_decision(request, forms, "pay", handlers):
            return redirect("admin:mdf_claim_change", claim.pk)
        return self.page(request, "admin/mdf/claim_pay.html", claim=claim, form=forms["pay"],
                         title=_("Record the payment of the claim for %(reference)s")
                         % {"reference": claim.activity.reference})

    def _pay_one(self, request, claim, data):
        payment = payment_record(claim=claim, actor=request.user, paid_on=data["paid_on"],
                                 reference=data["reference"])
        return _gettext("Payment of %(amount)s recorded for %(reference)s.") % {
            "amount": format_money(payment.amount, payment.currency), "reference": claim.activity.reference}

    @admin.action(description=_("Record a payment for the selected approved claims…"), permissions=["change"])
    def record_payment_selected(self, request, queryset):
        claims = list(queryset.select_related("activity", "partner").order_by("decided_at", "id"))
        form = PaymentForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            payable = [c for c in claims if c.status == Claim.Status.APPROVED]
            result = run_each(payable, lambda claim: payment_record(
                claim=claim, actor=request.user, paid_on=form.cleaned_data["paid_on"],
                reference=form.cleaned_data["reference"]))
            not_payable = BatchResult(failed=[(c, _gettext("Only approved claims can be paid."))
                                              for c in claims if c.status != Claim.Status.APPROVED])
            result.failed = not_payable.failed + result.failed
            self.report_batch(request, result, lambda n: ngettext(
                "%(count)d payment recorded.", "%(count)d payments recorded.", n) % {"count": n},
                label=lambda claim: claim.activity.reference)
            return None
        return self.action_form_page(
            request, rows=[(f"{c.activity.reference} · {money(c)}", c.partner.name) for c in claims[:200]],
            form=form, action="record_payment_selected", title=_("Record a payment for the selected claims"),
            intro=_("Each approved claim gets its own payment of its approved amount, under this reference. "
                    "Claims that are not approved are left as they are."))


def money(claim) -> str:
    return format_money(claim.approved_amount, claim.currency) if claim.approved_amount is not None else "—"
