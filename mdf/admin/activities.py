"""MDF requests in the admin: the pre-approval queue of the manager's regions (oldest first, SLA age),
the decision page (approve in full or in part, reject, ask for more), bulk decisions, and every request
read-only with its timeline and its return (ROPI).

Activities are partner-owned: the tenancy middleware already narrows them to the manager's regions.
Every decision goes through mdf.services (locks, ledger, audit, e-mail), never a field edit.
"""

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mdf.models import Activity, ActivityApprovalQueue, ActivityEvent
from mdf.selectors import ropi_for_activities
from mdf.services import activity_approve, activity_reject, activity_request_info
from partners.tiers.selectors import priority_review_expression
from prm.common.money import format_money, format_number

from .base import (
    BatchActionsMixin,
    OverdueFilter,
    ReadOnlyAdminMixin,
    ReadOnlyInline,
    money_or_dash,
    run_each,
    sla_age_html,
    sla_hours,
    waiting_label,
)
from .forms import ApproveForm, MoreInfoForm, PartialApproveForm, RejectForm

DECIDABLE = (Activity.Status.SUBMITTED, Activity.Status.MORE_INFO)


class ActivityEventInline(ReadOnlyInline):
    """The request's timeline, as the partner sees it (plus who acted)."""

    model = ActivityEvent
    fields = ("at", "kind", "amount_display", "message", "actor")
    readonly_fields = fields
    ordering = ("at", "id")
    verbose_name_plural = _("timeline")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor", "activity")

    @admin.display(description=_("amount"))
    def amount_display(self, obj):
        return money_or_dash(obj.amount, obj.activity.currency)


class _ActivityDisplay:
    """Columns shared by the queue and the full list."""

    @admin.display(description=_("dates"), ordering="starts_on")
    def dates(self, obj):
        start, end = date_format(obj.starts_on, "SHORT_DATE_FORMAT"), date_format(obj.ends_on, "SHORT_DATE_FORMAT")
        return start if start == end else f"{start} – {end}"

    @admin.display(description=_("requested"), ordering="requested_amount")
    def requested_display(self, obj):
        return format_money(obj.requested_amount, obj.currency)

    @admin.display(description=_("planned cost"), ordering="planned_cost")
    def planned_display(self, obj):
        return format_money(obj.planned_cost, obj.currency)

    @admin.display(description=_("pre-approved"), ordering="approved_amount")
    def approved_display(self, obj):
        return money_or_dash(obj.approved_amount, obj.currency)

    @admin.display(description=_("vendor share"), ordering="cost_share_percent")
    def cost_share(self, obj):
        return f"{format_number(obj.cost_share_percent.normalize())} %"

    @admin.display(description=_("fund available"))
    def fund_available(self, obj):
        if obj.fund_id is None:
            return "—"
        available = obj.fund.available
        text = format_money(available, obj.fund.currency)
        if available < obj.requested_amount and obj.status == Activity.Status.SUBMITTED:
            return format_html('<strong class="insufficient" title="{}">{} ⚠</strong>',
                               _("Less than requested"), text)
        return text

    @admin.display(description=_("waiting"), ordering="submitted_at")
    def sla_age(self, obj):
        return sla_age_html(obj.submitted_at) if obj.status == Activity.Status.SUBMITTED else "—"

    @admin.display(description=_("decide"))
    def decide_link(self, obj):
        if obj.status not in DECIDABLE:
            return "—"
        return format_html('<a class="button" href="{}">{}</a>', reverse("admin:mdf_activity_decide", args=[obj.pk]),
                           _("Decide"))


@admin.register(Activity)
class ActivityAdmin(_ActivityDisplay, BatchActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("reference", "partner", "title", "activity_type", "status", "dates", "requested_display",
                    "approved_display", "claim_deadline", "sla_age", "decide_link")
    list_filter = ("status", "activity_type", "partner__region")
    list_select_related = ("partner", "fund")
    search_fields = ("reference", "title", "partner__name")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    list_per_page = 50
    inlines = [ActivityEventInline]
    actions = None
    fieldsets = (
        (None, {"fields": ("reference", "partner", "status", "activity_type", "title", "description", "starts_on",
                           "ends_on", "created_by", "created_at")}),
        (_("Money"), {"fields": ("fund_link", "planned_display", "cost_share", "requested_display",
                                 "approved_display", "claim_deadline", "expected_leads", "expected_pipeline_display",
                                 "claim_link")}),
        (_("Decision"), {"fields": ("decide_link", "first_submitted_at", "submitted_at", "decided_at", "decided_by",
                                    "decision_reason", "info_request", "info_requested_at")}),
        (_("Return"), {"fields": ("ropi_display",)}),
    )
    readonly_fields = ("reference", "partner", "status", "activity_type", "title", "description", "starts_on",
                       "ends_on", "created_by", "created_at", "fund_link", "planned_display", "cost_share",
                       "requested_display", "approved_display", "claim_deadline", "expected_leads",
                       "expected_pipeline_display", "claim_link", "decide_link", "first_submitted_at", "submitted_at",
                       "decided_at", "decided_by", "decision_reason", "info_request", "info_requested_at",
                       "ropi_display")

    def get_queryset(self, request):
        return super().get_queryset(request).defer("idempotency_key")

    @admin.display(description=_("expected pipeline"))
    def expected_pipeline_display(self, obj):
        return format_money(obj.expected_pipeline, obj.currency)

    @admin.display(description=_("fund"))
    def fund_link(self, obj):
        if obj.fund_id is None:
            return "—"
        return format_html('<a href="{}">{}</a> · {}', reverse("admin:mdf_fund_change", args=[obj.fund_id]),
                           obj.fund.label, _("available: %(amount)s") % {
                               "amount": format_money(obj.fund.available, obj.fund.currency)})

    @admin.display(description=_("claim"))
    def claim_link(self, obj):
        claim = getattr(obj, "claim", None) if obj.pk else None
        if claim is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:mdf_claim_change", args=[claim.pk]),
                           claim.get_status_display())

    @admin.display(description=_("return on the investment"))
    def ropi_display(self, obj):
        if obj.pk is None:
            return "—"
        ropi = ropi_for_activities(activity_ids=[obj.pk])[obj.pk]
        base = settings.BASE_CURRENCY
        lines = [
            ngettext("%(count)d registration sourced", "%(count)d registrations sourced", ropi.deals)
            % {"count": ropi.deals},
            ngettext("%(count)d won", "%(count)d won", ropi.won_deals) % {"count": ropi.won_deals},
            _("Pipeline: %(amount)s") % {"amount": format_money(ropi.pipeline, base)},
            _("Won revenue: %(amount)s") % {"amount": format_money(ropi.won, base)},
            _("Spend (approved claims): %(amount)s") % {"amount": format_money(ropi.spend, base)},
            _("Return per unit spent: %(ratio)s") % {"ratio": ropi.ratio if ropi.ratio is not None else "—"},
        ]
        return format_html_join("", "{}<br>", ((line,) for line in lines))

    def get_urls(self):
        extra = [path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="mdf_activity_decide")]
        return extra + super().get_urls()

    # --- one request -----------------------------------------------------------------------------------

    def decide_view(self, request, pk: int):
        activity = get_object_or_404(
            self.get_queryset(request).select_related("partner", "partner__region", "fund", "created_by"), pk=pk)
        if not self.has_change_permission(request, activity):
            raise PermissionDenied
        forms = {"approve": ApproveForm(prefix="approve"), "partial": PartialApproveForm(prefix="partial"),
                 "reject": RejectForm(prefix="reject"), "more_info": MoreInfoForm(prefix="more")}
        if request.method == "POST" and self.apply_decision(request, forms, request.POST.get("decision", ""),
                                                            self._handlers(request, activity)):
            return redirect("admin:mdf_activityapprovalqueue_changelist")
        events = ActivityEvent.objects.filter(activity=activity).select_related("actor").order_by("at", "id")
        return self.page(
            request, "admin/mdf/activity_decide.html",
            title=_("Decide on %(reference)s") % {"reference": activity.reference},
            activity=activity, forms=forms, fund=activity.fund, events=list(events),
            waited=waiting_label(activity.submitted_at) if activity.submitted_at else None, sla_hours=sla_hours(),
            can_approve=activity.status == Activity.Status.SUBMITTED, can_reject=activity.status in DECIDABLE,
        )

    def _handlers(self, request, activity):
        ref = {"reference": activity.reference}

        def approve(data):
            activity_approve(activity=activity, actor=request.user, reason=data["reason"])
            return _("%(reference)s pre-approved.") % ref

        def partial(data):
            done = activity_approve(activity=activity, actor=request.user, amount=data["amount"],
                                    reason=data["reason"])
            return _("%(reference)s pre-approved for %(amount)s.") % {
                **ref, "amount": format_money(done.approved_amount, done.currency)}

        def reject(data):
            activity_reject(activity=activity, actor=request.user, reason=data["reason"])
            return _("%(reference)s rejected.") % ref

        def more_info(data):
            activity_request_info(activity=activity, actor=request.user, message=data["message"])
            return _("The partner was asked for more information.")

        return {"approve": (ApproveForm, "approve", approve), "partial": (PartialApproveForm, "partial", partial),
                "reject": (RejectForm, "reject", reject), "more_info": (MoreInfoForm, "more", more_info)}


@admin.register(ActivityApprovalQueue)
class ActivityApprovalQueueAdmin(ActivityAdmin):
    """Requests waiting for pre-approval, oldest first: the SLA clock runs for them."""

    list_display = ("reference", "partner", "title", "activity_type", "dates", "requested_display", "cost_share",
                    "fund_available", "submitted_at", "sla_age", "decide_link")
    list_filter = (OverdueFilter, "activity_type", "partner__region")
    ordering = ("submitted_at", "id")
    actions = ["approve_selected", "reject_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=Activity.Status.SUBMITTED)

    def get_ordering(self, request):
        # Partners whose tier gives priority review first, then oldest first (built per request: it reads
        # tier states in the request's scope).
        return (priority_review_expression().desc(), "submitted_at", "id")

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)  # the decision page lives on ActivityAdmin

    def _selected(self, queryset):
        return list(queryset.select_related("partner").order_by("submitted_at", "id"))

    @admin.action(description=_("Pre-approve the selected requests in full"), permissions=["change"])
    def approve_selected(self, request, queryset):
        result = run_each(self._selected(queryset),
                          lambda activity: activity_approve(activity=activity, actor=request.user))
        self.report_batch(request, result, lambda n: ngettext(
            "%(count)d request pre-approved.", "%(count)d requests pre-approved.", n) % {"count": n},
            label=lambda activity: activity.reference)

    @admin.action(description=_("Reject the selected requests…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        activities = self._selected(queryset)
        if "apply" in request.POST and form.is_valid():
            reason = form.cleaned_data["reason"]
            result = run_each(activities, lambda activity: activity_reject(activity=activity, actor=request.user,
                                                                           reason=reason))
            self.report_batch(request, result, lambda n: ngettext(
                "%(count)d request rejected.", "%(count)d requests rejected.", n) % {"count": n},
                label=lambda activity: activity.reference)
            return None
        return self.action_form_page(
            request, rows=[(a.reference, a.partner.name) for a in activities[:200]], form=form,
            action="reject_selected", title=_("Reject the selected requests"),
            intro=_("Every selected request is rejected with this reason; each partner reads it."))
