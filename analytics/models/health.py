"""The health model (operator-configured weights and thresholds) and the daily health score per partner."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from prm.common.fields import PlainJSONField
from prm.tenancy.models import PartnerOwned

# The components of the health score, in display order. Each has a weight field ``weight_<code>`` on
# HealthModel; analytics.health.components documents how each is measured and scored.
COMPONENTS = (
    "login_recency",
    "active_users",
    "training",
    "certifications",
    "pipeline_growth",
    "win_rate",
    "mdf_utilisation",
    "psat",
    "asset_downloads",
)


def _weight(label, default):
    return models.PositiveSmallIntegerField(label, default=default, validators=[MaxValueValidator(100)])


class HealthModel(models.Model):
    """The one health model (a singleton, pk=1): how much each leading indicator weighs, and what "at risk" means.

    A component that does not apply to a partner (no MDF fund, no PSAT answer, no closed deal yet) is left
    out and the remaining weights are scaled to 100, so a partner is not punished for what it cannot do.
    """

    weight_login_recency = _weight(_("weight: sign-in recency"), 15)
    weight_active_users = _weight(_("weight: active users"), 10)
    weight_training = _weight(_("weight: training completions"), 10)
    weight_certifications = _weight(_("weight: active certifications"), 15)
    weight_pipeline_growth = _weight(_("weight: pipeline growth"), 15)
    weight_win_rate = _weight(_("weight: win rate"), 10)
    weight_mdf_utilisation = _weight(_("weight: MDF utilisation"), 10)
    weight_psat = _weight(_("weight: PSAT"), 10)
    weight_asset_downloads = _weight(_("weight: asset downloads"), 5)
    # Targets: the value at which a component earns its full weight.
    target_training_completions_90d = models.PositiveSmallIntegerField(
        _("course completions for full points (last 90 days)"), default=3)
    target_certifications = models.PositiveSmallIntegerField(_("active certifications for full points"), default=2)
    target_asset_downloads_90d = models.PositiveSmallIntegerField(
        _("asset downloads for full points (last 90 days)"), default=5)
    login_full_days = models.PositiveSmallIntegerField(_("full points if someone signed in within (days)"), default=7)
    login_zero_days = models.PositiveSmallIntegerField(_("no points if nobody signed in for (days)"), default=60)
    at_risk_below = models.PositiveSmallIntegerField(_("at risk below this score"), default=40,
                                                     validators=[MaxValueValidator(100)])
    at_risk_drop = models.PositiveSmallIntegerField(
        _("at risk after a drop of more than (points, over 30 days)"), default=15, validators=[MaxValueValidator(100)])
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("health model")
        verbose_name_plural = _("health model")

    def __str__(self) -> str:
        return str(_("Health model"))

    @classmethod
    def current(cls) -> "HealthModel":
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj

    def weights(self) -> dict[str, int]:
        return {code: getattr(self, f"weight_{code}") for code in COMPONENTS}


class HealthScore(PartnerOwned):
    """A partner's health on one day: the score, its components (so it can be explained), and the at-risk flag.

    ``components`` maps a component code to ``{"value": measured, "previous": comparison value or null,
    "points": earned, "weight": possible}`` (points and weight after scaling to 100); components that do
    not apply are absent. ``reasons`` lists the codes that made the partner at risk.
    """

    day = models.DateField(_("day"))
    score = models.PositiveSmallIntegerField(_("score"), validators=[MaxValueValidator(100)])
    previous_score = models.PositiveSmallIntegerField(_("score 30 days earlier"), null=True, blank=True)
    components = PlainJSONField(_("components"), default=dict)  # written nightly in bulk, read whole
    at_risk = models.BooleanField(_("at risk"), default=False)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    computed_at = models.DateTimeField(_("computed"))

    class Meta:
        verbose_name = _("health score")
        verbose_name_plural = _("health scores")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["partner", "day"], name="analytics_health_one_per_day")]
        indexes = [models.Index(fields=["day", "at_risk"], name="analytics_health_day_risk")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.day}: {self.score}"
