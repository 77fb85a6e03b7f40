"""Onboarding in the admin: operators write and publish agreement versions and compliance questions;
channel managers see their partners' acceptances and steps and clear flagged questionnaires.

Partner-owned rows are filtered by the staff scope the tenancy middleware opens for /admin/.
Acceptances are evidence: read-only here, refused by the model and the database anyway.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partners.models import (
    AgreementAcceptance,
    AgreementTemplate,
    AgreementVersion,
    ComplianceQuestion,
    ComplianceResponse,
    OnboardingStep,
    PayoutDetails,
)
from partners.services.agreements import agreement_version_publish
from partners.services.onboarding_compliance import (
    REQUESTABLE,
    compliance_request_changes,
    compliance_review_clear,
)


class ManagersMayViewMixin:
    """Channel managers (and executives) read these rows of their regions' partners; operators everything."""

    def _staff_reader(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_operator or user.is_channel_manager or user.is_executive)

    def has_module_permission(self, request):
        return self._staff_reader(request)

    def has_view_permission(self, request, obj=None):
        return self._staff_reader(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Agreements -------------------------------------------------------------------------------------


class AgreementVersionInline(admin.TabularInline):
    model = AgreementVersion
    fields = ("version", "title", "effective_date", "reaccept_deadline", "published_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-version",)

    def has_add_permission(self, request, obj=None):
        return False  # versions are written on their own page, then published


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "language", "partner_type", "region", "is_active", "created_at")
    list_filter = ("language", "partner_type", "region", "is_active")
    search_fields = ("name",)
    list_select_related = ("region",)
    inlines = [AgreementVersionInline]


class AgreementVersionForm(forms.ModelForm):
    class Meta:
        model = AgreementVersion
        fields = ["template", "version", "title", "body", "effective_date", "reaccept_deadline"]
        widgets = {"body": forms.Textarea(attrs={"rows": 24, "cols": 100})}

    def clean(self):
        cleaned = super().clean()
        deadline, effective = cleaned.get("reaccept_deadline"), cleaned.get("effective_date")
        if deadline and effective and deadline < effective:
            self.add_error("reaccept_deadline", _("The deadline cannot be before the effective date."))
        return cleaned


@admin.register(AgreementVersion)
class AgreementVersionAdmin(admin.ModelAdmin):
    form = AgreementVersionForm
    list_display = ("template", "version", "title", "effective_date", "reaccept_deadline", "published_at",
                    "acceptance_count")
    list_filter = ("template", ("published_at", admin.EmptyFieldListFilter))
    list_select_related = ("template",)
    search_fields = ("title", "template__name")
    actions = ["publish_selected"]

    def get_queryset(self, request):
        from django.db.models import Count

        # Counting acceptances across partners is the operator's configuration view; the scope
        # of a channel manager would narrow the count, but they do not see this page.
        return super().get_queryset(request).annotate(n_acceptances=Count("acceptances"))

    @admin.display(description=_("acceptances"), ordering="n_acceptances")
    def acceptance_count(self, obj):
        return obj.n_acceptances

    def get_readonly_fields(self, request, obj=None):
        base = ("published_at", "content_hash", "created_at", "created_by")
        if obj is not None and obj.is_published:
            # Published text is frozen; only the re-acceptance deadline may still move.
            return ("template", "version", "title", "body", "effective_date", *base)
        return base

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        template_id = request.GET.get("template")
        if template_id and template_id.isdigit():
            latest = AgreementVersion.objects.filter(template_id=int(template_id)).order_by("-version").first()
            initial["version"] = (latest.version + 1) if latest else 1
            if latest:
                initial.setdefault("title", latest.title)
                initial.setdefault("body", latest.body)
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_published:
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        for version in queryset:
            version.delete()  # refuses published versions

    @admin.action(description=_("Publish the selected versions"), permissions=["change"])
    def publish_selected(self, request, queryset):
        published = 0
        for version in queryset.order_by("template_id", "version"):
            try:
                agreement_version_publish(version=version, actor=request.user)
            except ValidationError as error:
                self.message_user(request, f"{version}: {' '.join(error.messages)}", messages.ERROR)
            else:
                published += 1
        if published:
            self.message_user(request, ngettext("%(n)d version published.", "%(n)d versions published.", published)
                              % {"n": published}, messages.SUCCESS)


@admin.register(AgreementAcceptance)
class AgreementAcceptanceAdmin(ManagersMayViewMixin, admin.ModelAdmin):
    list_display = ("partner", "template", "version_number", "accepted_by_email", "accepted_at", "ip_address")
    list_filter = ("template", "partner__region")
    search_fields = ("partner__name", "accepted_by_email")
    list_select_related = ("partner", "template")
    readonly_fields = ("partner", "template", "version", "version_number", "content_hash", "language",
                       "accepted_by", "accepted_by_name", "accepted_by_email", "accepted_at", "ip_address",
                       "user_agent")
    fields = readonly_fields
    show_full_result_count = False
    actions = None


@admin.register(OnboardingStep)
class OnboardingStepAdmin(ManagersMayViewMixin, admin.ModelAdmin):
    list_display = ("partner", "code", "completed_at", "completed_by", "note")
    list_filter = ("code", "partner__region")
    search_fields = ("partner__name",)
    list_select_related = ("partner", "completed_by")
    show_full_result_count = False
    actions = None


@admin.register(PayoutDetails)
class PayoutDetailsAdmin(admin.ModelAdmin):
    """Operators only (Django permissions); shown masked like in the portal."""

    list_display = ("partner", "account_holder", "masked", "bank_country", "currency", "updated_at")
    list_select_related = ("partner",)
    fields = ("partner", "account_holder", "masked", "bank_country", "currency", "updated_at", "updated_by")
    readonly_fields = fields
    show_full_result_count = False
    actions = None

    @admin.display(description=_("account"))
    def masked(self, obj):
        return obj.masked_account

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Compliance -------------------------------------------------------------------------------------


@admin.register(ComplianceQuestion)
class ComplianceQuestionAdmin(admin.ModelAdmin):
    list_display = ("code", "topic", "english_text", "answer_type", "review_when", "required", "order", "is_active")
    list_filter = ("topic", "answer_type", "is_active")
    list_editable = ("order", "is_active")
    search_fields = ("code",)

    @admin.display(description=_("question"))
    def english_text(self, obj):
        return obj.text_for("en")


class ClearReviewForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
                           help_text=_("Why the answers are acceptable. Kept in the audit log."))


class RequestChangesForm(forms.Form):
    note = forms.CharField(label=_("What should change"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
                           help_text=_("The partner's admins receive it by e-mail and see it with their answers."))


class CurrentSubmissionFilter(admin.SimpleListFilter):
    """Current submissions by default: a replaced one is history, not a task."""

    title = _("submission")
    parameter_name = "submission"

    def lookups(self, request, model_admin):
        return [("replaced", _("Replaced (history)")), ("all", _("All"))]

    def choices(self, changelist):
        yield {"selected": self.value() is None, "query_string": changelist.get_query_string(remove=[self.parameter_name]),
               "display": _("Current")}
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == lookup,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup}), "display": title}

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        if self.value() == "replaced":
            return queryset.filter(superseded_at__isnull=False)
        return queryset.filter(superseded_at__isnull=True)


@admin.register(ComplianceResponse)
class ComplianceResponseAdmin(ManagersMayViewMixin, admin.ModelAdmin):
    list_display = ("partner", "number", "review_status", "submitted_at", "reasons", "reviewed_by", "reviewed_at",
                    "superseded_at")
    list_filter = (CurrentSubmissionFilter, "review_status", "partner__region")
    search_fields = ("partner__name",)
    list_select_related = ("partner", "reviewed_by")
    readonly_fields = ("partner", "number", "submitted_at", "submitted_by", "review_status", "reasons", "answer_list",
                       "reviewed_at", "reviewed_by", "review_note", "clearance_from", "superseded_at", "history")
    fields = readonly_fields
    show_full_result_count = False
    actions = ["clear_compliance_review", "request_compliance_changes"]

    @admin.display(description=_("reasons for review"))
    def reasons(self, obj):
        return format_html_join("", "<div>{}</div>", ((reason,) for reason in obj.review_reasons or []))

    @admin.display(description=_("answers"))
    def answer_list(self, obj):
        return format_html_join(
            "", "<p><strong>{}</strong><br>{}{}</p>",
            ((item.get("text", ""), item.get("answer", ""), " ⚑" if item.get("needs_review") else "")
             for item in obj.answers or []),
        )

    @admin.display(description=_("all submissions"))
    def history(self, obj):
        """Every submission of the partner, linked: what changed between them is the reviewer's question."""
        rows = (ComplianceResponse.objects.filter(partner_id=obj.partner_id).order_by("-number")
                .values_list("pk", "number", "submitted_at", "review_status", "superseded_at")[:50])
        labels = dict(ComplianceResponse.Review.choices)
        return format_html_join(
            "", '<div><a href="{}">#{}</a> {} · {}{}</div>',
            ((reverse("admin:partners_complianceresponse_change", args=[pk]), number,
              date_format(timezone.localtime(at), "DATETIME_FORMAT"), labels.get(status, status),
              "" if superseded is None else " · " + str(_("replaced"))) for pk, number, at, status, superseded in rows),
        )

    def has_clear_permission(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_operator or user.is_channel_manager)

    def _confirm_page(self, request, *, title, form, responses, action_name, intro, submit_label):
        context = {
            **self.admin_site.each_context(request), "title": title, "form": form, "responses": responses,
            "opts": self.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "action_name": action_name, "intro": intro, "submit_label": submit_label,
        }
        return TemplateResponse(request, "admin/partners/compliance_clear.html", context)

    def _apply(self, request, service, responses, *, note: str) -> int:
        """Run a review service on each response (each in its own transaction); a refusal is reported per
        partner and the others go on. Returns how many succeeded."""
        done = 0
        for response in responses:
            try:
                service(response=response, actor=request.user, note=note)
            except ValidationError as error:
                self.message_user(request, f"{response.partner}: {' '.join(error.messages)}", messages.ERROR)
            else:
                done += 1
        return done

    @admin.action(description=_("Clear compliance review (with a note)"), permissions=["clear"])
    def clear_compliance_review(self, request, queryset):
        if not self.has_clear_permission(request):
            raise PermissionDenied
        pending = list(queryset.filter(review_status=ComplianceResponse.Review.PENDING, superseded_at__isnull=True)
                       .select_related("partner"))
        form = ClearReviewForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            cleared = self._apply(request, compliance_review_clear, pending, note=form.cleaned_data["note"])
            self.message_user(request, ngettext("%(n)d review cleared.", "%(n)d reviews cleared.", cleared)
                              % {"n": cleared}, messages.SUCCESS)
            return None
        if not pending:
            self.message_user(request, _("None of the selected questionnaires is waiting for review."), messages.WARNING)
            return None
        return self._confirm_page(request, title=_("Clear compliance review"), form=form, responses=pending,
                                  action_name="clear_compliance_review", intro="", submit_label="")

    @admin.action(description=_("Ask the partner to change its answers…"), permissions=["clear"])
    def request_compliance_changes(self, request, queryset):
        if not self.has_clear_permission(request):
            raise PermissionDenied
        current = list(queryset.filter(superseded_at__isnull=True, review_status__in=REQUESTABLE)
                       .select_related("partner"))
        form = RequestChangesForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            done = self._apply(request, compliance_request_changes, current, note=form.cleaned_data["note"])
            self.message_user(request, ngettext("%(n)d partner asked for changes.", "%(n)d partners asked for changes.",
                                                done) % {"n": done}, messages.SUCCESS)
            return None
        if not current:
            self.message_user(request, _("Changes can only be requested on current answers that are not already "
                                         "waiting for changes."), messages.WARNING)
            return None
        return self._confirm_page(
            request, title=_("Ask for changes"), form=form, responses=current, action_name="request_compliance_changes",
            intro=_("These partners' admins are asked to change their answers. Partners still onboarding stay "
                    "inactive until they answer again and the new answers are reviewed."),
            submit_label=_("Ask for changes"),
        )
