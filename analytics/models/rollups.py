"""The rollups: what the dashboards, the partner home and the KPI API read instead of raw facts.

All three fact tables are partner-owned (a partner's home reads its own rows in its scope); staff
dashboards read them by region through ``analytics.dashboards.queries`` (allow-listed, region-filtered SQL).
Amounts are in the base currency (``settings.BASE_CURRENCY``), converted at the rate each fact carries
(won deals: the close date's rate stored on the deal; MDF: the rate stored on each ledger entry; open
pipeline: the latest rate on or before the refresh day).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned

MONEY = {"max_digits": 16, "decimal_places": 2, "default": 0}

# Upper bounds (hours, exclusive) of the decision-time histogram; the last bucket is open-ended.
# Medians are interpolated inside the bucket that holds the middle decision (see analytics.stats).
DECISION_BUCKET_BOUNDS_HOURS = (1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336)
DECISION_BUCKETS = len(DECISION_BUCKET_BOUNDS_HOURS) + 1


class PartnerSnapshot(PartnerOwned):
    """One row per partner: its dimensions (for filtering) and its current state, as of ``refreshed_at``."""

    # Dimensions, copied so dashboard queries need no join to the partner or tier tables.
    region = models.ForeignKey("partners.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    country = models.CharField(_("country"), max_length=2)
    partner_type = models.CharField(_("partner type"), max_length=32)
    status = models.CharField(_("status"), max_length=16)
    tier = models.ForeignKey("partners.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("tier"))
    in_grace = models.BooleanField(_("in grace period"), default=False)
    # Time to first value.
    activated_on = models.DateField(_("activated"), null=True, blank=True)
    cohort = models.DateField(_("activation quarter"), null=True, blank=True, db_index=True)
    days_to_first_registration = models.PositiveIntegerField(_("days to first registration"), null=True, blank=True)
    days_to_first_win = models.PositiveIntegerField(_("days to first win"), null=True, blank=True)
    # Engagement.
    users = models.PositiveIntegerField(_("active members"), default=0)
    active_users_30d = models.PositiveIntegerField(_("members who signed in, last 30 days"), default=0)
    last_login_at = models.DateTimeField(_("last sign-in"), null=True, blank=True)
    # Pipeline and revenue.
    open_deals = models.PositiveIntegerField(_("open registrations"), default=0)
    protected_deals = models.PositiveIntegerField(_("protected registrations"), default=0)
    expiring_deals_7d = models.PositiveIntegerField(_("protection ending within 7 days"), default=0)
    open_pipeline_base = models.DecimalField(_("open pipeline"), **MONEY)
    won_revenue_ttm_base = models.DecimalField(_("sourced won revenue, last 12 months"), **MONEY)
    influenced_revenue_ttm_base = models.DecimalField(_("influenced won revenue, last 12 months"), **MONEY)
    won_deals_ttm = models.PositiveIntegerField(_("won deals, last 12 months"), default=0)
    # Enablement.
    active_certifications = models.PositiveIntegerField(_("active certifications"), default=0)
    certifications_expiring_60d = models.PositiveIntegerField(_("certifications expiring within 60 days"), default=0)
    # MDF (open funds, base currency).
    mdf_available_base = models.DecimalField(_("MDF available"), **MONEY)
    mdf_pending_claims = models.PositiveIntegerField(_("MDF claims awaiting a decision"), default=0)
    # Health (copied from the latest HealthScore).
    health_score = models.PositiveSmallIntegerField(_("health score"), null=True, blank=True)
    health_change = models.SmallIntegerField(_("health change"), null=True, blank=True)
    at_risk = models.BooleanField(_("at risk"), default=False, db_index=True)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("partner snapshot")
        verbose_name_plural = _("partner snapshots")
        constraints = [models.UniqueConstraint(fields=["partner"], name="analytics_snapshot_one_per_partner")]
        indexes = [models.Index(fields=["region", "partner_type"], name="analytics_snapshot_dims")]

    def __str__(self) -> str:
        return f"snapshot {self.partner_id}"


class PartnerQuarterFact(PartnerOwned):
    """Additive measures of one partner in one calendar quarter (``quarter`` is its first day).

    Each measure counts an event in the quarter it happened: a registration in the quarter it was
    submitted, a decision in the quarter it was made, a win in the quarter of its close date, a ledger
    entry in the quarter of its date. Summing rows over partners and quarters is always correct.
    """

    quarter = models.DateField(_("quarter"))
    # Deal registration.
    registrations_submitted = models.PositiveIntegerField(_("registrations submitted"), default=0)
    registrations_approved = models.PositiveIntegerField(_("registrations approved"), default=0)
    registrations_rejected = models.PositiveIntegerField(_("registrations rejected"), default=0)
    pipeline_submitted_base = models.DecimalField(_("value submitted"), **MONEY)
    decision_seconds_sum = models.BigIntegerField(_("time to decision, total seconds"), default=0)
    # decision_hours[i]: decisions taking less than DECISION_BUCKET_BOUNDS_HOURS[i] hours (and at least the
    # previous bound); the last entry counts the rest. A list of DECISION_BUCKETS integers.
    decision_hours = models.JSONField(_("time to decision, histogram"), default=list)
    won_deals = models.PositiveIntegerField(_("won deals"), default=0)
    lost_deals = models.PositiveIntegerField(_("lost deals"), default=0)
    sourced_won_base = models.DecimalField(_("sourced won revenue"), **MONEY)
    influenced_won_base = models.DecimalField(_("influenced won revenue"), **MONEY)
    # MDF ledger movements dated in the quarter (base currency, at each entry's rate).
    mdf_allocated_base = models.DecimalField(_("MDF allocated"), **MONEY)
    mdf_reserved_base = models.DecimalField(_("MDF reserved (net of releases)"), **MONEY)
    mdf_spent_base = models.DecimalField(_("MDF spent"), **MONEY)
    mdf_paid_base = models.DecimalField(_("MDF paid"), **MONEY)
    # Won revenue of deals attributed to MDF activities, by the deal's close quarter.
    mdf_attributed_won_base = models.DecimalField(_("won revenue from MDF activities"), **MONEY)
    # Enablement and tiers.
    course_completions = models.PositiveIntegerField(_("course completions"), default=0)
    certifications_awarded = models.PositiveIntegerField(_("certifications awarded"), default=0)
    promotions = models.PositiveIntegerField(_("tier promotions"), default=0)
    demotions = models.PositiveIntegerField(_("tier demotions"), default=0)
    # PSAT (0–10): promoters 9–10, detractors 0–6.
    psat_responses = models.PositiveIntegerField(_("PSAT responses"), default=0)
    psat_score_sum = models.PositiveIntegerField(_("PSAT score total"), default=0)
    psat_promoters = models.PositiveIntegerField(_("PSAT promoters"), default=0)
    psat_detractors = models.PositiveIntegerField(_("PSAT detractors"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("partner quarter fact")
        verbose_name_plural = _("partner quarter facts")
        constraints = [models.UniqueConstraint(fields=["partner", "quarter"], name="analytics_quarter_fact_unique")]
        indexes = [models.Index(fields=["quarter"], name="analytics_quarter_fact_q")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.quarter:%Y-%m}"


class PartnerPipelineFact(PartnerOwned):
    """Open registrations (submitted, more information, approved) of one partner in one stage."""

    stage = models.CharField(_("stage"), max_length=20)
    deals = models.PositiveIntegerField(_("registrations"), default=0)
    amount_base = models.DecimalField(_("estimated value"), **MONEY)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("partner pipeline fact")
        verbose_name_plural = _("partner pipeline facts")
        constraints = [models.UniqueConstraint(fields=["partner", "stage"], name="analytics_pipeline_fact_unique")]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.stage}"


class RollupDirty(models.Model):
    """A partner whose facts changed since its rollups were last refreshed (an outbox of ids, no content).

    Written on commit by the signal handlers in ``analytics.rollups.wiring``; drained by
    ``analytics.rollups_refresh_dirty``
    (queued on commit and swept every few minutes, so a lost dispatch is only late).
    """

    partner_id = models.BigIntegerField(primary_key=True)
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("partner awaiting a rollup refresh")
        verbose_name_plural = _("partners awaiting a rollup refresh")

    def __str__(self) -> str:
        return str(self.partner_id)


class RollupState(models.Model):
    """How fresh a rollup is: shown as "as of" on every dashboard."""

    name = models.CharField(max_length=40, primary_key=True)
    refreshed_at = models.DateTimeField(_("last refresh"), null=True, blank=True)
    full_refreshed_at = models.DateTimeField(_("last full refresh"), null=True, blank=True)
    partners = models.PositiveIntegerField(_("partners in the last run"), default=0)
    seconds = models.FloatField(_("duration of the last run (s)"), default=0)

    class Meta:
        verbose_name = _("rollup state")
        verbose_name_plural = _("rollup states")

    def __str__(self) -> str:
        return self.name




class Segment(models.Model):
    """The dimensions every dashboard filter uses; a segment row sums the partners that share them.

    Segment tables are rebuilt from the per-partner rollups at the end of every refresh run (a GROUP BY over a
    few hundred thousand rows at most, in the worker), so a dashboard page reads a few thousand rows whatever
    the number of partners. They hold sums only, no partner's own figures; staff read them by region.
    """

    region = models.ForeignKey("partners.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    country = models.CharField(_("country"), max_length=2)
    partner_type = models.CharField(_("partner type"), max_length=32)
    tier = models.ForeignKey("partners.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             verbose_name=_("tier"))
    partners = models.PositiveIntegerField(_("partners"), default=0)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        abstract = True


class SegmentQuarterFact(Segment):
    """PartnerQuarterFact summed per quarter and segment (same measures; histograms added element-wise)."""

    quarter = models.DateField(_("quarter"))
    registrations_submitted = models.PositiveIntegerField(default=0)
    registrations_approved = models.PositiveIntegerField(default=0)
    registrations_rejected = models.PositiveIntegerField(default=0)
    pipeline_submitted_base = models.DecimalField(**MONEY)
    decision_seconds_sum = models.BigIntegerField(default=0)
    decision_hours = models.JSONField(default=list)
    won_deals = models.PositiveIntegerField(default=0)
    lost_deals = models.PositiveIntegerField(default=0)
    sourced_won_base = models.DecimalField(**MONEY)
    influenced_won_base = models.DecimalField(**MONEY)
    mdf_allocated_base = models.DecimalField(**MONEY)
    mdf_reserved_base = models.DecimalField(**MONEY)
    mdf_spent_base = models.DecimalField(**MONEY)
    mdf_paid_base = models.DecimalField(**MONEY)
    mdf_attributed_won_base = models.DecimalField(**MONEY)
    course_completions = models.PositiveIntegerField(default=0)
    certifications_awarded = models.PositiveIntegerField(default=0)
    promotions = models.PositiveIntegerField(default=0)
    demotions = models.PositiveIntegerField(default=0)
    psat_responses = models.PositiveIntegerField(default=0)
    psat_score_sum = models.PositiveIntegerField(default=0)
    psat_promoters = models.PositiveIntegerField(default=0)
    psat_detractors = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("segment quarter fact")
        verbose_name_plural = _("segment quarter facts")
        indexes = [models.Index(fields=["quarter", "region"], name="analytics_segq_quarter_region")]

    def __str__(self) -> str:
        return f"{self.quarter:%Y-%m} {self.region_id} {self.country} {self.partner_type} {self.tier_id}"


class SegmentSnapshot(Segment):
    """PartnerSnapshot summed per segment and status: counts, health buckets and current totals."""

    status = models.CharField(_("status"), max_length=16)
    active_30d = models.PositiveIntegerField(default=0)        # partners with a sign-in in the last 30 days
    in_grace = models.PositiveIntegerField(default=0)
    at_risk = models.PositiveIntegerField(default=0)
    scored = models.PositiveIntegerField(default=0)            # partners with a health score
    health_sum = models.PositiveIntegerField(default=0)
    # health_buckets[i]: partners scoring in [20*i, 20*i + 20), the last bucket including 100.
    health_buckets = models.JSONField(default=list)
    users = models.PositiveIntegerField(default=0)
    active_users_30d = models.PositiveIntegerField(default=0)
    open_deals = models.PositiveIntegerField(default=0)
    protected_deals = models.PositiveIntegerField(default=0)
    open_pipeline_base = models.DecimalField(**MONEY)
    won_revenue_ttm_base = models.DecimalField(**MONEY)
    influenced_revenue_ttm_base = models.DecimalField(**MONEY)
    won_deals_ttm = models.PositiveIntegerField(default=0)
    active_certifications = models.PositiveIntegerField(default=0)
    certifications_expiring_60d = models.PositiveIntegerField(default=0)
    mdf_available_base = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("segment snapshot")
        verbose_name_plural = _("segment snapshots")
        indexes = [models.Index(fields=["region"], name="analytics_segs_region")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.country} {self.partner_type} {self.tier_id} {self.status}"


class SegmentPipelineFact(Segment):
    """PartnerPipelineFact summed per segment and stage."""

    stage = models.CharField(_("stage"), max_length=20)
    deals = models.PositiveIntegerField(default=0)
    amount_base = models.DecimalField(**MONEY)

    class Meta:
        verbose_name = _("segment pipeline fact")
        verbose_name_plural = _("segment pipeline facts")
        indexes = [models.Index(fields=["region"], name="analytics_segp_region")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.stage}"
