"""The managers' side of deal registration: the approval queue (oldest first, SLA age, overdue filter),
every registration, decisions one by one or in bulk, extension requests; and what operators configure
(products, rejection reasons, auto-approval rules, the policy).

Registrations are partner-owned: the tenancy middleware already narrows them to the manager's
regions. Every decision goes through dealreg.services (locks, audit, e-mail), never a field edit:
registration fields are read-only here, and so is the change page: it has no save button and refuses a
POST (saving the empty form would write back every column as read, racing the services' row locks, and
log a "change" that decided nothing). What a manager can do there is offered as the decide and outcome links.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from dealreg.admin.outcomes import OutcomeAdminMixin
from dealreg.forms import ApproveForm, ExtensionDecisionForm, MoreInfoForm, RejectForm, RejectionReasonAdminForm
from dealreg.models import (
    AutoApprovalRule,
    Deal,
    DealApprovalQueue,
    DealRegistrationPolicy,
    ExtensionRequest,
    Product,
    RejectionReason,
)
from dealreg.services.approvals import (
    deal_approve,
    deal_reject,
    deal_request_more_info,
    deals_bulk_approve,
    deals_bulk_reject,
)
from dealreg.services.conflict_check import check_conflicts
from dealreg.services.errors import DealStateError
from dealreg.services.escalation import overdue_cutoff
from dealreg.services.extensions import extension_approve, extension_deny
from dealreg.services.outcomes import STAFF_CLOSABLE
from dealreg.sla import business_hours_between, sla_hours
from partners.tiers.selectors import priority_review_expression
from prm.common.money import format_money
from prm.tenancy.admin import OperatorOnlyMixin

# Above this many rows the changelist says "10,000+" instead of counting them all on every page load.
COUNT_CAP = 10_000


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (a LIMITed subquery), so a million registrations page quickly."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by().values("pk")[: COUNT_CAP + 1].count()


class OverdueFilter(admin.SimpleListFilter):
    title = _("approval time")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("in_time", _("Within the approval time"))]

    def queryset(self, request, queryset):
        cutoff = overdue_cutoff()
        if self.value() == "overdue":
            return queryset.filter(status=Deal.Status.SUBMITTED, submitted_at__lt=cutoff)
        if self.value() == "in_time":
            return queryset.filter(status=Deal.Status.SUBMITTED, submitted_at__gte=cutoff)
        return queryset


class _DealDisplay:
    """Columns and read-only rendering shared by the queue and the full list."""

    @admin.display(description=_("value"), ordering="value")
    def value_display(self, obj):
        return format_money(obj.value, obj.currency) if obj.value is not None else "—"

    @admin.display(description=_("waiting (business hours)"), ordering="submitted_at")
    def sla_age(self, obj):
        if obj.status != Deal.Status.SUBMITTED or obj.submitted_at is None:
            return "—"
        hours = business_hours_between(obj.submitted_at, timezone.now())
        if hours > sla_hours():
            return format_html('<strong class="overdue">{} ⚠</strong>', round(hours, 1))
        return round(hours, 1)

    @admin.display(description=_("overdue"), boolean=True)
    def is_overdue(self, obj):
        if obj.status != Deal.Status.SUBMITTED or obj.submitted_at is None:
            return None
        return business_hours_between(obj.submitted_at, timezone.now()) > sla_hours()

    @admin.display(description=_("conflict"), ordering="conflict_score")
    def conflict(self, obj):
        return obj.conflict_score if obj.has_conflict else "—"

    @admin.display(description=_("decide"))
    def decide_link(self, obj):
        if obj.status not in (Deal.Status.SUBMITTED, Deal.Status.MORE_INFO):
            return "—"
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:dealreg_deal_decide", args=[obj.pk]), _("Decide"))


READONLY_FIELDS = [
    "reference", "partner", "status", "customer_name", "customer_domain", "customer_contact_email",
    "customer_country", "products_list", "value_display", "currency", "expected_close_date", "stage", "description",
    "registered_by", "created_at", "registered_at", "submitted_at", "sla_escalated_at", "decided_at", "decided_by",
    "decided_by_rule", "rejection_reason", "decision_reason", "protected_until", "is_co_sell", "has_conflict",
    "conflict_score", "closed_at", "won_amount", "won_currency", "won_amount_base", "fx_rate", "lost_reason",
    "decide_link",
]


class ReadOnlyChangePageMixin:
    """A change page that shows and never saves: no save or delete buttons, and a POST is refused.

    ``change`` permission still matters: it unlocks the decision pages and actions.
    """

    view_on_site = False  # get_absolute_url points into the partner portal

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        extra_context = {**(extra_context or {}), "show_save": False, "show_save_and_continue": False,
                         "show_save_and_add_another": False, "show_delete": False}
        return super().change_view(request, object_id, form_url, extra_context)


class _DealAdminBase(ReadOnlyChangePageMixin, _DealDisplay, admin.ModelAdmin):
    change_form_template = "admin/dealreg/deal_change_form.html"
    list_select_related = ("partner", "partner__region", "registered_by")
    search_fields = ("reference", "customer_name", "customer_domain", "partner__name")
    show_full_result_count = False
    paginator = CappedCountPaginator
    list_per_page = 50
    readonly_fields = READONLY_FIELDS
    fieldsets = (
        (_("Customer"), {"fields": ("reference", "partner", "status", "customer_name", "customer_domain",
                                    "customer_contact_email", "customer_country")}),
        (_("Opportunity"), {"fields": ("products_list", "value_display", "currency", "expected_close_date", "stage",
                                       "description", "registered_by")}),
        (_("Decision"), {"fields": ("decide_link", "created_at", "registered_at", "submitted_at", "sla_escalated_at",
                                    "decided_at", "decided_by", "decided_by_rule", "rejection_reason",
                                    "decision_reason", "protected_until", "is_co_sell", "has_conflict",
                                    "conflict_score")}),
        (_("Outcome"), {"fields": ("closed_at", "won_amount", "won_currency", "won_amount_base", "fx_rate",
                                   "lost_reason")}),
    )

    @admin.display(description=_("products"))
    def products_list(self, obj):
        return ", ".join(p.name for p in obj.products.all()) or "—"

    def get_queryset(self, request):
        return super().get_queryset(request).defer("private_notes")  # the partner's own notes stay theirs

    def has_add_permission(self, request):
        return False  # partners register; staff decide

    def has_delete_permission(self, request, obj=None):
        return False  # registrations stay on record

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The only ways to change a registration here: decide it, or record its outcome.
        may_change = obj is not None and self.has_change_permission(request, obj)
        context["decide_url"] = (reverse("admin:dealreg_deal_decide", args=[obj.pk])
                                 if may_change and obj.status in (Deal.Status.SUBMITTED, Deal.Status.MORE_INFO)
                                 else "")
        context["outcome_url"] = (reverse("admin:dealreg_deal_outcome", args=[obj.pk])
                                  if may_change and obj.status in STAFF_CLOSABLE else "")
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


@admin.register(Deal)
class DealAdmin(OutcomeAdminMixin, _DealAdminBase):
    list_display = ("reference", "customer_name", "partner", "status", "value_display", "registered_at",
                    "protected_until", "conflict", "sla_age", "decide_link")
    list_filter = ("status", OverdueFilter, "has_conflict", "is_co_sell", "stage", "partner__region")
    date_hierarchy = None
    ordering = ("-created_at", "-id")
    actions = ["approve_selected", "reject_selected", "request_more_info_selected"]

    def get_urls(self):
        extra = [path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="dealreg_deal_decide")]
        return extra + super().get_urls()

    # --- one registration ----------------------------------------------------------------------------

    def decide_view(self, request, pk: int):
        deal = get_object_or_404(self.get_queryset(request).select_related("partner", "registered_by"), pk=pk)
        if not self.has_change_permission(request, deal):
            raise PermissionDenied
        forms = {"approve": ApproveForm(prefix="approve"), "reject": RejectForm(prefix="reject"),
                 "more_info": MoreInfoForm(prefix="more")}
        if request.method == "POST":
            decision = request.POST.get("decision")
            done = self._decide(request, deal, decision, forms)
            if done:
                return redirect("admin:dealreg_dealapprovalqueue_changelist")
        from dealreg.conflicts import conflict_rows_for_staff

        summary = check_conflicts(deal=deal)
        from dealreg.selectors import deal_timeline_entries

        context = {
            **self.admin_site.each_context(request),
            "title": _("Decide on %(reference)s") % {"reference": deal.reference},
            "opts": self.model._meta, "deal": deal, "forms": forms,
            "conflicts": conflict_rows_for_staff(hits=summary.hits,
                                                 staff_partner_ids=getattr(request, "staff_partner_ids", None)),
            "policy": DealRegistrationPolicy.get(),
            "timeline": deal_timeline_entries(deal=deal),
            "waited": round(business_hours_between(deal.submitted_at, timezone.now()), 1) if deal.submitted_at else None,
            "sla_hours": sla_hours(),
            "decidable": deal.status in (Deal.Status.SUBMITTED, Deal.Status.MORE_INFO),
        }
        return TemplateResponse(request, "admin/dealreg/deal_decide.html", context)

    def _decide(self, request, deal, decision, forms) -> bool:
        try:
            if decision == "approve":
                form = forms["approve"] = ApproveForm(request.POST, prefix="approve")
                if not form.is_valid():
                    return False
                deal_approve(deal=deal, actor=request.user, note=form.cleaned_data["note"])
                self.message_user(request, _("%(reference)s approved.") % {"reference": deal.reference},
                                  messages.SUCCESS)
            elif decision == "reject":
                form = forms["reject"] = RejectForm(request.POST, prefix="reject")
                if not form.is_valid():
                    return False
                deal_reject(deal=deal, actor=request.user, reason=form.cleaned_data["reason"],
                            note=form.cleaned_data["note"])
                self.message_user(request, _("%(reference)s rejected.") % {"reference": deal.reference},
                                  messages.SUCCESS)
            elif decision == "more_info":
                form = forms["more_info"] = MoreInfoForm(request.POST, prefix="more")
                if not form.is_valid():
                    return False
                deal_request_more_info(deal=deal, actor=request.user, message=form.cleaned_data["message"])
                self.message_user(request, _("The partner was asked for more information."), messages.SUCCESS)
            else:
                return False
        except ValidationError as error:
            target = forms.get(decision)
            if target is not None and hasattr(error, "error_dict") and set(error.error_dict) <= set(target.fields):
                target.add_error(None, error)
            else:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            return False
        return True

    # --- bulk ----------------------------------------------------------------------------------------

    def _report(self, request, result, done_message):
        if result.done:
            self.message_user(request, done_message(len(result.done)), messages.SUCCESS)
        for deal, message in result.failed:
            self.message_user(request, f"{deal.reference}: {message}", messages.ERROR)

    @admin.action(description=_("Approve selected registrations"), permissions=["change"])
    def approve_selected(self, request, queryset):
        result = deals_bulk_approve(deals=list(queryset.order_by("submitted_at", "id")), actor=request.user)
        self._report(request, result, lambda n: ngettext("%(count)d registration approved.",
                                                         "%(count)d registrations approved.", n) % {"count": n})

    @admin.action(description=_("Reject selected registrations…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            result = deals_bulk_reject(deals=list(queryset.order_by("submitted_at", "id")), actor=request.user,
                                       reason=form.cleaned_data["reason"], note=form.cleaned_data["note"])
            self._report(request, result, lambda n: ngettext("%(count)d registration rejected.",
                                                             "%(count)d registrations rejected.", n) % {"count": n})
            return None
        return self._action_form(request, queryset, form, action="reject_selected",
                                 title=_("Reject the selected registrations"))

    @admin.action(description=_("Ask the partners for more information…"), permissions=["change"])
    def request_more_info_selected(self, request, queryset):
        form = MoreInfoForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, failed = 0, []
            for deal in queryset.order_by("submitted_at", "id"):
                try:
                    deal_request_more_info(deal=deal, actor=request.user, message=form.cleaned_data["message"])
                    done += 1
                except ValidationError as error:
                    failed.append((deal, " ".join(error.messages)))
            if done:
                self.message_user(request, ngettext("%(count)d partner asked for more information.",
                                                    "%(count)d partners asked for more information.", done)
                                  % {"count": done}, messages.SUCCESS)
            for deal, message in failed:
                self.message_user(request, f"{deal.reference}: {message}", messages.ERROR)
            return None
        return self._action_form(request, queryset, form, action="request_more_info_selected",
                                 title=_("Ask the partners for more information"))

    def _action_form(self, request, queryset, form, *, action, title):
        context = {
            **self.admin_site.each_context(request), "title": title, "opts": self.model._meta, "form": form,
            "deals": list(queryset.select_related("partner")[:200]), "action": action,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "admin/dealreg/deal_action_form.html", context)


@admin.register(DealApprovalQueue)
class DealApprovalQueueAdmin(DealAdmin):
    """Registrations waiting for a decision, oldest first: the SLA clock runs for them."""

    list_display = ("reference", "customer_name", "partner", "value_display", "submitted_at", "sla_age",
                    "is_overdue", "conflict", "decide_link")
    list_filter = (OverdueFilter, "has_conflict", "partner__region")
    ordering = ("submitted_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=Deal.Status.SUBMITTED)

    def get_ordering(self, request):
        # Partners whose tier gives priority review first, then oldest first (built per request: it reads
        # tier states in the request's scope).
        return (priority_review_expression().desc(), "submitted_at", "id")

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)  # the decide page lives on DealAdmin


# --- extension requests ----------------------------------------------------------------------------------


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyChangePageMixin, admin.ModelAdmin):
    list_display = ("deal", "partner_name", "status", "requested_at", "protected_until_before",
                    "protected_until_after", "requested_by", "decide_link")
    list_filter = ("status", "deal__partner__region")
    list_select_related = ("deal", "deal__partner", "requested_by")
    search_fields = ("deal__reference", "deal__customer_name", "deal__partner__name")
    ordering = ("status", "requested_at")
    show_full_result_count = False
    readonly_fields = [f.name for f in ExtensionRequest._meta.fields if f.name != "id"] + ["decide_link"]
    actions = ["approve_selected"]

    @admin.display(description=_("partner"), ordering="deal__partner__name")
    def partner_name(self, obj):
        return obj.deal.partner.name

    @admin.display(description=_("decide"))
    def decide_link(self, obj):
        if obj.status != ExtensionRequest.Status.PENDING:
            return "—"
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:dealreg_extensionrequest_decide", args=[obj.pk]), _("Decide"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        extra = [path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view),
                      name="dealreg_extensionrequest_decide")]
        return extra + super().get_urls()

    def decide_view(self, request, pk: int):
        extension = get_object_or_404(self.get_queryset(request).select_related("deal", "deal__partner"), pk=pk)
        if not self.has_change_permission(request, extension):
            raise PermissionDenied
        form = ExtensionDecisionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if request.POST.get("decision") == "approve":
                    extension_approve(extension=extension, actor=request.user,
                                      protected_until=form.cleaned_data["protected_until"],
                                      note=form.cleaned_data["note"])
                    self.message_user(request, _("Extension approved."), messages.SUCCESS)
                else:
                    extension_deny(extension=extension, actor=request.user, note=form.cleaned_data["note"])
                    self.message_user(request, _("Extension denied."), messages.SUCCESS)
            except ValidationError as error:
                if hasattr(error, "error_dict") and set(error.error_dict) <= set(form.fields):
                    form.add_error(None, error)
                else:
                    self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                return redirect("admin:dealreg_extensionrequest_changelist")
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "extension": extension, "form": form,
            "title": _("Extension for %(reference)s") % {"reference": extension.deal.reference},
            "default_days": DealRegistrationPolicy.get().extension_days,
        }
        return TemplateResponse(request, "admin/dealreg/extension_decide.html", context)

    @admin.action(description=_("Approve selected extensions (the policy's days)"), permissions=["change"])
    def approve_selected(self, request, queryset):
        done = 0
        for extension in queryset.filter(status=ExtensionRequest.Status.PENDING):
            try:
                extension_approve(extension=extension, actor=request.user)
                done += 1
            except (ValidationError, DealStateError) as error:
                self.message_user(request, f"{extension.deal_id}: {' '.join(error.messages)}", messages.ERROR)
        if done:
            self.message_user(request, ngettext("%(count)d extension approved.", "%(count)d extensions approved.", done)
                              % {"count": done}, messages.SUCCESS)


# --- configuration (operators) ---------------------------------------------------------------------------


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "family", "is_active")
    list_filter = ("is_active", "family")
    search_fields = ("name", "code", "family")
    prepopulated_fields = {"code": ("name",)}

    def has_delete_permission(self, request, obj=None):
        return False  # registrations point at products: retire one by unticking "active"


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    form = RejectionReasonAdminForm
    list_display = ("label", "code", "requires_note", "is_active", "position")
    list_editable = ("is_active", "position")
    search_fields = ("label", "code")

    def has_delete_permission(self, request, obj=None):
        return False  # rejected registrations keep their reason: deactivate instead


@admin.register(AutoApprovalRule)
class AutoApprovalRuleAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "priority", "is_active", "max_conflict_score", "max_value", "currency", "min_tier_rank",
                    "exclude_vendor_customers")
    list_editable = ("priority", "is_active")
    ordering = ("priority", "id")


@admin.register(DealRegistrationPolicy)
class DealRegistrationPolicyAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    """One row: the list opens it directly."""

    def changelist_view(self, request, extra_context=None):
        policy = DealRegistrationPolicy.get()
        return redirect("admin:dealreg_dealregistrationpolicy_change", policy.pk)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
