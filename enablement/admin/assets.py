"""The asset library in the admin: assets (operators; files checked by content), and downloads per person and
partner, read-only and scoped to the staff user's regions, with the count per asset (one aggregate query)."""

from django import forms
from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from enablement.models import Asset, AssetDownload

from .base import CheckedFileFormMixin, ReadOnlyAdminMixin, TargetingFormMixin

TOP_ASSETS = 20


class TagsField(forms.CharField):
    """Tags typed as “pricing, security, webinar”, stored as a list."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value)
        tags = []
        for tag in (t.strip() for t in text.split(",")):
            if tag and tag not in tags:
                tags.append(tag[:40])
        return tags


class AssetForm(CheckedFileFormMixin, TargetingFormMixin, forms.ModelForm):
    tags = TagsField(label=_("tags"), required=False, help_text=_("Separated by commas, e.g. pricing, security."))

    class Meta:
        model = Asset
        fields = ["title", "description", "language", "kind", "file", "url", "tags", "partner_types", "roles",
                  "co_brandable", "one_pager_body", "is_published"]

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == Asset.Kind.FILE and "file" not in self.errors and not self.has_file():
            self.add_error("file", _("A file asset needs its file (PDF, PNG, JPEG, CSV or XLSX, at most 50 MB)."))
        if kind == Asset.Kind.LINK and not data.get("url"):
            self.add_error("url", _("A link asset needs its link."))
        if data.get("co_brandable") and not (data.get("one_pager_body") or "").strip():
            self.add_error("one_pager_body", _("A co-brandable asset needs the text of its one-pager."))
        return data


def _downloads():
    # Through the download's own (scoped) manager: a channel manager counts their regions' downloads only.
    rows = AssetDownload.objects.filter(asset_id=OuterRef("pk")).order_by().values("asset_id").annotate(
        n=Count("id")).values("n")
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    form = AssetForm
    list_display = ("title", "language", "kind", "is_published", "co_brandable", "download_count", "updated_at")
    list_filter = ("language", "kind", "is_published", "co_brandable")
    search_fields = ("title", "description")
    readonly_fields = ("file_name", "file_type")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("title", "description", "language", "is_published")}),
        (_("Content"), {"fields": ("kind", "file", "file_name", "file_type", "url", "tags")}),
        (_("Who it is for"), {"fields": ("partner_types", "roles")}),
        (_("Co-branding"), {"fields": ("co_brandable", "one_pager_body")}),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(downloads_total=_downloads())

    @admin.display(description=_("downloads"), ordering="downloads_total")
    def download_count(self, obj):
        return obj.downloads_total


@admin.register(AssetDownload)
class AssetDownloadAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("downloaded_at", "asset", "partner", "user", "co_branded")
    list_filter = ("co_branded", "asset", "partner__region")
    list_select_related = ("asset", "partner", "user")
    search_fields = ("asset__title", "partner__name", "user__email")
    fields = ("downloaded_at", "asset", "partner", "user", "co_branded")
    ordering = ("-downloaded_at", "-id")
    show_full_result_count = False
    list_per_page = 50
    actions = None

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl") if hasattr(response, "context_data") else None
        if changelist is not None:
            # The downloads the list shows (its filters applied), counted per asset: one aggregate query.
            response.context_data["per_asset"] = list(
                changelist.queryset.order_by().values("asset_id", "asset__title").annotate(n=Count("id"))
                .order_by("-n", "asset__title")[:TOP_ASSETS])
        return response
