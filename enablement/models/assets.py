"""The asset library (marketing and sales material per language and partner type), downloads tracked per
person and partner, and each partner's co-branding details for co-brandable one-pagers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import PartnerScopedManager

from .catalogue import Targeted


class Asset(Targeted):
    class Kind(models.TextChoices):
        FILE = "file", _("File")
        LINK = "link", _("Link")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="en")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.FILE)
    # Private storage, checked by content; served by a view that records the download.
    file = models.FileField(_("file"), upload_to="enablement/assets/", blank=True, max_length=255)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_type = models.CharField(_("content type"), max_length=100, blank=True, editable=False)
    url = models.URLField(_("link"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    co_brandable = models.BooleanField(
        _("co-brandable"), default=False,
        help_text=_("Partners download a one-pager with their own name, logo and contact details stamped in."),
    )
    one_pager_body = models.TextField(_("one-pager text"), blank=True,
                                      help_text=_("The text of the co-branded one-pager (in the asset's language)."))
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class AssetDownload(PartnerOwned):
    """One download (or link opened) by a person: an engagement signal for health scoring."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="downloads", verbose_name=_("asset"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                             verbose_name=_("person"))
    co_branded = models.BooleanField(_("co-branded"), default=False)
    downloaded_at = models.DateTimeField(_("downloaded"), auto_now_add=True, db_index=True)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("asset download")
        verbose_name_plural = _("asset downloads")
        indexes = [models.Index(fields=["partner", "downloaded_at"])]


class CoBrandingProfile(PartnerOwned):
    """What a partner stamps on co-branded material: display name, logo and contact details."""

    display_name = models.CharField(_("name on material"), max_length=200)
    logo = models.FileField(_("logo"), upload_to="enablement/logos/", blank=True, max_length=255)
    logo_type = models.CharField(max_length=100, blank=True, editable=False)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("co-branding profile")
        verbose_name_plural = _("co-branding profiles")
        constraints = [models.UniqueConstraint(fields=["partner"], name="cobranding_one_per_partner")]


class CoBrandedPdf(PartnerOwned):
    """A co-brandable asset's one-pager stamped with this partner's details, rendered by a worker and kept
    until the asset or the partner's co-branding profile changes (``rendered_for`` says which versions)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="+", verbose_name=_("asset"))
    file = models.FileField(_("file"), upload_to="enablement/cobranded/", max_length=255)
    rendered_for = models.CharField(max_length=80, editable=False)
    rendered_at = models.DateTimeField(_("rendered"), auto_now=True)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("co-branded one-pager")
        verbose_name_plural = _("co-branded one-pagers")
        constraints = [models.UniqueConstraint(fields=["partner", "asset"], name="cobranded_pdf_unique")]
