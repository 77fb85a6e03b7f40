"""MDF claims in the admin: the approval queue of the manager's regions (oldest first, SLA age, duplicate
proof flagged, the evidence checklist, proof downloads), the decision page, bulk decisions, payments, and
every claim read-only with its proof and payment.

Claims and proof files are partner-owned: the scope the tenancy middleware opens for /admin/ hides other
regions' rows, the proof download included (404). Decisions go through mdf.services only.
"""


from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mdf.duplicates import describe_flag
from mdf.models import REQUIRED_EVIDENCE, ActivityEvent, Claim, ClaimApprovalQueue, EvidenceKind, Payment, ProofFile
from mdf.selectors import proof_get_for_download
from mdf.services import claim_approve, claim_reject, claim_request_info
from partners.tiers.selectors import priority_review_expression
from prm.common.downloads import private_download
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
from .payments import PaymentAdminMixin

DECIDABLE = (Claim.Status.SUBMITTED, Claim.Status.MORE_INFO)


def proof_url(proof) -> str:
    return reverse("admin:mdf_claim_proof", args=[proof.pk])


def evidence_rows(claim, proofs=None) -> list[tuple[str, bool]]:
    """(label, attached?) for each piece of evidence the activity type requires (default: ``claim.proofs.all()``)."""
    required = REQUIRED_EVIDENCE.get(claim.activity.activity_type, (EvidenceKind.INVOICE,))
    attached = {proof.kind for proof in (claim.proofs.all() if proofs is None else proofs)}
    return [(str(EvidenceKind(kind).label), kind in attached) for kind in required]


class DuplicateProofFilter(admin.SimpleListFilter):
    title = _("duplicate proof")
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", _("Flagged")), ("no", _("Not flagged"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(duplicate_flags=[])
        if self.value() == "no":
            return queryset.filter(duplicate_flags=[])
        return queryset


class ProofFileInline(ReadOnlyInline):
    model = ProofFile
    fields = ("kind", "download", "content_type", "size_display", "uploaded_by", "uploaded_at")
    readonly_fields = fields
    ordering = ("uploaded_at", "id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("uploaded_by")

    @admin.display(description=_("file"))
    def download(self, obj):
        return format_html('<a href="{}">{}</a>', proof_url(obj), obj.original_name)

    @admin.display(description=_("size"))
    def size_display(self, obj):
        return _("%(size)s kB") % {"size": format_number(round(obj.size / 1024, 1))}


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("paid_on", "reference", "amount_display", "base_display", "fx_rate", "recorded_by", "recorded_at")
    readonly_fields = fields

    @admin.display(description=_("amount"))
    def amount_display(self, obj):
        return format_money(obj.amount, obj.currency)

    @admin.display(description=_("amount in base currency"))
    def base_display(self, obj):
        return format_money(obj.base_amount, settings.BASE_CURRENCY)


class _ClaimDisplay:
    """Columns shared by the queue and the full list (``activity`` is select_related)."""

    @admin.display(description=_("activity"), ordering="activity__reference")
    def activity_reference(self, obj):
        return obj.activity.reference

    @admin.display(description=_("claimed / pre-approved"), ordering="claimed_amount")
    def claimed_vs_preapproved(self, obj):
        return format_html("{} / {}", money_or_dash(obj.claimed_amount, obj.currency),
                           money_or_dash(obj.activity.approved_amount, obj.currency))

    @admin.display(description=_("actual cost"), ordering="actual_cost")
    def actual_cost_display(self, obj):
        return money_or_dash(obj.actual_cost, obj.currency)

    @admin.display(description=_("approved"), ordering="approved_amount")
    def approved_display(self, obj):
        return money_or_dash(obj.approved_amount, obj.currency)

    @admin.display(description=_("waiting"), ordering="submitted_at")
    def sla_age(self, obj):
        return sla_age_html(obj.submitted_at) if obj.status == Claim.Status.SUBMITTED else "—"

    @admin.display(description=_("duplicate proof"))
    def duplicates(self, obj):
        if not obj.duplicate_flags:
            return "—"
        lines = format_html_join(
            "", '<br><a href="{}">{}</a>',
            ((reverse("admin:mdf_claim_change", args=[flag.get("claim_id")]), describe_flag(flag))
             for flag in obj.duplicate_flags if flag.get("claim_id")),
        )
        return format_html('<strong class="duplicate">⚠ {}</strong>{}', _("Check the proof"), lines)

    @admin.display(description=_("evidence"))
    def evidence(self, obj):
        return format_html_join("", "{} {}<br>", (("✓" if ok else "✗", label) for label, ok in evidence_rows(obj)))

    @admin.display(description=_("proof files"))
    def proof_links(self, obj):
        return format_html_join("", '<a href="{}">{}</a><br>', ((proof_url(p), p.original_name)
                                                                for p in obj.proofs.all())) or "—"

    @admin.display(description=_("decide"))
    def decide_link(self, obj):
        if obj.status not in DECIDABLE:
            return "—"
        return format_html('<a class="button" href="{}">{}</a>', reverse("admin:mdf_claim_decide", args=[obj.pk]),
                           _("Decide"))


@admin.register(Claim)
class ClaimAdmin(_ClaimDisplay, PaymentAdminMixin, BatchActionsMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("activity_reference", "partner", "status", "claimed_vs_preapproved", "actual_cost_display",
                    "approved_display", "submitted_at", "sla_age", "duplicates", "decide_link", "pay_link")
    list_filter = ("status", DuplicateProofFilter, "partner__region")
    list_select_related = ("partner", "activity")
    search_fields = ("activity__reference", "activity__title", "invoice_number", "partner__name")
    ordering = ("-created_at", "-id")
    show_full_result_count = False
    list_per_page = 50
    inlines = [ProofFileInline, PaymentInline]
    actions = ["record_payment_selected"]
    fieldsets = (
        (None, {"fields": ("activity_link", "partner", "status", "created_by", "created_at")}),
        (_("Claim"), {"fields": ("actual_cost_display", "claimed_vs_preapproved", "leads", "attendees",
                                 "invoice_number", "notes")}),
        (_("Proof"), {"fields": ("evidence", "duplicates")}),
        (_("Decision"), {"fields": ("decide_link", "submitted_at", "decided_at", "decided_by", "approved_display",
                                    "decision_reason", "info_request", "info_requested_at")}),
        (_("Payment"), {"fields": ("pay_link", "paid_at")}),
    )
    readonly_fields = ("activity_link", "partner", "status", "created_by", "created_at", "actual_cost_display",
                       "claimed_vs_preapproved", "leads", "attendees", "invoice_number", "notes", "evidence",
                       "duplicates", "decide_link", "submitted_at", "decided_at", "decided_by", "approved_display",
                       "decision_reason", "info_request", "info_requested_at", "pay_link", "paid_at")

    @admin.display(description=_("activity"))
    def activity_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:mdf_activity_change", args=[obj.activity_id]),
                           obj.activity)

    def get_urls(self):
        extra = [
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="mdf_claim_decide"),
            path("proof/<int:pk>/", self.admin_site.admin_view(self.proof_view), name="mdf_claim_proof"),
            *self.payment_urls(),
        ]
        return extra + super().get_urls()

    # --- proof files ---------------------------------------------------------------------------------

    def proof_view(self, request, pk: int):
        """Stream one proof file as a download. Runs in the staff scope: another region's proof is 404."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            proof = proof_get_for_download(pk=pk)
        except ProofFile.DoesNotExist:
            raise Http404 from None
        return private_download(proof.file, filename=proof.original_name, content_type=proof.content_type,
                                fallback=f"proof-{proof.pk}")

    # --- one claim -----------------------------------------------------------------------------------

    def decide_view(self, request, pk: int):
        claim = get_object_or_404(self.get_queryset(request).select_related("partner", "activity", "activity__fund"),
                                  pk=pk)
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        forms = {"approve": ApproveForm(prefix="approve"), "partial": PartialApproveForm(prefix="partial"),
                 "reject": RejectForm(prefix="reject"), "more_info": MoreInfoForm(prefix="more")}
        if request.method == "POST" and self.apply_decision(request, forms, request.POST.get("decision", ""),
                                                            self._handlers(request, claim)):
            return redirect("admin:mdf_claimapprovalqueue_changelist")
        proofs = list(ProofFile.objects.filter(claim=claim).select_related("uploaded_by").order_by("uploaded_at", "id"))
        events = ActivityEvent.objects.filter(activity_id=claim.activity_id).select_related("actor").order_by("at", "id")
        return self.page(
            request, "admin/mdf/claim_decide.html",
            title=_("Decide on the claim for %(reference)s") % {"reference": claim.activity.reference},
            claim=claim, activity=claim.activity, forms=forms, proofs=[(p, proof_url(p)) for p in proofs],
            evidence=evidence_rows(claim, proofs), duplicates=self.duplicates(claim), events=list(events),
            waited=waiting_label(claim.submitted_at) if claim.submitted_at else None, sla_hours=sla_hours(),
            can_approve=claim.status == Claim.Status.SUBMITTED, can_reject=claim.status in DECIDABLE,
        )

    def _handlers(self, request, claim):
        ref = {"reference": claim.activity.reference}

        def approve(data):
            claim_approve(claim=claim, actor=request.user, reason=data["reason"])
            return _("The claim for %(reference)s is approved.") % ref

        def partial(data):
            done = claim_approve(claim=claim, actor=request.user, amount=data["amount"], reason=data["reason"])
            return _("The claim for %(reference)s is approved for %(amount)s.") % {
                **ref, "amount": format_money(done.approved_amount, done.currency)}

        def reject(data):
            claim_reject(claim=claim, actor=request.user, reason=data["reason"])
            return _("The claim for %(reference)s is rejected.") % ref

        def more_info(data):
            claim_request_info(claim=claim, actor=request.user, message=data["message"])
            return _("The partner was asked for more information.")

        return {"approve": (ApproveForm, "approve", approve), "partial": (PartialApproveForm, "partial", partial),
                "reject": (RejectForm, "reject", reject), "more_info": (MoreInfoForm, "more", more_info)}


@admin.register(ClaimApprovalQueue)
class ClaimApprovalQueueAdmin(ClaimAdmin):
    """Submitted claims, oldest first: the SLA clock runs for them. Flagged duplicate proof stands out."""

    list_display = ("activity_reference", "partner", "claimed_vs_preapproved", "actual_cost_display", "submitted_at",
                    "sla_age", "duplicates", "evidence", "proof_links", "decide_link")
    list_filter = (OverdueFilter, DuplicateProofFilter, "partner__region")
    ordering = ("submitted_at", "id")
    actions = ["approve_selected", "reject_selected"]

    def get_queryset(self, request):
        proofs = ProofFile.objects.only("id", "claim_id", "kind", "original_name").order_by("uploaded_at", "id")
        return (super().get_queryset(request).filter(status=Claim.Status.SUBMITTED)
                .prefetch_related(Prefetch("proofs", queryset=proofs)))

    def get_ordering(self, request):
        # Partners whose tier gives priority review first, then oldest first (built per request: it reads
        # tier states in the request's scope).
        return (priority_review_expression().desc(), "submitted_at", "id")

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)  # decisions, payments and downloads live on ClaimAdmin

    def _selected(self, queryset):
        return list(queryset.select_related("partner", "activity").order_by("submitted_at", "id"))

    @admin.action(description=_("Approve the selected claims in full"), permissions=["change"])
    def approve_selected(self, request, queryset):
        result = run_each(self._selected(queryset), lambda claim: claim_approve(claim=claim, actor=request.user))
        self.report_batch(request, result, lambda n: ngettext(
            "%(count)d claim approved.", "%(count)d claims approved.", n) % {"count": n},
            label=lambda claim: claim.activity.reference)

    @admin.action(description=_("Reject the selected claims…"), permissions=["change"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        claims = self._selected(queryset)
        if "apply" in request.POST and form.is_valid():
            reason = form.cleaned_data["reason"]
            result = run_each(claims, lambda claim: claim_reject(claim=claim, actor=request.user, reason=reason))
            self.report_batch(request, result, lambda n: ngettext(
                "%(count)d claim rejected.", "%(count)d claims rejected.", n) % {"count": n},
                label=lambda claim: claim.activity.reference)
            return None
        return self.action_form_page(
            request, rows=[(c.activity.reference, c.partner.name) for c in claims[:200]], form=form,
            action="reject_selected", title=_("Reject the selected claims"),
            intro=_("Every selected claim is rejected with this reason and its reservation goes back to the fund."))
