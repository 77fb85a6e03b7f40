"""Tiers in the admin. Operators configure programs, tiers and regional exceptions and preview changed
thresholds (what-if) before saving them. Channel managers see their partners' tier states (the
middleware's scope narrows them), pin a tier, approve or decline pending promotions and recalculate
on demand; executives read. Every change goes through partners.services.tiers (audit, history, notices).
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partners.models import PartnerTier, Region, Tier, TierChange, TierProgram, TierThresholdOverride
from partners.services.tiers import (
    clean_region_override_edits,
    clean_threshold_edits,
    tier_pin,
    tier_promotions_approve,
    tier_promotions_decline,
    tier_recalculate,
    tier_recalculate_all,
    tier_region_overrides_update,
    tier_thresholds_update,
    tier_unpin,
)
from partners.tiers.config import TierConfig
from partners.tiers.forms import (
    TierForm,
    TierPinForm,
    TierProgramForm,
    TierReasonForm,
    TierWhatIfForm,
    other_languages,
)
from partners.tiers.whatif import tier_whatif
from prm.tenancy.admin import OperatorOnlyMixin


def _is_staff_reader(user) -> bool:
    return user.is_active and (user.is_operator or user.is_channel_manager or user.is_executive)


def _is_staff_writer(user) -> bool:
    return user.is_active and (user.is_operator or user.is_channel_manager)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


class TierInline(admin.TabularInline):
    model = Tier
    fields = ("rank", "code", "name", "min_won_revenue", "min_active_certifications", "min_won_deals",
              "min_health_score", "deal_protection_days", "discount_percent", "priority_review")
    extra = 0
    show_change_link = True


@admin.register(TierProgram)
class TierProgramAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    form = TierProgramForm
    list_display = ("name", "code", "type_list", "grace_days", "promotion_requires_approval", "is_active", "links")
    inlines = [TierInline]

    @admin.display(description=_("partner types"))
    def type_list(self, obj):
        from partners.models import PartnerOrganization

        labels = dict(PartnerOrganization.PartnerType.choices)
        return ", ".join(str(labels.get(t, t)) for t in obj.partner_types or [])

    @admin.display(description=_("tools"))
    def links(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:partners_tierprogram_whatif", args=[obj.pk]),
                           _("What-if"))

    def get_urls(self):
        extra = [
            path("<int:pk>/whatif/", self.admin_site.admin_view(self.whatif_view), name="partners_tierprogram_whatif"),
            path("recalculate/", self.admin_site.admin_view(self.recalculate_view),
                 name="partners_tierprogram_recalculate"),
        ]
        return extra + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}),
                         "tier_recalculate_url": reverse("admin:partners_tierprogram_recalculate")}
        return super().changelist_view(request, extra_context=extra_context)

    def recalculate_view(self, request):
        if request.method != "POST":
            return redirect("admin:partners_tierprogram_changelist")
        if not request.user.is_operator:
            raise PermissionDenied
        tier_recalculate_all(actor=request.user)
        self.message_user(request, _("Recalculation of every partner's tier has been queued."), messages.SUCCESS)
        return redirect("admin:partners_tierprogram_changelist")

    def whatif_view(self, request, pk):
        """Preview (then save) edited thresholds: the program's global ones, or one region's exceptions
        (``?region=<id>``: only that region's partners are measured)."""
        if not request.user.is_operator:
            raise PermissionDenied
        program = get_object_or_404(TierProgram, pk=pk)
        regions = list(Region.objects.order_by("name"))
        chosen = request.GET.get("region") or ""
        region = next((r for r in regions if str(r.pk) == chosen), None)
        if chosen and region is None:
            raise Http404
        form = TierWhatIfForm(request.POST or None, program=program, region=region)
        result = None
        if request.method == "POST" and form.is_valid():
            try:
                if region is not None:
                    result = self._whatif_region(request, program=program, region=region, form=form)
                else:
                    result = self._whatif_global(request, program=program, form=form)
            except ValidationError as error:
                form.add_error(None, error)
            if result == "saved":
                return redirect(f"{reverse('admin:partners_tierprogram_whatif', args=[program.pk])}"
                                f"{'?' + urlencode({'region': region.pk}) if region else ''}")
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "program": program,
                   "form": form, "result": result, "regions": regions, "region": region,
                   "title": _("What-if: thresholds of %(program)s") % {"program": program.name}}
        return TemplateResponse(request, "admin/partners/tier_whatif.html", context)

    def _whatif_global(self, request, *, program, form):
        if "save" in request.POST:
            tier_thresholds_update(program=program, edits=form.edits(), actor=request.user)
            self.message_user(request, _("Thresholds saved. They apply from the next recalculation."), messages.SUCCESS)
            return "saved"
        edits = clean_threshold_edits(program=program, edits=form.edits())
        return tier_whatif(program=program, threshold_edits=edits, partner_ids=getattr(request, "staff_partner_ids", None))

    def _whatif_region(self, request, *, program, region, form):
        if "save" in request.POST:
            tier_region_overrides_update(program=program, region=region, edits=form.edits(), actor=request.user)
            self.message_user(request, _("Exceptions for %(region)s saved. They apply from the next recalculation.")
                              % {"region": region.name}, messages.SUCCESS)
            return "saved"
        edits = clean_region_override_edits(program=program, region=region, edits=form.edits())
        return tier_whatif(program=program, region=region, region_override_edits=edits,
                           partner_ids=getattr(request, "staff_partner_ids", None))


class TierThresholdOverrideInline(admin.TabularInline):
    model = TierThresholdOverride
    fields = ("region", "country", "min_won_revenue", "min_active_certifications", "min_won_deals", "min_health_score")
    extra = 0


@admin.register(Tier)
class TierAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    form = TierForm
    list_display = ("name", "program", "rank", "code", "min_won_revenue", "min_active_certifications",
                    "min_won_deals", "min_health_score", "deal_protection_days", "discount_percent")
    list_filter = ("program",)
    list_select_related = ("program",)
    ordering = ("program", "rank")
    inlines = [TierThresholdOverrideInline]
    fieldsets = (
        (None, {"fields": ("program", "rank", "code", "name")}),
        (_("Thresholds (global; regional exceptions below)"),
         {"fields": ("min_won_revenue", "min_active_certifications", "min_won_deals", "min_health_score")}),
        (_("Benefits"), {"fields": ("deal_protection_days", "mdf_allocation_per_quarter", "mdf_accrual_percent", "mdf_cost_share_percent",
                                    "discount_percent", "priority_review")}),
    )

    def get_fieldsets(self, request, obj=None):
        names = tuple(f"name_{code}" for code, _language in other_languages())
        first, *rest = super().get_fieldsets(request, obj)
        return ((first[0], {"fields": (*first[1]["fields"], *names)}), *rest)


class _Flag(admin.SimpleListFilter):
    field = ""

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(**{f"{self.field}__isnull": False})
        if self.value() == "no":
            return queryset.filter(**{f"{self.field}__isnull": True})
        return queryset


class PendingFilter(_Flag):
    title, parameter_name, field = _("promotion awaiting approval"), "pending", "pending_tier"


class GraceFilter(_Flag):
    title, parameter_name, field = _("in grace period"), "grace", "grace_until"


class PinnedFilter(_Flag):
    title, parameter_name, field = _("pinned"), "pinned", "pinned_tier"


class _StaffReadable:
    """Visible to operators, channel managers (their regions' partners) and executives (read only)."""

    def has_module_permission(self, request):
        return _is_staff_reader(request.user)

    def has_view_permission(self, request, obj=None):
        return _is_staff_reader(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PartnerTier)
class PartnerTierAdmin(_StaffReadable, admin.ModelAdmin):
    list_display = ("partner", "region", "tier", "since", "grace_until", "pending_tier", "pinned_tier", "pinned_until")
    list_filter = (PendingFilter, GraceFilter, PinnedFilter, "tier__program", "tier", "partner__region")
    list_select_related = ("partner", "partner__region", "tier", "pending_tier", "pinned_tier")
    search_fields = ("partner__name",)
    ordering = ("partner__name",)
    show_full_result_count = False
    actions = ["approve_promotions", "decline_promotions", "recalculate"]
    fields = ("partner", "program", "tier", "since", "grace_started_on", "grace_until", "grace_final_warned_on",
              "pending_tier", "pending_since", "declined_tier", "pinned_tier", "pinned_until", "pinned_reason",
              "pinned_by", "pinned_at", "updated_at", "tools")
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):
        # A state is never edited as a form: the page of one is read-only (obj given), and "change" on
        # the list means the actions and tools (pin, approve, decline, recalculate), which use services.
        return obj is None and _is_staff_writer(request.user)

    @admin.display(description=_("region"), ordering="partner__region__name")
    def region(self, obj):
        return obj.partner.region

    @admin.display(description=_("tools"))
    def tools(self, obj):
        if not obj.pk:
            return "-"
        links = [format_html('<a class="button" href="{}">{}</a>',
                             reverse("admin:partners_partnertier_pin", args=[obj.pk]), _("Pin a tier"))]
        if obj.pinned_tier_id:
            links.append(format_html('<a class="button" href="{}">{}</a>',
                                     reverse("admin:partners_partnertier_unpin", args=[obj.pk]), _("Remove the pin")))
        history = reverse("admin:partners_tierchange_changelist") + "?" + urlencode({"partner__id__exact": obj.partner_id})
        links.append(format_html('<a href="{}">{}</a>', history, _("History")))
        return format_html(" ".join(["{}"] * len(links)), *links)

    def get_urls(self):
        extra = [
            path("<int:pk>/pin/", self.admin_site.admin_view(self.pin_view), name="partners_partnertier_pin"),
            path("<int:pk>/unpin/", self.admin_site.admin_view(self.unpin_view), name="partners_partnertier_unpin"),
            path("decline/", self.admin_site.admin_view(self.decline_view), name="partners_partnertier_decline"),
        ]
        return extra + super().get_urls()

    def _get_or_404(self, request, pk) -> PartnerTier:
        obj = get_object_or_404(self.get_queryset(request), pk=pk)  # the scope hides other regions' partners
        if not self.has_change_permission(request):
            raise PermissionDenied
        return obj

    def _page(self, request, *, title, form, obj, submit):
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, "form": form,
                   "object": obj, "submit_label": submit}
        return TemplateResponse(request, "admin/partners/tier_form_page.html", context)

    def pin_view(self, request, pk):
        obj = self._get_or_404(request, pk)
        program = TierConfig.load().program_for(obj.partner.partner_type)
        form = TierPinForm(request.POST or None, program_id=program.id if program else None,
                           initial={"tier": obj.pinned_tier_id or obj.tier_id, "until": obj.pinned_until})
        if request.method == "POST" and form.is_valid():
            try:
                tier_pin(partner=obj.partner, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("The tier is pinned."), messages.SUCCESS)
                return redirect("admin:partners_partnertier_change", obj.pk)
        return self._page(request, title=_("Pin the tier of %(partner)s") % {"partner": obj.partner}, form=form,
                          obj=obj, submit=_("Pin"))

    def unpin_view(self, request, pk):
        obj = self._get_or_404(request, pk)
        form = TierReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                tier_unpin(partner=obj.partner, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("The pin is removed; the next recalculation applies the usual rules."),
                                  messages.SUCCESS)
                return redirect("admin:partners_partnertier_change", obj.pk)
        return self._page(request, title=_("Remove the pin of %(partner)s") % {"partner": obj.partner}, form=form,
                          obj=obj, submit=_("Remove the pin"))

    def decline_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        ids = [int(i) for i in request.GET.get("ids", "").split(",") if i.isdigit()][:500]
        states = list(self.get_queryset(request).filter(pk__in=ids, pending_tier__isnull=False))
        form = TierReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                count = tier_promotions_decline(partner_ids=[s.partner_id for s in states], actor=request.user,
                                                reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, ngettext("%(n)d promotion declined.", "%(n)d promotions declined.", count)
                                  % {"n": count}, messages.SUCCESS)
                return redirect("admin:partners_partnertier_changelist")
        title = ngettext("Decline %(n)d promotion", "Decline %(n)d promotions", len(states)) % {"n": len(states)}
        return self._page(request, title=title, form=form, obj=None, submit=_("Decline"))

    @admin.action(description=_("Approve the pending promotions"))
    def approve_promotions(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        try:
            count = tier_promotions_approve(partner_ids=list(queryset.values_list("partner_id", flat=True)),
                                            actor=request.user)
        except ValidationError as error:
            self.message_user(request, _errors(error), messages.ERROR)
            return None
        self.message_user(request, ngettext("%(n)d promotion approved.", "%(n)d promotions approved.", count)
                          % {"n": count}, messages.SUCCESS)
        return None

    @admin.action(description=_("Decline the pending promotions…"))
    def decline_promotions(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.filter(pending_tier__isnull=False).values_list("pk", flat=True))
        if not ids:
            self.message_user(request, _("None of these partners has a promotion awaiting approval."), messages.WARNING)
            return None
        return redirect(reverse("admin:partners_partnertier_decline") + "?" + urlencode({"ids": ids}))

    @admin.action(description=_("Recalculate the tiers now"))
    def recalculate(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        result = tier_recalculate(partner_ids=list(queryset.values_list("partner_id", flat=True)), actor=request.user)
        self.message_user(request, _("%(partners)d partners recalculated, %(changed)d changed.")
                          % {"partners": result.partners, "changed": result.changed}, messages.SUCCESS)
        return None


@admin.register(TierChange)
class TierChangeAdmin(_StaffReadable, admin.ModelAdmin):
    list_display = ("at", "partner", "reason", "from_tier", "to_tier", "actor", "missing")
    list_filter = ("reason", "to_tier__program", "partner__region")
    list_select_related = ("partner", "from_tier", "to_tier", "actor")
    search_fields = ("partner__name",)
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = ("partner", "reason", "from_tier", "to_tier", "note", "measured", "criteria", "as_of", "at",
                       "actor")
    fields = readonly_fields

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("not measured"))
    def missing(self, obj):
        return ", ".join(obj.missing_metrics) or "-"

