"""PSAT: partner satisfaction pulse surveys (0–10 plus a comment), quarterly and after key events.

A survey is a wave (a quarter's pulse) or an event kind (deal approved, claim paid). Each invited person
gets a single-use link (only its hash is stored). A response may be anonymous: then it keeps the partner
(results by partner, region, tier and type) but not the person, and the invitation only records that it
was used.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned


class PsatSurvey(models.Model):
    """A pulse: the quarterly wave, or the standing survey sent after one kind of event."""

    class Kind(models.TextChoices):
        QUARTERLY = "quarterly", _("Quarterly pulse")
        DEAL_APPROVED = "deal_approved", _("After a deal registration is approved")
        CLAIM_PAID = "claim_paid", _("After an MDF claim is paid")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    quarter = models.DateField(_("quarter"), null=True, blank=True, help_text=_("First day of the quarter (quarterly pulses)."))
    is_active = models.BooleanField(_("active"), default=True,
                                    help_text=_("Event surveys are sent only while active."))
    allow_anonymous = models.BooleanField(_("allow anonymous answers"), default=True)
    link_valid_days = models.PositiveSmallIntegerField(_("links valid for (days)"), default=30)
    # When a run of the quarterly wave went through every partner (the daily task sends a wave once).
    wave_completed_at = models.DateTimeField(_("wave sent to everyone"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("PSAT survey")
        verbose_name_plural = _("PSAT surveys")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["quarter"], condition=Q(kind="quarterly"), name="psat_one_quarterly_wave"),
            models.UniqueConstraint(fields=["kind"], condition=~Q(kind="quarterly"), name="psat_one_event_survey"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.QUARTERLY and self.quarter:
            return f"{self.get_kind_display()} {self.quarter.year}-Q{(self.quarter.month - 1) // 3 + 1}"
        return str(self.get_kind_display())


class PsatInvitation(PartnerOwned):
    """One person's single-use link to one survey, for one reason (``subject_key``: "quarter", "deal:42")."""

    survey = models.ForeignKey(PsatSurvey, on_delete=models.PROTECT, related_name="invitations", verbose_name=_("survey"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person"))
    subject_key = models.CharField(_("reason"), max_length=64, default="quarter")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    sent_at = models.DateTimeField(_("sent"))
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("PSAT invitation")
        verbose_name_plural = _("PSAT invitations")
        constraints = [
            models.UniqueConstraint(fields=["survey", "user", "subject_key"], name="psat_invitation_once_per_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.user_id}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class PsatResponse(PartnerOwned):
    """An answer: a score 0–10 and an optional comment. ``user`` is empty when the person chose anonymity."""

    survey = models.ForeignKey(PsatSurvey, on_delete=models.PROTECT, related_name="responses", verbose_name=_("survey"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("person"))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(10)])
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    submitted_at = models.DateTimeField(_("submitted"), db_index=True)

    class Meta:
        verbose_name = _("PSAT response")
        verbose_name_plural = _("PSAT responses")
        ordering = ["-submitted_at"]
        constraints = [models.CheckConstraint(condition=Q(score__lte=10), name="psat_score_0_10")]

    def __str__(self) -> str:
        return f"{self.survey}: {self.score}"

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None
