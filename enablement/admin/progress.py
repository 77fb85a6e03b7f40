"""People's learning in the admin, scoped to the staff user's regions (the tenancy middleware opens that scope
for /admin/; operators see every partner): enrollments and certification awards, read-only, with the revoke
action (a reason, an audit row), the “expiring within 60 days” filter, and the report of completions and
active certifications per partner (one aggregate query per page)."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from enablement.models import CertificationAward, Enrollment
from enablement.services.awards import REASON_MAX, award_revoke
from partners.models import Membership, PartnerOrganization, Region

from .base import ReadOnlyAdminMixin

EXPIRY_WARNING_DAYS = 60
REPORT_PAGE = 100


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "partner", "course", "status", "source", "score_percent", "completed_at",
                    "last_activity_at", "external_id")
    list_filter = ("status", "source", "course", "partner__region")
    list_select_related = ("user", "partner", "course")
    search_fields = ("user__email", "user__full_name", "partner__name", "course__code", "external_id")
    ordering = ("-last_activity_at", "-id")
    show_full_result_count = False
    list_per_page = 50
    actions = None
    fields = ("partner", "user", "course", "status", "source", "assigned_by", "enrolled_at", "last_activity_at",
              "completed_at", "score_percent", "external_id")

    def get_urls(self):
        view = self.admin_site.admin_view(self.report_view)
        return [path("report/", view, name="enablement_enrollment_report"), *super().get_urls()]

    def report_view(self, request):
        """Completions and active certifications per partner of the staff user's regions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        partners = PartnerOrganization.objects.select_related("region").order_by("name", "id")
        allowed = getattr(request, "staff_partner_ids", None)
        if allowed is not None:
            partners = partners.filter(pk__in=allowed)
        regions = Region.objects.order_by("name")
        if allowed is not None:
            regions = regions.filter(pk__in=partners.values("region_id"))
        region = request.GET.get("region", "")
        if region.isdigit():
            partners = partners.filter(region_id=int(region))
        page = Paginator(partner_report(partners), REPORT_PAGE).get_page(request.GET.get("page"))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "page": page,
                   "regions": regions, "region": region, "warning_days": EXPIRY_WARNING_DAYS,
                   "title": gettext("Enablement by partner")}
        return TemplateResponse(request, "admin/enablement/report.html", context)


def _count(queryset, key: str):
    return Coalesce(Subquery(queryset.order_by().values(key).annotate(n=Count("id")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def partner_report(partners):
    """Each partner with its completions (all time and last 90 days), active certifications of active members
    (as the tier metric counts them) and those expiring within 60 days: subqueries through the partner-owned
    models' own managers, so the region scope applies; one query for any number of partners."""
    today = timezone.localdate()
    member = Membership.objects.filter(partner_id=OuterRef("partner_id"), user_id=OuterRef("user_id"), is_active=True)
    completed = Enrollment.objects.filter(partner_id=OuterRef("pk"), status=Enrollment.Status.COMPLETED)
    active = (CertificationAward.objects.filter(partner_id=OuterRef("pk"), revoked_at__isnull=True,
                                                expires_on__gte=today, awarded_on__lte=today)
              .filter(Exists(member)))
    return partners.annotate(
        completions=_count(completed, "partner_id"),
        recent_completions=_count(completed.filter(completed_at__gte=timezone.now() - timedelta(days=90)),
                                  "partner_id"),
        active_certifications=_count(active, "partner_id"),
        expiring_certifications=_count(active.filter(expires_on__lte=today + timedelta(days=EXPIRY_WARNING_DAYS)),
                                       "partner_id"),
    )


class AwardStateFilter(admin.SimpleListFilter):
    title = _("validity")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [("expiring", _("Expiring within 60 days")), ("valid", _("Valid")), ("expired", _("Expired")),
                ("revoked", _("Revoked"))]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value()
        if value == "expiring":
            return queryset.filter(revoked_at__isnull=True, expires_on__gte=today,
                                   expires_on__lte=today + timedelta(days=EXPIRY_WARNING_DAYS))
        if value == "valid":
            return queryset.filter(revoked_at__isnull=True, expires_on__gte=today)
        if value == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_on__lt=today)
        if value == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Kept in the audit log. The certificate then verifies as revoked."))


@admin.register(CertificationAward)
class CertificationAwardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "partner", "certification", "awarded_on", "renewed_on", "expires_on", "validity",
                    "verification_code")
    list_filter = (AwardStateFilter, "certification", "partner__region")
    list_select_related = ("user", "partner", "certification")
    search_fields = ("user__email", "user__full_name", "partner__name", "verification_code")
    ordering = ("expires_on", "id")
    show_full_result_count = False
    list_per_page = 50
    actions = ["revoke_selected"]
    fields = ("partner", "user", "certification", "awarded_on", "renewed_on", "expires_on", "revoked_at",
              "verification_code")

    @admin.display(description=_("validity"))
    def validity(self, obj):
        today = timezone.localdate()
        if obj.revoked_at is not None:
            return gettext("Revoked")
        if obj.expires_on < today:
            return gettext("Expired")
        if obj.expires_on <= today + timedelta(days=EXPIRY_WARNING_DAYS):
            return gettext("Expiring soon")
        return gettext("Valid")

    @admin.action(description=_("Revoke the selected certifications…"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        awards = list(queryset.select_related("user", "partner", "certification").order_by("id"))
        form = RevokeForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done, refused = 0, []
            for award in awards:
                try:
                    award_revoke(award=award, actor=request.user, reason=form.cleaned_data["reason"])
                except ValidationError as error:
                    refused.append(f"{award.certification} · {award.user}: {' '.join(error.messages)}")
                else:
                    done += 1
            if done:
                self.message_user(request, ngettext("%(count)d certification revoked.",
                                                    "%(count)d certifications revoked.", done) % {"count": done},
                                  messages.SUCCESS)
            for message in refused:
                self.message_user(request, message, messages.ERROR)
            return None
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "title": gettext("Revoke certifications"), "action": "revoke_selected",
            "rows": [(f"{a.certification} · {a.user}", a.partner.name) for a in awards[:200]],
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "intro": gettext("A revoked certification stops counting for the partner's tier at once and cannot be "
                             "renewed."),
        }
        return TemplateResponse(request, "admin/enablement/award_revoke.html", context)
