"""Funds in the admin: balances per partner and period (read-only: only the ledger writes them), the ledger
entries of each fund, and the managers' manual adjustment with a reason (mdf.services.fund_adjust)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from mdf.models import Fund, FundEntry
from mdf.services import fund_adjust
from prm.common.money import format_money

from .base import BatchActionsMixin, ReadOnlyAdminMixin, ReadOnlyInline
from .forms import FundAdjustForm, add_service_error


class FundEntryInline(ReadOnlyInline):
    model = FundEntry
    fields = ("occurred_on", "kind", "amount_display", "base_display", "fx_rate", "activity_ref", "claim_ref",
              "reason", "actor", "created_at")
    readonly_fields = fields
    ordering = ("created_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("activity", "actor")

    @admin.display(description=_("amount"))
    def amount_display(self, obj):
        return format_money(obj.amount, obj.currency)

    @admin.display(description=_("amount in base currency"))
    def base_display(self, obj):
        return format_money(obj.base_amount, obj.base_currency)

    @admin.display(description=_("activity"))
    def activity_ref(self, obj):
        if obj.activity_id is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:mdf_activity_change", args=[obj.activity_id]),
                           obj.activity.reference)

    @admin.display(description=_("claim"))
    def claim_ref(self, obj):
        if obj.claim_id is None:
            return "—"
        return format_html('<a href="{}">#{}</a>', reverse("admin:mdf_claim_change", args=[obj.claim_id]), obj.claim_id)


def _money_column(field_name, label):
    @admin.display(description=label, ordering=field_name)
    def column(self, obj):
        return format_money(getattr(obj, field_name), obj.currency)

    column.__name__ = f"{field_name}_display"
    return column


@admin.register(Fund)
class FundAdmin(BatchActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("partner", "label", "currency", "allocated_display", "reserved_display", "spent_display",
                    "paid_display", "expired_display", "available_display", "status", "expires_on")
    list_filter = ("status", "partner__region", "label")
    search_fields = ("partner__name",)
    list_select_related = ("partner",)
    ordering = ("-period_start", "partner__name")
    show_full_result_count = False
    inlines = [FundEntryInline]
    fieldsets = (
        (None, {"fields": ("partner", "label", "currency", "status", "period_start", "period_end", "expires_on",
                           "expired_at", "created_at")}),
        (_("Balances"), {"fields": ("allocated_display", "reserved_display", "spent_display", "paid_display",
                                    "expired_display", "available_display", "tools")}),
    )
    readonly_fields = ("partner", "label", "currency", "status", "period_start", "period_end", "expires_on",
                       "expired_at", "created_at", "allocated_display", "reserved_display", "spent_display",
                       "paid_display", "expired_display", "available_display", "tools")

    allocated_display = _money_column("allocated", _("allocated"))
    reserved_display = _money_column("reserved", _("reserved"))
    spent_display = _money_column("spent", _("approved claims"))
    paid_display = _money_column("paid", _("paid"))
    expired_display = _money_column("expired", _("expired"))

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            available_total=F("allocated") - F("reserved") - F("spent") - F("expired"))

    @admin.display(description=_("available"), ordering="available_total")
    def available_display(self, obj):
        return format_html("<strong>{}</strong>", format_money(obj.available, obj.currency))

    @admin.display(description=_("tools"))
    def tools(self, obj):
        if obj.pk is None or obj.status != Fund.Status.OPEN:
            return "—"
        return format_html('<a class="button" href="{}">{}</a>', reverse("admin:mdf_fund_adjust", args=[obj.pk]),
                           _("Adjust fund"))

    def get_urls(self):
        extra = [path("<int:pk>/adjust/", self.admin_site.admin_view(self.adjust_view), name="mdf_fund_adjust")]
        return extra + super().get_urls()

    def adjust_view(self, request, pk: int):
        fund = get_object_or_404(self.get_queryset(request), pk=pk)  # the scope hides other regions' funds
        if not self.has_change_permission(request, fund):
            raise PermissionDenied
        form = FundAdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            deduct = form.cleaned_data["direction"] == FundAdjustForm.DEDUCT
            try:
                fund_adjust(fund=fund, amount=form.cleaned_data["amount"], actor=request.user,
                            reason=form.cleaned_data["reason"], deduct=deduct)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                done = _("%(amount)s taken from the fund.") if deduct else _("%(amount)s added to the fund.")
                self.message_user(request, done % {"amount": format_money(form.cleaned_data["amount"], fund.currency)},
                                  messages.SUCCESS)
                return redirect("admin:mdf_fund_change", fund.pk)
        return self.page(request, "admin/mdf/fund_adjust.html", form=form, fund=fund,
                         title=_("Adjust the %(period)s fund of %(partner)s") % {"period": fund.label,
                                                                                 "partner": fund.partner.name})
