"""PSAT writes: the quarterly wave, invitations after key events, and answers.

Guarantees:
- once per person and reason: an invitation is unique per (survey, person, reason); the wave and the event
  invitations insert with ON CONFLICT DO NOTHING and e-mail only the rows they actually inserted, so a re-run,
  a re-delivered task or two runs at once never send a second link. The outbox de-duplicates by invitation too.
- single-use links: only the token's hash is stored; the raw token travels in the e-mail's context as a secret
  (blanked in the outbox once sent). An answer locks its invitation row and marks it used with a conditional
  UPDATE in the same transaction as the response, so of two submits exactly one is recorded.
- anonymity: an anonymous response keeps the partner, not the person, and both the response and the invitation
  keep only the day (not the time) it was given, so "who used their link when" cannot be matched to the answer.
- survey fatigue: at most one event survey (after a deal approval or a claim payment) per person per
  EVENT_COOLDOWN_DAYS days; the quarterly pulse does not count against it.
"""

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from analytics.models import PsatInvitation, PsatResponse, PsatSurvey
from analytics.periods import quarter_label
from analytics.periods import quarter_start as quarter_of
from partners.models import Membership, PartnerOrganization
from prm.common.audit import audit
from prm.notifications.services import Notice, language_for, notify_bulk
from prm.tenancy.scoping import partner_scope, partners_scope

from .notification_kinds import PSAT_INVITATION
from .public import invitation_for_token

logger = logging.getLogger(__name__)

PARTNER_CHUNK = 1000  # partners per chunk of the wave: one membership query each
PEOPLE_BATCH = 500  # people per batch: a fixed number of queries (and notify_bulk's own chunk size)
EVENT_COOLDOWN_DAYS = 30
QUARTER_REASON = "quarter"
COMMENT_MAX = PsatResponse._meta.get_field("comment").max_length
WAVE_SENT = "analytics.psat.wave_sent"
EVENT_KINDS = (PsatSurvey.Kind.DEAL_APPROVED, PsatSurvey.Kind.CLAIM_PAID)


class PsatLinkError(ValidationError):
    """The link cannot be answered: ``code`` is "unknown", "used", "expired" or "closed"."""


# --- settings and helpers -------------------------------------------------------------------------------------


def wave_day(quarter_start: date) -> date:
    """The day the quarter's pulse goes out: ANALYTICS_PSAT_WAVE_DAY (1-28, default 15) of its first month."""
    day = int(getattr(settings, "ANALYTICS_PSAT_WAVE_DAY", 15))
    return quarter_start.replace(day=min(max(day, 1), 28))


def survey_url(raw_token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("psat:answer", args=[raw_token])


def _id_chunks(queryset, size: int) -> Iterator[list[int]]:
    """Ids of ``queryset`` in ascending chunks (a cursor on the id)."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _once_per_person(memberships: Iterable[Membership]) -> list[Membership]:
    """A person in several partners is asked once: for the first partner (lowest id) they belong to."""
    seen, out = set(), []
    for membership in memberships:
        if membership.user_id not in seen:
            seen.add(membership.user_id)
            out.append(membership)
    return out


def _invite(*, survey: PsatSurvey, memberships: list[Membership], reason: str, now: datetime,
            reference: str = "") -> int:
    """Invite these people (at most PEOPLE_BATCH, one membership each, partner-scoped by the caller) unless they
    already have an invitation for this reason; e-mail each new one its link. Five queries for any batch size
    plus notify_bulk's four. Returns how many invitations were written."""
    user_ids = [m.user_id for m in memberships]
    existing = set(PsatInvitation.objects.filter(survey=survey, subject_key=reason, user_id__in=user_ids)
                   .values_list("user_id", flat=True))
    expires_at = now + timedelta(days=survey.link_valid_days)
    fresh, raw_by_hash = [], {}
    for membership in memberships:
        if membership.user_id in existing:
            continue
        raw = PsatInvitation.new_token()
        token_hash = PsatInvitation.hash_token(raw)
        raw_by_hash[token_hash] = (raw, membership)
        fresh.append(PsatInvitation(partner_id=membership.partner_id, survey=survey, user_id=membership.user_id,
                                    subject_key=reason, token_hash=token_hash, sent_at=now, expires_at=expires_at))
    if not fresh:
        return 0
    # A concurrent run that inserted the same (survey, person, reason) first wins; ours is dropped quietly and,
    # since only the rows found by our own token hashes are e-mailed, that person gets no second link.
    PsatInvitation.objects.bulk_create(fresh, ignore_conflicts=True)
    inserted = list(PsatInvitation.objects.filter(token_hash__in=list(raw_by_hash)).values_list("pk", "token_hash"))
    notices = []
    for pk, token_hash in inserted:
        raw, membership = raw_by_hash[token_hash]
        notices.append(Notice(
            subject=f"{PsatInvitation._meta.label_lower}:{pk}", recipient=membership.user,
            partner=membership.partner_id,
            context={
                "partner_name": membership.partner.name,
                "survey_kind": survey.kind,
                "quarter": quarter_label(survey.quarter) if survey.quarter else "",
                "reference": reference,
                "allow_anonymous": survey.allow_anonymous,
                "expires_at": expires_at.isoformat(),
                "survey_url": survey_url(raw),
            },
        ))
    notify_bulk(kind=PSAT_INVITATION.code, notices=notices)
    return len(inserted)


# --- the quarterly wave ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WaveResult:
    survey_id: int
    invited: int = 0
    skipped: str = ""  # "inactive" when operators switched this quarter's pulse off

    def as_dict(self) -> dict:
        return {"survey_id": self.survey_id, "invited": self.invited, "skipped": self.skipped}


def quarterly_survey(*, quarter_start: date) -> PsatSurvey:
    """The pulse of the quarter holding ``quarter_start``, created with the defaults when operators have not."""
    survey, _created = PsatSurvey.objects.get_or_create(kind=PsatSurvey.Kind.QUARTERLY,
                                                        quarter=quarter_of(quarter_start))
    return survey


def wave_sent(survey: PsatSurvey) -> bool:
    """True once a run of this wave went through every partner."""
    return survey.wave_completed_at is not None


def send_quarterly_wave(*, quarter_start: date, actor=None, now: datetime | None = None,
                        partner_chunk: int = PARTNER_CHUNK) -> WaveResult:
    """Invite every active member of every partner that may use the portal (onboarding or active) to the
    quarter's pulse, once per person, each with a fresh single-use link, e-mailed in their language (a
    non-essential kind: off or digest per their preference).

    Set-based: per chunk of partners one membership query, then per PEOPLE_BATCH people one transaction with a
    fixed number of queries. Idempotent: a re-run (or a run resumed after a crash) invites only the people
    without an invitation yet. A quarter whose survey operators made inactive is skipped. The last step stamps
    ``wave_completed_at`` (the first completion; the daily task checks it) and writes an audit row per run.
    """
    survey = quarterly_survey(quarter_start=quarter_start)
    if not survey.is_active:
        return WaveResult(survey_id=survey.pk, skipped="inactive")
    now = now or timezone.now()
    invited = 0
    for partner_ids in _id_chunks(PartnerOrganization.objects.accessible(), partner_chunk):
        with partners_scope(partner_ids):
            # A person also in a partner of an earlier chunk already has this wave's invitation: the unique
            # constraint drops the new row and nothing is e-mailed (see _invite).
            memberships = _once_per_person(
                Membership.objects.filter(partner_id__in=partner_ids, is_active=True, user__is_active=True)
                .select_related("user", "partner").order_by("partner_id", "user_id")
            )
            for batch in _batches(memberships, PEOPLE_BATCH):
                with transaction.atomic():
                    invited += _invite(survey=survey, memberships=batch, reason=QUARTER_REASON, now=now)
    PsatSurvey.objects.filter(pk=survey.pk, wave_completed_at__isnull=True).update(wave_completed_at=timezone.now())
    audit(actor=actor, action=WAVE_SENT, target=survey, data={"quarter": quarter_label(survey.quarter),
                                                              "invited": invited})
    logger.info("PSAT wave %s: %s people invited", quarter_label(survey.quarter), invited)
    return WaveResult(survey_id=survey.pk, invited=invited)


def quarterly_wave_if_due(*, today: date | None = None) -> WaveResult | None:
    """The daily check: send the current quarter's wave on or after its wave day, until one run completes.
    None when nothing was due (before the day, already sent, or switched off)."""
    today = today or timezone.localdate()
    start = quarter_of(today)
    if today < wave_day(start):
        return None
    survey = PsatSurvey.objects.filter(kind=PsatSurvey.Kind.QUARTERLY, quarter=start).first()
    if survey is not None and (not survey.is_active or wave_sent(survey)):
        return None
    return send_quarterly_wave(quarter_start=start)


# --- after key events -----------------------------------------------------------------------------------------


def invite_after_event(*, kind: str, subject_key: str, partner_id: int, user_ids: Iterable[int],
                       reference: str = "", now: datetime | None = None) -> int:
    """Invite these people of this partner to the standing survey of ``kind`` ("deal_approved", "claim_paid")
    about one event (``subject_key``: "deal:42"), if operators created that survey and it is active.

    Only active members of a partner that may use the portal are asked; each at most once per event, and not
    at all if they received any event survey in the last EVENT_COOLDOWN_DAYS days (survey fatigue). Their
    membership rows are locked while deciding, so two events at the same moment still send one survey. Runs
    in its own transaction and in the partner's scope. Returns how many were invited.
    """
    if kind not in EVENT_KINDS:
        raise ValueError(f"invite_after_event(): {kind!r} is not an event survey kind")
    user_ids = sorted({int(pk) for pk in user_ids if pk})
    if not user_ids:
        return 0
    survey = PsatSurvey.objects.filter(kind=kind, is_active=True).first()
    if survey is None:
        return 0
    now = now or timezone.now()
    with partner_scope(partner_id), transaction.atomic():
        memberships = list(
            Membership.objects.select_for_update(of=("self",))
            .filter(partner_id=partner_id, user_id__in=user_ids, is_active=True, user__is_active=True,
                    partner__status__in=PartnerOrganization.PORTAL_STATUSES)
            .select_related("user", "partner").order_by("user_id")
        )
        if not memberships:
            return 0
        recent = set(
            PsatInvitation.objects.filter(user_id__in=[m.user_id for m in memberships],
                                          sent_at__gt=now - timedelta(days=EVENT_COOLDOWN_DAYS))
            .exclude(survey__kind=PsatSurvey.Kind.QUARTERLY).values_list("user_id", flat=True)
        )
        memberships = [m for m in memberships if m.user_id not in recent]
        if not memberships:
            return 0
        return _invite(survey=survey, memberships=memberships, reason=subject_key, now=now, reference=reference)


def deal_approved_recipients(*, deal_id: int) -> tuple[list[int], str]:
    """Who is asked after an approval: the person who registered the deal (they lived through the process).
    Returns (user ids, the deal's reference). Call inside the partner's scope."""
    from dealreg.models import Deal

    row = Deal.objects.filter(pk=deal_id).values_list("registered_by_id", "reference").first()
    return ([row[0]], row[1]) if row else ([], "")


def claim_paid_recipients(*, claim_id: int, partner_id: int) -> tuple[list[int], str]:
    """Who is asked after a payment: the person who created the claim (they ran the activity and gathered the
    proof); if they are no longer an active member, the partner's admins. Returns (user ids, the activity's
    reference). Two queries; call inside the partner's scope."""
    from mdf.models import Claim

    row = Claim.objects.filter(pk=claim_id).values_list("created_by_id", "activity__reference").first()
    if row is None:
        return [], ""
    creator, reference = row
    members = list(Membership.objects.filter(partner_id=partner_id, is_active=True, user__is_active=True)
                   .filter(Q(user_id=creator) | Q(role=Membership.Role.ADMIN)).values_list("user_id", flat=True))
    if creator in members:
        return [creator], reference
    return sorted(members), reference


# --- answers -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CleanAnswer:
    score: int
    comment: str
    anonymous: bool


def clean_answer(*, score, comment, anonymous, allow_anonymous: bool) -> CleanAnswer:
    """Validate an answer: a whole number from 0 to 10, a comment of at most COMMENT_MAX characters, anonymity
    only where the survey allows it. Raises ValidationError with field errors, translated."""
    errors: dict[str, list[str]] = {}
    value = None
    if isinstance(score, int) and not isinstance(score, bool):
        value = score
    elif isinstance(score, str) and score.strip().isdigit():
        value = int(score.strip())
    if value is None or not 0 <= value <= 10:
        errors["score"] = [_("Choose a score from 0 to 10.")]
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("Keep the comment to %(max)d characters or fewer (it has %(length)d).")
                             % {"max": COMMENT_MAX, "length": len(comment)}]
    anonymous = bool(anonymous)
    if anonymous and not allow_anonymous:
        errors["anonymous"] = [_("This survey does not take anonymous answers.")]
    if errors:
        raise ValidationError(errors, code="invalid")
    return CleanAnswer(score=value, comment=comment, anonymous=anonymous)


def _start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _record_answer(*, invitation_id: int, partner_id: int, score, comment, anonymous, language: str | None,
                   now: datetime | None, user_id: int | None = None) -> PsatResponse:
    now = now or timezone.now()
    with partner_scope(partner_id), transaction.atomic():
        invitation = (PsatInvitation.objects.select_for_update(of=("self",)).select_related("survey")
                      .filter(pk=invitation_id).first())
        if invitation is None or (user_id is not None and invitation.user_id != user_id):
            raise PsatLinkError(_("This survey link is not valid."), code="unknown")
        if invitation.used_at is not None:
            raise PsatLinkError(_("This survey has already been answered with this link. Thank you!"), code="used")
        if invitation.expires_at <= now:
            raise PsatLinkError(_("This survey link has expired."), code="expired")
        if not Membership.objects.filter(partner_id=invitation.partner_id, user_id=invitation.user_id,
                                         is_active=True, user__is_active=True,
                                         partner__status__in=PartnerOrganization.PORTAL_STATUSES).exists():
            raise PsatLinkError(_("This survey is closed."), code="closed")
        answer = clean_answer(score=score, comment=comment, anonymous=anonymous,
                              allow_anonymous=invitation.survey.allow_anonymous)
        stamp = _start_of_day(now) if answer.anonymous else now
        # The lock already serialises submits on PostgreSQL; the condition keeps it single-use everywhere.
        if not PsatInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(used_at=stamp):
            raise PsatLinkError(_("This survey has already been answered with this link. Thank you!"), code="used")
        return PsatResponse.objects.create(
            partner_id=invitation.partner_id, survey=invitation.survey,
            user_id=None if answer.anonymous else invitation.user_id,
            score=answer.score, comment=answer.comment, submitted_at=stamp,
            language=language_for(language=language or translation.get_language()),
        )


def submit_response(*, token: str, score, comment: str = "", anonymous: bool = False, language: str | None = None,
                    now: datetime | None = None) -> PsatResponse:
    """Record the answer given through a single-use link (no sign-in: the token is the key, so the answer
    counts for the invitation's partner and person, whoever submits it). Raises PsatLinkError for an unknown,
    used or expired link or a person who left the partner, ValidationError for a bad answer; nothing is
    written then. One transaction: the invitation row lock, the response, the invitation marked used."""
    link = invitation_for_token(raw_token=token)
    if link is None:
        raise PsatLinkError(_("This survey link is not valid."), code="unknown")
    return _record_answer(invitation_id=link.id, partner_id=link.partner_id, score=score, comment=comment,
                          anonymous=anonymous, language=language, now=now)


def submit_member_response(*, invitation_id: int, user, score, comment: str = "", anonymous: bool = False,
                           language: str | None = None, now: datetime | None = None) -> PsatResponse:
    """The same for a signed-in person answering from the portal card: only their own invitation counts (anyone
    else's id is "unknown"), in the partners they belong to."""
    from .selectors import member_invitation

    link = member_invitation(user=user, invitation_id=invitation_id)
    if link is None:
        raise PsatLinkError(_("This survey link is not valid."), code="unknown")
    return _record_answer(invitation_id=link.id, partner_id=link.partner_id, score=score, comment=comment,
                          anonymous=anonymous, language=language, now=now, user_id=user.pk)
