"""The at-risk digest: after the nightly scoring, one e-mail per channel manager listing the partners of their book
that have just become at risk, with the reasons, in the manager's language.

Who: the partner's channel manager; for a partner without one (or whose manager is no longer an active channel
manager), every active channel manager of its region (as the approval SLA escalation does). Which partners: those
whose score of the day is at risk while their previous score (the latest before the day) was not, or who had
none: a new at-risk episode. "Never twice": the outbox key is (manager, kind, subject = the manager, window = the
day), so a second run on the same day writes nothing; the next day a partner still at risk is not new.

Reads partner-owned scores chunk by chunk, each in a scope of exactly that chunk's partners (runs in a global task:
analytics.at_risk_digest).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from analytics.models import HealthScore
from partners.models import PartnerOrganization
from prm.accounts.models import User
from prm.notifications import nudges
from prm.notifications.services import Notice, language_for, notify_bulk
from prm.tenancy.scoping import partners_scope

from . import explain
from .nudge_rules import AT_RISK_DIGEST
from .scoring import CHUNK_SIZE, accessible_partner_ids, chunked, previous_scores

KIND = "analytics.at_risk_digest"


@dataclass
class _Entry:
    score: HealthScore
    partner: PartnerOrganization


@dataclass
class DigestResult:
    partners: int = 0        # partners newly at risk
    managers: int = 0        # managers with something to read
    sent: int = 0            # new notices written
    by_manager: dict[int, list[int]] = field(default_factory=dict)


def newly_at_risk(day: date) -> list[HealthScore]:
    """The day's at-risk scores, among the partners of the active scope, of partners whose previous score was not
    at risk (or who had none): new episodes. Two queries (the scope is the partner filter)."""
    scores = list(HealthScore.objects.filter(day=day, at_risk=True).order_by("partner_id"))
    if not scores:
        return []
    before = previous_scores([s.partner_id for s in scores], day - timedelta(days=1), components=False)
    return [s for s in scores if s.partner_id not in before or not before[s.partner_id].at_risk]


def _managers(partners: list[PartnerOrganization]) -> tuple[dict[int, User], dict[int, list[User]]]:
    """Active channel managers: by id (the partners' own) and by region (for partners without one). One query."""
    wanted_ids = {p.channel_manager_id for p in partners if p.channel_manager_id}
    region_ids = {p.region_id for p in partners}
    links = (User.regions.through.objects.filter(region_id__in=region_ids, user__is_active=True,
                                                 user__staff_role=User.StaffRole.CHANNEL_MANAGER)
             .select_related("user").order_by("user_id"))
    by_region: dict[int, list[User]] = defaultdict(list)
    by_id: dict[int, User] = {}
    for link in links:
        by_region[link.region_id].append(link.user)
        by_id[link.user_id] = link.user
    missing = wanted_ids - set(by_id)
    if missing:  # a manager assigned to a partner outside their regions
        for user in User.objects.filter(pk__in=missing, is_active=True, staff_role=User.StaffRole.CHANNEL_MANAGER):
            by_id[user.pk] = user
    return by_id, by_region


def _recipients(partner: PartnerOrganization, by_id, by_region) -> list[User]:
    own = by_id.get(partner.channel_manager_id) if partner.channel_manager_id else None
    return [own] if own is not None else list(by_region.get(partner.region_id, []))


def _score_url(score: HealthScore) -> str:
    try:
        path = reverse("admin:analytics_healthscore_change", args=[score.pk])
    except NoReverseMatch:
        path = "/admin/"
    return settings.SITE_URL.rstrip("/") + path


def _partner_context(entry: _Entry) -> dict:
    """One partner's lines, in the active language (the manager's)."""
    reasons = set(entry.score.reasons or [])
    return {
        "partner_id": entry.partner.pk,
        "partner_name": entry.partner.name,
        "score": entry.score.score,
        "previous_score": entry.score.previous_score,
        "reasons": [f"{factor.label}: {factor.message}" for factor in explain.factors(entry.score)
                    if factor.code in reasons],
        "url": _score_url(entry.score),
    }


def at_risk_digest_send(*, day: date, chunk_size: int = CHUNK_SIZE) -> DigestResult:
    """Write the day's digests (rule analytics.at_risk_digest; a disabled rule writes nothing). Idempotent."""
    result = DigestResult()
    with nudges.run(AT_RISK_DIGEST.code) as run:
        if not run.enabled:
            return result
        per_manager: dict[int, list[_Entry]] = defaultdict(list)
        managers: dict[int, User] = {}
        for chunk in chunked(accessible_partner_ids(), chunk_size):
            with partners_scope(chunk):
                scores = newly_at_risk(day)
            if not scores:
                continue
            partners = PartnerOrganization.objects.in_bulk([s.partner_id for s in scores])
            by_id, by_region = _managers(list(partners.values()))
            for score in scores:
                partner = partners[score.partner_id]
                for manager in _recipients(partner, by_id, by_region):
                    managers[manager.pk] = manager
                    per_manager[manager.pk].append(_Entry(score=score, partner=partner))
            result.partners += len(scores)
        notices = []
        for manager_id, entries in sorted(per_manager.items()):
            manager = managers[manager_id]
            language = language_for(language=None, user=manager)
            entries.sort(key=lambda e: (e.score.score, e.partner.name))
            with translation.override(language):
                listed = [_partner_context(entry) for entry in entries]
            notices.append(Notice(subject=manager, recipient=manager, language=language, window=day.isoformat(),
                                  context={"day": day.isoformat(), "count": len(listed), "partners": listed}))
            result.by_manager[manager_id] = [entry.partner.pk for entry in entries]
        result.managers = len(notices)
        if notices:
            result.sent = run.sent = notify_bulk(kind=KIND, notices=notices)
    return result
