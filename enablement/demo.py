"""Demo data of enablement: the catalogue (enablement/demo_catalogue.py) and the demo partners' learning, written
through the enablement services so every completion, quiz attempt and certification is what the portal would make.

Every active demo partner's people hold certifications — at least as many as the partner's tier (and a pending
promotion's tier) asks for, so the tier engine's active-certifications metric keeps them where they are; the
featured partners hold more. Courses are completed in the past (the services' ``now=``), some after a failed quiz
attempt; awards expire within 60, 30 and 7 days, one has expired and one was renewed with the renewal course.
Colleagues have courses in progress and learning paths assigned (their courses not started yet). Onboarding
partners take their first course. A few partners have a co-branding profile (one with a logo) and downloads.

Idempotent: a partner whose people have any enrollment keeps its learning as it is; co-branding profiles are
made once. ``seed_demo --reset`` removes the partners' rows with the partners (the catalogue stays).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import Count
from django.utils import timezone

from partners.models import Membership, PartnerOrganization, PartnerTier
from partners.tiers import metrics
from partners.tiers.config import TierConfig
from prm.tenancy.scoping import partner_scope, partners_scope

from .demo_catalogue import Catalogue, ensure_assets, ensure_courses, logo_upload
from .demo_data import MSP_CERT, SALES_CERT, TECHNICAL_CERT
from .models import Asset, AssetDownload, CertificationAward, CoBrandingProfile, Course, Enrollment, Lesson, Quiz
from .services import attempt_start, attempt_submit, course_enroll, lesson_complete, path_assign
from .services.library import asset_download_record, cobranding_profile_save

_T = PartnerOrganization.PartnerType
# The certifications a partner type's people take first, second, third.
PREFERENCE = {
    _T.RESELLER: (SALES_CERT, TECHNICAL_CERT, MSP_CERT), _T.MSP: (MSP_CERT, TECHNICAL_CERT, SALES_CERT),
    _T.SYSTEM_INTEGRATOR: (TECHNICAL_CERT, SALES_CERT, MSP_CERT), _T.ISV: (TECHNICAL_CERT, SALES_CERT, MSP_CERT),
    _T.REFERRAL: (SALES_CERT, TECHNICAL_CERT, MSP_CERT),
}
TYPE_PATH = {_T.RESELLER: "sales-path", _T.MSP: "technical-path", _T.SYSTEM_INTEGRATOR: "technical-path",
             _T.ISV: "technical-path", _T.REFERRAL: "referral-path"}
FEATURED = ("Summit Ridge Technologies Inc.", "Nordlicht IT GmbH", "Sakura Systems KK", "Soluciones Andinas SA",
            "Lumière Conseil SAS")
# Award stories: partner -> [(certification, story, days)]. "expires": valid for ``days`` more days (the reminders
# at 60, 30 and 7 days); "expired": ran out ``days`` ago (an extra award: it does not count); "renewed": was about to
# expire when the renewal course was completed ``days`` ago.
STORIES = {
    "Summit Ridge Technologies Inc.": [(SALES_CERT, "expires", 5), (MSP_CERT, "expired", 15)],
    "Nordlicht IT GmbH": [(MSP_CERT, "expires", 20)],
    "Lumière Conseil SAS": [(TECHNICAL_CERT, "expires", 45)],
    "Sakura Systems KK": [(SALES_CERT, "expires", 50)],
    "Soluciones Andinas SA": [(TECHNICAL_CERT, "renewed", 10)],
}
COBRANDING = {  # partner -> (phone, with a logo)
    "Summit Ridge Technologies Inc.": ("+1 312 555 0142", False),
    "Nordlicht IT GmbH": ("+49 30 5550 1234", True),
    "Sakura Systems KK": ("+81 3 5550 1234", False),
}


@dataclass
class Award:
    member: int  # index into the partner's people
    certification: str
    awarded_on: date
    story: str = ""
    renewed_on: date | None = None


@dataclass
class Kit:
    """What the stories need, read once: the catalogue, lessons, quiz answers, assets, the time."""

    catalogue: Catalogue
    now: datetime
    lessons: dict[int, list[Lesson]] = field(default_factory=dict)
    right: dict[int, dict] = field(default_factory=dict)
    wrong: dict[int, dict] = field(default_factory=dict)
    assets: list[Asset] = field(default_factory=list)
    required: dict[str, list[str]] = field(default_factory=dict)  # certification -> its courses' codes

    @property
    def today(self) -> date:
        return timezone.localdate(self.now)

    def course(self, code: str) -> Course:
        return self.catalogue.courses[code]

    def at(self, day: date, hour: int = 9) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour)))


def _kit(ctx, catalogue: Catalogue, assets: list[Asset]) -> Kit:
    kit = Kit(catalogue=catalogue, now=ctx.now, assets=[a for a in assets if a.is_published])
    course_ids = [c.pk for c in catalogue.courses.values()]
    for certification in catalogue.certifications.values():
        kit.required[certification.code] = list(certification.courses.values_list("code", flat=True))
    for lesson in Lesson.objects.filter(course_id__in=course_ids).order_by("course_id", "order", "id"):
        kit.lessons.setdefault(lesson.course_id, []).append(lesson)
    for quiz in Quiz.objects.filter(course_id__in=course_ids).prefetch_related("questions__choices"):
        right = {str(q.pk): sorted(c.pk for c in q.choices.all() if c.is_correct) for q in quiz.questions.all()}
        wrong = dict(right)
        for question in list(quiz.questions.all())[:2]:  # two answered wrong: 60 % at best, below the pass mark
            wrong[str(question.pk)] = [next(c.pk for c in question.choices.all() if not c.is_correct)]
        kit.right[quiz.course_id], kit.wrong[quiz.course_id] = right, wrong
    return kit


def seed_demo(ctx) -> None:
    catalogue = ensure_courses()
    assets = ensure_assets()
    eligible = [p for p in ctx.partners if p.status in PartnerOrganization.PORTAL_STATUSES]
    if not eligible:
        return
    kit = _kit(ctx, catalogue, assets)
    ids = [p.pk for p in eligible]
    with partners_scope(ids):
        before = _counts(ids)
        started = set(Enrollment.objects.filter(partner_id__in=ids).values_list("partner_id", flat=True).distinct())
        people = _people(ids)
        needs = _certifications_needed(eligible)
        managers = {m.pk: m for m in ctx.staff.get("channel_manager", [])}
        for partner in eligible:
            members = people.get(partner.pk, [])
            if partner.pk in started or not members:
                continue
            manager = managers.get(partner.channel_manager_id)
            with partner_scope(partner):
                if partner.status == PartnerOrganization.Status.ONBOARDING:
                    _onboarding(ctx, kit, partner, members, manager)
                else:
                    _learning(ctx, kit, partner, members, need=needs.get(partner.pk, 0), manager=manager)
                    _downloads(ctx, kit, partner, members)
        _cobranding(kit, eligible, people)
        after = _counts(ids)
    if after != before:
        ctx.stdout.write(
            "enablement: {courses} courses, {paths} paths, {certifications} certifications, {assets} assets; "
            "{enrollments} enrollments ({completed} completed, {in_progress} in progress, {enrolled} not started), "
            "{awards} certification awards ({expiring} expiring within 60 days, {expired} expired, {renewed} renewed), "
            "{profiles} co-branding profiles".format(
                courses=len(catalogue.courses), paths=len(catalogue.paths),
                certifications=len(catalogue.certifications), assets=len(assets), **after))


def _counts(ids) -> dict[str, int]:
    today = timezone.localdate()
    enrollments = Enrollment.objects.filter(partner_id__in=ids)
    awards = CertificationAward.objects.filter(partner_id__in=ids)
    by_status = dict(enrollments.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "enrollments": sum(by_status.values()), "completed": by_status.get(Enrollment.Status.COMPLETED, 0),
        "in_progress": by_status.get(Enrollment.Status.IN_PROGRESS, 0),
        "enrolled": by_status.get(Enrollment.Status.ENROLLED, 0), "awards": awards.count(),
        "expiring": awards.filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=60)).count(),
        "expired": awards.filter(expires_on__lt=today).count(),
        "renewed": awards.filter(renewed_on__isnull=False).count(),
        "profiles": CoBrandingProfile.objects.filter(partner_id__in=ids).count(),
    }


def _people(ids) -> dict[int, list]:
    """Active members per partner, admin first (seed_demo creates the admin first)."""
    found: dict[int, list] = {}
    for membership in (Membership.objects.filter(partner_id__in=ids, is_active=True).select_related("user")
                       .order_by("partner_id", "pk")):
        found.setdefault(membership.partner_id, []).append(membership)
    return found


def _certifications_needed(partners) -> dict[int, int]:
    """Per partner: the active certifications its tier asks for (the higher of the tier it holds, is pinned to, or
    is proposed for), with the regional exceptions."""
    config = TierConfig.load()
    index = metrics.METRIC_CODES.index(metrics.ACTIVE_CERTIFICATIONS)
    by_id = {p.pk: p for p in partners}
    needs = {}
    for pid, *tier_ids in PartnerTier.objects.filter(partner_id__in=list(by_id)).values_list(
            "partner_id", "tier_id", "pending_tier_id", "pinned_tier_id"):
        partner = by_id[pid]
        needs[pid] = max((config.thresholds(config.tiers[t], partner.region_id, partner.country)[index]
                          for t in tier_ids if t in config.tiers), default=0)
    return needs


def plan_awards(*, partner_type: str, people: int, wanted: int) -> list[tuple[int, str]]:
    """(person index, certification) pairs, ``wanted`` of them (at most three per person): each person's first
    choice for the partner type before anyone's second; colleagues start from different ones."""
    preference = PREFERENCE.get(partner_type, PREFERENCE[_T.RESELLER])
    rotate = partner_type != _T.REFERRAL  # referral partners' people all sell first
    pairs = [(i, preference[(i + n) % 3 if rotate else n]) for n in range(3) for i in range(people)]
    return pairs[:max(0, min(wanted, len(pairs)))]


def _awards(ctx, kit: Kit, partner, members, need: int) -> list[Award]:
    featured = partner.name in FEATURED
    base = len(members) * 2 if featured else ctx.rng.randint(1, len(members))
    pairs = plan_awards(partner_type=partner.partner_type, people=len(members), wanted=max(need, base))
    awards = []
    for member, code in pairs:
        months = kit.catalogue.certifications[code].validity_months
        days_ago = ctx.rng.randint(20, 300 if months <= 12 else 600)
        awards.append(Award(member, code, kit.today - timedelta(days=days_ago)))
    for code, story, days in STORIES.get(partner.name, []):
        months = kit.catalogue.certifications[code].validity_months
        if story == "expired":
            holder = next((i for i in range(len(members)) if (i, code) not in pairs), None)
            if holder is not None:
                awards.append(Award(holder, code, kit.today - timedelta(days=days) - relativedelta(months=months),
                                    story))
            continue
        award = next((a for a in awards if a.certification == code and not a.story), None)
        if award is None:
            continue
        award.story = story
        if story == "expires":
            award.awarded_on = kit.today + timedelta(days=days) - relativedelta(months=months)
        elif story == "renewed":
            award.awarded_on = kit.today + timedelta(days=25) - relativedelta(months=months)
            award.renewed_on = kit.today - timedelta(days=days)
    return awards


def _learning(ctx, kit: Kit, partner, members, *, need: int, manager) -> None:
    """An active partner: certifications, courses in progress, paths assigned."""
    awards = _awards(ctx, kit, partner, members, need)
    featured = partner.name in FEATURED
    taken: dict[int, set[str]] = {}
    for index, membership in enumerate(members):
        mine = [a for a in awards if a.member == index]
        if not mine:
            continue
        # Chronologically: the platform course first, each certification's own course on its award day, then
        # renewals (the renewal finds the award it extends).
        events = [(min(a.awarded_on for a in mine) - timedelta(days=ctx.rng.randint(3, 15)), "platform-fundamentals")]
        for award in mine:
            events += [(award.awarded_on, code) for code in kit.required[award.certification]
                       if code != "platform-fundamentals"]
            if award.renewed_on:
                events.append((award.renewed_on, kit.catalogue.certifications[award.certification].renewal_course.code))
        for day, code in sorted(events):
            _complete(kit, partner, membership.user, kit.course(code), day=day, fail_first=ctx.rng.random() < 0.25)
        taken[index] = {code for _day, code in events}
    # Colleagues with a course under way: one lesson read, or every lesson read and the quiz failed once.
    for index, membership in enumerate(members):
        if index == 0 or not (featured or ctx.rng.random() < 0.4):
            continue
        done = taken.get(index, set())
        if index % 2:
            _begin(kit, partner, membership.user, kit.course("security-essentials"),
                   day=kit.today - timedelta(days=ctx.rng.randint(2, 20)), lessons=1)
        else:
            code = next((c for c in ("msp-operations", "technical-deep-dive", "selling-the-platform") if c not in done),
                        None)
            if code is not None:
                _begin(kit, partner, membership.user, kit.course(code), day=kit.today - timedelta(days=3),
                       lessons=len(kit.lessons[kit.course(code).pk]), failed=True)
    # A learning path for the newest colleague (its other courses not started yet); the admin's from the manager.
    path = kit.catalogue.paths.get(TYPE_PATH.get(partner.partner_type, ""))
    if path is not None and len(members) > 1:
        path_assign(partner=partner, user=members[-1].user, path=path, assigned_by=members[0].user,
                    due_on=kit.today + timedelta(days=14 if featured else 30))
    admin_path = kit.catalogue.paths.get("admin-path")
    if featured and admin_path is not None and manager is not None:
        path_assign(partner=partner, user=members[0].user, path=admin_path, assigned_by=manager,
                    due_on=kit.today + timedelta(days=21))


def _onboarding(ctx, kit: Kit, partner, members, manager) -> None:
    """A partner still onboarding: its admin takes the first course (done for most, under way for some) from the
    path its channel manager assigned."""
    first = "referral-quick-start" if partner.partner_type == _T.REFERRAL else "platform-fundamentals"
    admin = members[0].user
    if ctx.rng.random() < 0.7:
        _complete(kit, partner, admin, kit.course(first), day=kit.today - timedelta(days=ctx.rng.randint(1, 5)),
                  fail_first=ctx.rng.random() < 0.5)
    else:
        _begin(kit, partner, admin, kit.course(first), day=kit.today - timedelta(days=2), lessons=1)
    path = kit.catalogue.paths.get(TYPE_PATH.get(partner.partner_type, ""))
    if path is not None:
        path_assign(partner=partner, user=admin, path=path, assigned_by=manager, due_on=kit.today + timedelta(days=30))


def _complete(kit: Kit, partner, user, course: Course, *, day: date, fail_first: bool = False) -> Enrollment:
    """Enroll two days before ``day``, read every lesson the day before, pass the quiz on ``day`` (after a failed
    attempt that morning when ``fail_first``)."""
    at = kit.at(day, hour=9)
    enrollment, _created = course_enroll(partner=partner, user=user, course=course, now=at - timedelta(days=2))
    for n, lesson in enumerate(kit.lessons.get(course.pk, [])):
        enrollment = lesson_complete(enrollment=enrollment, lesson=lesson, now=at - timedelta(days=1) + timedelta(hours=n))
    if course.pk in kit.right:
        if fail_first:
            attempt_submit(attempt=attempt_start(enrollment=enrollment, now=at - timedelta(hours=2)),
                           answers=kit.wrong[course.pk], now=at - timedelta(hours=2) + timedelta(minutes=15))
        attempt_submit(attempt=attempt_start(enrollment=enrollment, now=at), answers=kit.right[course.pk],
                       now=at + timedelta(minutes=20))
    return enrollment


def _begin(kit: Kit, partner, user, course: Course, *, day: date, lessons: int, failed: bool = False) -> None:
    at = kit.at(day, hour=14)
    enrollment, _created = course_enroll(partner=partner, user=user, course=course, now=at)
    for n, lesson in enumerate(kit.lessons.get(course.pk, [])[:lessons]):
        enrollment = lesson_complete(enrollment=enrollment, lesson=lesson, now=at + timedelta(minutes=20 * (n + 1)))
    if failed and course.pk in kit.wrong:
        attempt_submit(attempt=attempt_start(enrollment=enrollment, now=at + timedelta(hours=2)),
                       answers=kit.wrong[course.pk], now=at + timedelta(hours=2, minutes=15))


def _downloads(ctx, kit: Kit, partner, members) -> None:
    """A few downloads of the library (in the partner's language or English), spread over the last two months."""
    offered = [a for a in kit.assets if a.language in (partner.default_language, "en")
               and (not a.partner_types or partner.partner_type in a.partner_types)]
    if not offered:
        return
    count = ctx.rng.randint(3, 6) if partner.name in FEATURED else ctx.rng.randint(0, 2)
    for _ in range(count):
        membership = ctx.rng.choice(members)
        asset = ctx.rng.choice([a for a in offered if a.targets(partner_type=partner.partner_type,
                                                                 role=membership.role)] or offered)
        download = asset_download_record(partner=partner, user=membership.user, asset=asset)
        AssetDownload.objects.filter(pk=download.pk).update(
            downloaded_at=kit.now - timedelta(days=ctx.rng.randint(1, 60), hours=ctx.rng.randint(0, 12)))


def _cobranding(kit: Kit, partners, people) -> None:
    """Co-branding profiles for a few featured partners (one with its logo), and a co-branded download each."""
    have = set(CoBrandingProfile.objects.filter(partner__in=partners).values_list("partner_id", flat=True))
    co_brandable = [a for a in kit.assets if a.co_brandable]
    for seed, partner in enumerate(partners):
        details = COBRANDING.get(partner.name)
        members = people.get(partner.pk)
        if details is None or partner.pk in have or not members:
            continue
        phone, with_logo = details
        admin = members[0].user
        with partner_scope(partner):
            cobranding_profile_save(partner=partner, actor=admin, values={
                "display_name": partner.name, "contact_email": admin.email, "contact_phone": phone,
                "website": partner.website}, logo=logo_upload(seed=seed) if with_logo else None)
            asset = next((a for a in co_brandable if a.language == partner.default_language),
                         next(iter(co_brandable), None))
            if asset is not None:
                asset_download_record(partner=partner, user=admin, asset=asset, co_branded=True)
