"""Multi-partner deals: another partner invited onto a registration as influencer, implementer,
technology partner or distributor, with an attribution share.

The row belongs to the INVITED partner (its scope reads it); the registering partner reaches the
participants of its own deals through dealreg.shared_deals, and the invited partner reaches the
deal's shareable fields the same way. Neither side ever reads the other's rows directly.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned

from .deals import Deal


class DealParticipant(PartnerOwned):
    """``partner`` is the invited partner; ``deal`` is the registering partner's deal."""

    class Role(models.TextChoices):
        INFLUENCER = "influencer", _("Influencer")
        IMPLEMENTER = "implementer", _("Implementer (SI)")
        TECHNOLOGY = "technology", _("Technology partner (ISV)")
        DISTRIBUTOR = "distributor", _("Distributor")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        REMOVED = "removed", _("Removed")

    # Invitations that still hold a share of the attribution (the sum of these is at most 100).
    ACTIVE_STATUSES = (Status.INVITED, Status.ACCEPTED)

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="participants", verbose_name=_("deal"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    share = models.DecimalField(
        _("attribution share (%)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.INVITED, db_index=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("invited by"))
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("answered by"))
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("deal participant")
        verbose_name_plural = _("deal participants")
        ordering = ["-invited_at", "-id"]
        constraints = [
            # One live invitation per partner and deal; declined or removed ones stay as history.
            models.UniqueConstraint(fields=["partner", "deal"], condition=Q(status__in=["invited", "accepted"]),
                                    name="dealparticipant_one_active_per_partner_deal"),
            models.CheckConstraint(condition=Q(share__gte=0) & Q(share__lte=100), name="dealparticipant_share_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.share}%"

    def get_absolute_url(self) -> str:
        return reverse("dealreg:shared_deal_detail", kwargs={"pk": self.pk})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES
