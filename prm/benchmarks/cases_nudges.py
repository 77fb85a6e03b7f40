"""The nudge sweep's benchmark case (imported at the end of prm/benchmarks/cases.py).

- notifications.nudge_sweep: a night's nudge sweep, every rule's job once (prm/notifications/nudges.py; each app's
  nudge_rules.py) as the workers run them, over the synthetic dataset, the night after a first (cold) sweep;
  against the bare SQL reads of the rows the rules look at. Issue #7's target: under 60 s at 100k partners
  (``make bench BENCH_ARGS="--partners 100000 --only notifications.nudge_sweep"``), and no duplicate sends (run
  again, it writes nothing). Seeds what the dataset lacks; everything is rolled back.
"""

import statistics
import time
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, SYNTHETIC_DOMAIN, write_rows

from .runner import BenchContext, BenchError, Trial, case

TARGET_SECONDS = 60
MANAGERS_PER_REGION = 3
MANAGER_DOMAIN = "nudge-bench.example"
AGREEMENT_REGION = "emea"
AGREEMENT_ACCEPTED_SEVENTHS = 5  # of the region's active partners who already accepted the new version
AGREEMENT_DAYS_LEFT = 3  # today the second reminder (3 days before the deadline) is due; yesterday the first was
AWAY_DAYS = (5, 12, 20, 30, 38, 46, 55, 63, 72, 85)  # days since the last sign-in of the people who drift away


def _jobs() -> list:
    """The periodic tasks that run the nudge rules (prm/schedule.py), in their schedule's order."""
    from analytics.health.tasks import at_risk_digest, no_login_nudges
    from dealreg.tasks import protection_sweep, sla_escalate
    from enablement.tasks import nudges as enablement_nudges
    from mdf.tasks import nudges as mdf_nudges
    from partners.tasks import onboarding_nudges

    return [protection_sweep, mdf_nudges, enablement_nudges, at_risk_digest, no_login_nudges, onboarding_nudges,
            sla_escalate]


# --- seeding: what the synthetic dataset does not have -------------------------------------------------------

def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model) -> str:
    return _q(model._meta.db_table)


def _synthetic(column: str = "partner_id") -> str:
    from partners.models import PartnerOrganization

    return (f"{_q(column)} IN (SELECT {_q('id')} FROM {_table(PartnerOrganization)} "
            f"WHERE {_q('name')} LIKE '{PARTNER_PREFIX}%%')")


def _execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.rowcount


def _seed_channel_managers(*, now) -> int:
    """MANAGERS_PER_REGION channel managers per region, each synthetic partner assigned to one of its region's."""
    from partners.models import PartnerOrganization, Region
    from prm.accounts.models import User

    regions = list(Region.objects.order_by("pk").values_list("pk", "code"))
    write_rows(User, ({"email": f"cm-{code}-{k}@{MANAGER_DOMAIN}", "full_name": f"Bench manager {code} {k}",
                       "password": "!", "preferred_language": "en", "date_joined": now, "is_staff": True,
                       "staff_role": User.StaffRole.CHANNEL_MANAGER.value}
                      for _pk, code in regions for k in range(MANAGERS_PER_REGION)), now=now)
    ids = dict(User.objects.filter(email__endswith=f"@{MANAGER_DOMAIN}").values_list("email", "pk"))
    User.regions.through.objects.bulk_create([
        User.regions.through(user_id=ids[f"cm-{code}-{k}@{MANAGER_DOMAIN}"], region_id=pk)
        for pk, code in regions for k in range(MANAGERS_PER_REGION)])
    assigned = 0
    for pk, code in regions:
        for k in range(MANAGERS_PER_REGION):
            assigned += _execute(
                f"UPDATE {_table(PartnerOrganization)} SET {_q('channel_manager_id')} = %s WHERE {_q('region_id')} = %s "
                f"AND {_q('id')} %% {MANAGERS_PER_REGION} = %s AND {_q('name')} LIKE '{PARTNER_PREFIX}%%'",
                [ids[f"cm-{code}-{k}@{MANAGER_DOMAIN}"], pk, k])
    return assigned


def _seed_logins(*, now) -> int:
    """Every synthetic person signed in within the last 9 days, except one in ten, who drift away: their last
    sign-in 5 to 85 days ago, one in a hundred exactly 30 days and some hours ago (newly due today). Returns
    how many are away 30 days or more."""
    from prm.accounts.models import User

    where = f"WHERE {_q('email')} LIKE '%%@{SYNTHETIC_DOMAIN}'"
    for k in range(1, 10):
        _execute(f"UPDATE {_table(User)} SET {_q('last_login')} = %s {where} AND {_q('id')} %% 10 = %s",
                 [now - timedelta(days=k, hours=k), k])
    away = 0
    for k, days in enumerate(AWAY_DAYS):
        changed = _execute(f"UPDATE {_table(User)} SET {_q('last_login')} = %s {where} AND {_q('id')} %% 100 = %s",
                           [now - timedelta(days=days, hours=2), 10 * k])
        away += changed if days >= 30 else 0
    return away


def _seed_health_scores(*, today, now) -> int:
    """Yesterday's and today's health scores of every accessible synthetic partner; one in fifty newly at risk (the
    first synthetic partner among them)."""
    from analytics.models import HealthScore
    from partners.models import PartnerOrganization

    table, partners = _table(HealthScore), _table(PartnerOrganization)
    yesterday = today - timedelta(days=1)
    _execute(f"DELETE FROM {table} WHERE {_q('day')} IN (%s, %s) AND {_synthetic()}", [today, yesterday])
    columns = ", ".join(_q(c) for c in ("partner_id", "day", "score", "previous_score", "components", "at_risk",
                                        "reasons", "computed_at"))
    json = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    statuses = [str(s) for s in PartnerOrganization.PORTAL_STATUSES]
    in_statuses = f"{_q('status')} IN ({', '.join(['%s'] * len(statuses))})"
    synthetic = f"{_q('name')} LIKE '{PARTNER_PREFIX}%%' AND {in_statuses}"
    # One in fifty counted from the first synthetic partner, so that a tiny dataset (the suite's) has one too.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN({_q('id')}) FROM {partners} WHERE {synthetic}", statuses)
        residue = (cursor.fetchone()[0] or 0) % 50
    risky_partner = f"{_q('id')} %% 50 = %s AND %s"
    select = (f"SELECT {_q('id')}, %s, CASE WHEN {risky_partner} THEN 38 ELSE 71 END, NULL, {json}, "
              f"CASE WHEN {risky_partner} THEN %s ELSE %s END, {json}, %s FROM {partners} WHERE {synthetic}")
    for day, risky in ((yesterday, False), (today, True)):
        _execute(f"INSERT INTO {table} ({columns}) {select}",
                 [day, residue, risky, "{}", residue, risky, True, False, "[]", now, *statuses])
    return HealthScore.objects.filter(day=today, at_risk=True).count()


def _seed_agreement(*, today, now) -> int:
    """A new version of the region's agreement, to re-accept within 3 days (the 3-day reminder is due today, the
    14-day one was yesterday), already accepted by 5 in 7 of the region's active partners (modulo 7: the ids
    of a region share their residue modulo 4). Returns the partners
    still to accept."""
    from partners.models import (
        AgreementAcceptance,
        AgreementTemplate,
        AgreementVersion,
        Membership,
        PartnerOrganization,
        Region,
    )
    from prm.accounts.models import User

    region = Region.objects.get(code=AGREEMENT_REGION)
    template, _created = AgreementTemplate.objects.get_or_create(
        partner_type="", region=region, language="en", defaults={"name": "Bench regional agreement"})
    number = (template.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    version = AgreementVersion.objects.create(
        template=template, version=number, title=f"Bench agreement v{number}", body="Synthetic terms.",
        effective_date=today + timedelta(days=AGREEMENT_DAYS_LEFT),
        reaccept_deadline=today + timedelta(days=AGREEMENT_DAYS_LEFT), published_at=now - timedelta(days=20))
    version.content_hash = version.computed_hash()
    AgreementVersion.objects.filter(pk=version.pk).update(content_hash=version.content_hash)
    p, m, u = _table(PartnerOrganization), _table(Membership), _table(User)
    columns = ", ".join(_q(c) for c in ("partner_id", "version_id", "template_id", "version_number", "content_hash",
                                        "language", "accepted_by_id", "accepted_by_name", "accepted_by_email",
                                        "accepted_at", "user_agent"))
    _execute(
        f"INSERT INTO {_table(AgreementAcceptance)} ({columns}) "
        f"SELECT p.{_q('id')}, %s, %s, %s, %s, %s, u.{_q('id')}, u.{_q('full_name')}, u.{_q('email')}, %s, '' "
        f"FROM {p} p JOIN {m} m ON m.{_q('partner_id')} = p.{_q('id')} JOIN {u} u ON u.{_q('id')} = m.{_q('user_id')} "
        f"WHERE p.{_q('region_id')} = %s AND p.{_q('status')} = %s AND p.{_q('name')} LIKE '{PARTNER_PREFIX}%%' "
        f"AND p.{_q('id')} %% 7 < %s AND m.{_q('role')} = %s AND m.{_q('user_id')} = (SELECT MIN(x.{_q('user_id')}) "
        f"FROM {m} x WHERE x.{_q('partner_id')} = p.{_q('id')} AND x.{_q('role')} = %s)",
        [version.pk, template.pk, number, version.content_hash, "en", now - timedelta(days=2), region.pk,
         PartnerOrganization.Status.ACTIVE.value, AGREEMENT_ACCEPTED_SEVENTHS, Membership.Role.ADMIN.value,
         Membership.Role.ADMIN.value])
    return (PartnerOrganization.objects.filter(region=region, status=PartnerOrganization.Status.ACTIVE,
                                               name__startswith=PARTNER_PREFIX)
            .exclude(pk__in=AgreementAcceptance.objects.filter(version=version).values("partner_id")).count())


def _seed_mdf(*, today) -> tuple[int, int]:
    """One in ten pre-approved activities ended unclaimed, its claim window closing in 0 to 14 days; one in ten
    open funds expiring within the program's warning period (from its last day to 3 days ahead). Returns
    (activities, funds)."""
    from mdf.models import Activity, Fund, MdfProgram

    program = MdfProgram.current()
    activities = 0
    for k in range(15):
        deadline = today + timedelta(days=k)
        ends = deadline - timedelta(days=program.claim_window_days)
        activities += _execute(
            f"UPDATE {_table(Activity)} SET {_q('starts_on')} = %s, {_q('ends_on')} = %s, {_q('claim_deadline')} = %s "
            f"WHERE {_q('status')} = %s AND {_q('id')} %% 150 = %s AND {_synthetic()}",
            [ends - timedelta(days=2), ends, deadline, Activity.Status.APPROVED.value, 10 * k])
    funds = 0
    step = max(1, program.expiry_warning_days // 10)
    for k in range(10):
        expires = today + timedelta(days=max(1, program.expiry_warning_days - k * step))
        funds += _execute(
            f"UPDATE {_table(Fund)} SET {_q('expires_on')} = %s WHERE {_q('status')} = %s AND {_q('id')} %% 100 = %s "
            f"AND {_synthetic()}", [expires, Fund.Status.OPEN.value, 10 * k])
    return activities, funds


def _previous_night(*, now) -> None:
    """Yesterday's run of the same jobs (their services, dated a day earlier, in their tasks' scopes): the state
    every night starts from in production. Over the fresh dataset it is a cold run: every pending reason at once."""
    from analytics.health.digest import at_risk_digest_send
    from analytics.health.reengagement import no_login_nudges_send
    from dealreg.services.escalation import deals_escalate_overdue
    from dealreg.services.protection import protection_expire_due, protection_send_reminders
    from enablement.services.nudges import enablement_nudges_send
    from mdf.services.nudges import mdf_nudges_send
    from partners.services.onboarding_nudges import onboarding_nudges_send
    from prm.tenancy.scoping import unscoped

    yesterday = now - timedelta(days=1)
    day = timezone.localdate(yesterday)
    with unscoped():  # the unscoped tasks' base
        protection_expire_due(today=day)
        protection_send_reminders(today=day)
        mdf_nudges_send(now=yesterday)
        enablement_nudges_send(now=yesterday)
    at_risk_digest_send(day=day)
    no_login_nudges_send(now=yesterday)
    onboarding_nudges_send(now=yesterday)
    with unscoped():
        deals_escalate_overdue(now=yesterday)


def _analyze() -> None:
    if connection.vendor != "postgresql":
        return
    from analytics.models import HealthScore
    from mdf.models import Activity, Fund
    from partners.models import AgreementAcceptance, PartnerOrganization
    from prm.accounts.models import User
    from prm.notifications.models import Notification

    tables = ", ".join(_table(m) for m in (HealthScore, Activity, Fund, AgreementAcceptance, PartnerOrganization,
                                           User, Notification))
    _execute(f"ANALYZE {tables}")


# --- the baseline: the rows the rules read, as bare SQL --------------------------------------------------------

def _baseline_statements(*, now, today) -> list[tuple[str, tuple]]:
    """One SELECT per read the rules make (due rows with their recipients), compiled from querysets without scope
    and run raw, so no model is built: what any implementation of the sweep must read."""
    from analytics.health.nudge_rules import NO_LOGIN
    from analytics.models import HealthScore
    from dealreg.models import Deal
    from dealreg.nudge_rules import APPROVAL_OVERDUE
    from dealreg.services.escalation import overdue_cutoff
    from enablement.models import CertificationAward, Enrollment
    from enablement.nudge_rules import COURSE_INACTIVE
    from mdf.models import Activity, Claim, Fund, MdfProgram
    from partners.models import AgreementAcceptance, Membership, OnboardingStep, PartnerOrganization, PartnerTier
    from prm.accounts.models import User
    from prm.notifications import nudges
    from prm.tenancy.scoping import unscoped

    params = {rule.code: nudges.settings_for(rule.code).params for rule in nudges.all_rules()}
    program = MdfProgram.current()
    portal = PartnerOrganization.PORTAL_STATUSES
    member = dict(is_active=True, user__is_active=True)
    admin = dict(role=Membership.Role.ADMIN, **member)

    def admins_of(due) -> object:
        return Membership.objects.filter(partner_id__in=due.values("partner_id"), **admin).values_list(
            "partner_id", "user_id", "user__email", "user__preferred_language")

    def registrant_is_member(user_field: str):
        return Exists(Membership.objects.filter(partner_id=OuterRef("partner_id"), user_id=OuterRef(user_field),
                                                **member))

    with unscoped():
        login_cutoff = now - timedelta(days=params[NO_LOGIN.code]["days"])
        at_risk = HealthScore.objects.filter(day=today, at_risk=True)
        protection_until = today + timedelta(days=14)
        sla_cutoff = overdue_cutoff(now=now, hours=params[APPROVAL_OVERDUE.code]["hours"])
        claim_due = (Activity.objects.filter(status=Activity.Status.APPROVED, ends_on__lte=today,
                                             claim_deadline__gte=today, claim_deadline__lte=today + timedelta(days=14))
                     .filter(Q(claim__isnull=True) | Q(claim__status=Claim.Status.DRAFT)))
        fund_due = (Fund.objects.filter(status=Fund.Status.OPEN, expires_on__gte=today,
                                        expires_on__lte=today + timedelta(days=program.expiry_warning_days)))
        info_cutoff = now - timedelta(days=program.info_reminder_days)
        info_due = Activity.objects.filter(status=Activity.Status.MORE_INFO, info_requested_at__lte=info_cutoff)
        awards_due = CertificationAward.objects.active_on(today).filter(expires_on__lte=today + timedelta(days=60))
        querysets = [
            # analytics.no_login
            Membership.objects.filter(partner__status__in=portal, **member)
            .filter(Q(user__last_login__lt=login_cutoff) | Q(user__last_login__isnull=True, joined_at__lt=login_cutoff))
            .values_list("pk", "partner_id", "partner__name", "user_id", "user__email", "user__preferred_language",
                         "user__last_login", "joined_at"),
            # analytics.at_risk_digest: the day's at-risk scores, the day before, the managers
            at_risk.values_list("pk", "partner_id", "score", "previous_score", "components", "reasons",
                                "partner__name", "partner__region_id", "partner__channel_manager_id"),
            HealthScore.objects.filter(day=today - timedelta(days=1), partner_id__in=at_risk.values("partner_id"))
            .values_list("partner_id", "at_risk"),
            User.regions.through.objects.filter(user__staff_role=User.StaffRole.CHANNEL_MANAGER, user__is_active=True)
            .values_list("region_id", "user_id", "user__email", "user__preferred_language"),
            # partners.onboarding_stalled
            Membership.objects.filter(partner__status=PartnerOrganization.Status.ONBOARDING, **admin)
            .values_list("partner_id", "partner__name", "partner__status_changed_at", "partner__channel_manager_id",
                         "user_id", "user__email"),
            OnboardingStep.objects.filter(partner__status=PartnerOrganization.Status.ONBOARDING)
            .values("partner_id").annotate(latest=Max("completed_at")).values_list("partner_id", "latest"),
            # partners.agreement_reacceptance_due: the partners, their acceptances
            PartnerOrganization.objects.filter(status__in=portal)
            .values_list("pk", "name", "partner_type", "region_id", "default_language", "status"),
            AgreementAcceptance.objects.filter(partner__status__in=portal)
            .values_list("partner_id", "template_id", "version_id", "accepted_at"),
            # dealreg.protection_expiring (and the expiry the same job runs first)
            Deal.objects.filter(status=Deal.Status.APPROVED, protected_until__lt=today).values_list("pk"),
            Deal.objects.filter(status=Deal.Status.APPROVED, protected_until__gte=today,
                                protected_until__lte=protection_until)
            .filter(registrant_is_member("registered_by_id"))
            .values_list("pk", "partner_id", "reference", "customer_name", "value", "currency", "protected_until",
                         "registered_by_id", "registered_by__email", "registered_by__preferred_language"),
            # dealreg.approval_overdue
            Deal.objects.filter(status=Deal.Status.SUBMITTED, submitted_at__lt=sla_cutoff, sla_escalated_at__isnull=True)
            .values_list("pk", "partner_id", "reference", "customer_name", "submitted_at", "partner__name",
                         "partner__region_id", "partner__channel_manager_id"),
            # mdf.claim_window_closing, mdf.fund_expiring, mdf.info_reminder
            claim_due.values_list("pk", "partner_id", "reference", "title", "currency", "requested_amount",
                                  "approved_amount", "claim_deadline", "created_by_id"),
            admins_of(claim_due),
            fund_due.values_list("pk", "partner_id", "label", "currency", "allocated", "reserved", "spent", "expired",
                                 "expires_on"),
            admins_of(fund_due),
            info_due.values_list("pk", "partner_id", "reference", "title", "info_request", "info_requested_at",
                                 "created_by_id"),
            admins_of(info_due),
            Claim.objects.filter(status=Claim.Status.MORE_INFO, info_requested_at__lte=info_cutoff)
            .values_list("pk", "partner_id", "activity_id", "info_request", "info_requested_at",
                         "activity__created_by_id"),
            # enablement.course_inactive
            Enrollment.objects.filter(status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.IN_PROGRESS],
                                      course__is_published=True,
                                      last_activity_at__lt=now - timedelta(days=params[COURSE_INACTIVE.code]["days"]))
            .filter(registrant_is_member("user_id"))
            .values_list("pk", "partner_id", "status", "last_activity_at", "user_id", "user__email",
                         "user__preferred_language", "course__code", "course__title", "course__translations"),
            # enablement.certification_expiring and certification_tier_risk: the awards, the tiers, the counts
            awards_due.filter(registrant_is_member("user_id"))
            .values_list("pk", "partner_id", "expires_on", "user_id", "user__email", "user__preferred_language",
                         "certification__code", "certification__name", "certification__translations"),
            admins_of(awards_due),
            PartnerTier.objects.filter(partner_id__in=awards_due.values("partner_id"), tier__isnull=False)
            .values_list("partner_id", "tier_id", "tier__min_active_certifications", "partner__region_id",
                         "partner__country"),
            CertificationAward.objects.active_on(today).filter(partner_id__in=awards_due.values("partner_id"))
            .order_by().values("partner_id", "expires_on").annotate(n=Count("id"))
            .values_list("partner_id", "expires_on", "n"),
        ]
        return [qs.query.sql_with_params() for qs in querysets]


# --- the case ------------------------------------------------------------------------------------------------

@case("notifications.nudge_sweep", unit="s", repeat=3, warmup=0)
def nudge_sweep(ctx: BenchContext):
    """Tonight's nudge sweep, every rule's job once in-process, against the bare SQL reads of the rows they look at.

    The sweep runs after yesterday's, over the synthetic partners, with the tasks' bodies in-process (no broker).
    Run twice, it writes nothing the second time. Rolled back.

    The jobs are the periodic tasks of prm/schedule.py that run the rules (dealreg.protection_sweep with the
    expiry it runs first, mdf.nudges, enablement.nudges, analytics.at_risk_digest, analytics.no_login_nudges,
    partners.onboarding_nudges, dealreg.sla_escalate), called as a worker calls them (the task's base class, so
    the unscoped sweeps run unscoped); the case fails when a registered rule logged no run. Notices are written
    in the case's transaction: their on-commit dispatch never runs, as everything is rolled back.

    Before the measured night, the same jobs run once dated yesterday (untimed in the figure, logged): that cold
    run writes the dataset's whole backlog (generate_dataset's protections ending, overdue approvals, stalled
    onboardings, MDF information requests, idle enrollments, expiring certifications), so tonight's sweep does
    what a real night does: read every candidate again, write the reasons that are new today (reminder steps
    crossed, newly idle or overdue), skip the rest through the outbox's keys. Seeded, set-based, in the
    transaction, for what the dataset lacks:
    - MANAGERS_PER_REGION channel managers per region, every synthetic partner assigned to one of them;
    - sign-ins: every synthetic person within the last 9 days, but one in ten drifting away (AWAY_DAYS: 5 to 85
      days ago; one in a hundred crosses the 30 days tonight);
    - health scores for yesterday and today of every onboarding or active partner, one in fifty newly at risk today;
    - a new version of the EMEA agreement, re-acceptance due in 3 days, accepted by 5 in 7 active partners there;
    - one in ten pre-approved MDF activities ended unclaimed, claim window closing in 0-14 days; one in ten open
      funds expiring within the program's warning period (some enter it tonight).
    """
    from prm.notifications import nudges
    from prm.notifications.models import Notification, NudgeRun
    from prm.tenancy.scoping import unscoped

    jobs = _jobs()
    now = timezone.now()
    today = timezone.localdate(now)
    name = "notifications.nudge_sweep"

    def sweep(timings: dict | None = None) -> None:
        for job in jobs:
            started = time.perf_counter()
            job()
            if timings is not None:
                timings[job.name] = time.perf_counter() - started

    def written_since(last_id: int) -> dict[str, int]:
        return dict(Notification.objects.filter(pk__gt=last_id).values_list("kind").annotate(n=Count("id"))
                    .order_by())

    def last_notification_id() -> int:
        return Notification.objects.aggregate(m=Max("pk"))["m"] or 0

    with transaction.atomic():
        started = time.perf_counter()
        with unscoped():  # seeding across partners; the jobs open their own scopes
            managers = _seed_channel_managers(now=now)
            away = _seed_logins(now=now)
            at_risk = _seed_health_scores(today=today, now=now)
            to_accept = _seed_agreement(today=today, now=now)
            activities, funds = _seed_mdf(today=today)
            _analyze()
        ctx.log(f"{name}: seeded in {time.perf_counter() - started:.1f} s: {managers} partners assigned to channel "
                f"managers, {away} people away 30+ days, {at_risk} partners newly at risk, {to_accept} partners to "
                f"re-accept the agreement, {activities} claim windows closing, {funds} funds expiring")
        before = last_notification_id()
        started = time.perf_counter()
        _previous_night(now=now)
        cold_seconds = time.perf_counter() - started
        cold = written_since(before)
        with unscoped():
            _analyze()  # the statistics autovacuum keeps after a night's writes
        ctx.log(f"{name}: yesterday's sweep (cold: the dataset's backlog) {cold_seconds:.1f} s, "
                f"{sum(cold.values())} notices written: " + ", ".join(f"{k} {n}" for k, n in sorted(cold.items())))
        disabled = [rule.code for rule in nudges.all_rules() if not nudges.settings_for(rule.code).enabled]
        if disabled:
            ctx.log(f"{name}: disabled by an operator (their jobs run and write nothing): {', '.join(disabled)}")

        # The check: a first sweep (timed job by job), then a second one that must write nothing.
        with transaction.atomic():
            before, run_before = last_notification_id(), NudgeRun.objects.aggregate(m=Max("pk"))["m"] or 0
            timings: dict[str, float] = {}
            started = time.perf_counter()
            sweep(timings)
            first_seconds = time.perf_counter() - started
            first = written_since(before)
            ran = set(NudgeRun.objects.filter(pk__gt=run_before).values_list("rule", flat=True))
            middle = last_notification_id()
            started = time.perf_counter()
            sweep()
            second_seconds = time.perf_counter() - started
            second = written_since(middle)
            transaction.set_rollback(True)
        ctx.log(f"{name}: today's sweep {first_seconds:.1f} s, {sum(first.values())} notices written; run again "
                f"{second_seconds:.1f} s, {sum(second.values())} written")
        ctx.log(f"{name}: by job (s): " + ", ".join(f"{job} {seconds:.1f}" for job, seconds in timings.items()))
        ctx.log(f"{name}: by kind: " + ", ".join(f"{kind} {n}" for kind, n in sorted(first.items())))
        missing = sorted({rule.code for rule in nudges.all_rules()} - ran)
        if missing:
            raise BenchError(f"No job of this case ran the nudge rule(s) {', '.join(missing)}: add their task.")
        if second:
            raise BenchError(f"A second sweep wrote {sum(second.values())} notices (duplicate sends): {second}")
        if not first:
            raise BenchError("Today's sweep wrote no notice: nothing was due.")

        statements = _baseline_statements(now=now, today=today)
        samples: list[float] = []

        def measured():
            with transaction.atomic():
                started = time.perf_counter()
                sweep()
                samples.append(time.perf_counter() - started)
                transaction.set_rollback(True)

        read_samples: list[float] = []

        def baseline():
            started = time.perf_counter()
            with connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()
            read_samples.append(time.perf_counter() - started)

        try:
            yield Trial(measured=measured, baseline=baseline)
            median = statistics.median(samples + [first_seconds])
            if median >= TARGET_SECONDS:
                reads = statistics.median(read_samples) if read_samples else 0.0
                ctx.log(f"{name}: sweep median {median:.1f} s over {len(samples) + 1} runs, bare reads "
                        f"{reads:.2f} s" + (f", ratio {median / reads:.1f}" if reads else ""))
                raise BenchError(f"The nudge sweep took {median:.1f} s (median), the target is under "
                                 f"{TARGET_SECONDS} s.")
        finally:
            transaction.set_rollback(True)
