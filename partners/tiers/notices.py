"""Tier notices to the partner's admins, in the partner's language, through the notification outbox.

The context is plain JSON rendered now, in the partner's language (tier names are translatable data,
not catalogue strings), so the e-mail says the same thing whenever the worker sends it.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import groupby

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from partners.models import Membership, Tier
from prm.common.money import format_money, format_number
from prm.notifications.services import Notice as OutboxNotice
from prm.notifications.services import notify_bulk

from .config import TierConfig
from .criteria import Criterion, criteria_for, rung_of


def format_value(criterion_metric, value, *, language: str | None = None) -> str:
    currency = settings.BASE_CURRENCY if criterion_metric.money else ""
    return _formatted(currency, str(value), language or translation.get_language())


@lru_cache(maxsize=4096)
def _formatted(currency: str, value: str, language: str | None) -> str:
    """Formatting through babel costs more than the rest of a notice; a night's notices repeat the same
    thresholds (and many values) in a handful of languages. ``currency`` empty: a count. Keyed by the value's
    text: 100000 and 100000.00 compare equal but are not the same input."""
    if currency:
        return format_money(Decimal(value), currency, language=language)
    return format_number(Decimal(value), language=language)


def missed_lines(criteria: list[Criterion], *, language: str) -> list[str]:
    """"Active certifications: 1 of 3" for every criterion not met, in ``language``."""
    if translation.get_language() != language:
        with translation.override(language):
            return missed_lines(criteria, language=language)
    lines = []
    for c in criteria:
        if c.met:
            continue
        line = _("%(label)s: %(value)s of %(required)s") % {
            "label": c.metric.label, "value": format_value(c.metric, c.value, language=language),
            "required": format_value(c.metric, c.required, language=language)}
        if not c.available:
            line += " " + _("(not measured yet)")
        lines.append(line)
    return lines


def notice_context(*, partner_name: str, language: str, from_tier: Tier | None, to_tier: Tier | None,
                   grace_until: date | None = None, missed: list[str] = ()) -> dict:
    return {
        "partner_name": partner_name,
        "from_tier_name": from_tier.display_name(language) if from_tier else "",
        "tier_name": to_tier.display_name(language) if to_tier else "",
        "grace_until": grace_until.isoformat() if grace_until else "",
        "missed": list(missed),
        "portal_url": settings.SITE_URL.rstrip("/") + reverse("partners:tier"),
    }


@dataclass
class Recipients:
    name: str       # the partner's
    language: str   # the partner's
    users: list


def partner_admins(partner_ids) -> dict[int, Recipients]:
    """Active admins of the partners with the partner's name and language, in one query from the user
    side: through Membership's scoped manager the chunk's scope would add a 10,000-id IN list to a query
    about a handful of partners. The ids are checked against the active scope first, so it reads nothing
    the scope would hide."""
    from django.contrib.auth import get_user_model

    from .engine import require_scope

    ids = sorted({int(pid) for pid in partner_ids})
    require_scope(ids)
    found: dict[int, Recipients] = {}
    users = (get_user_model().objects.filter(memberships__partner_id__in=ids, memberships__role=Membership.Role.ADMIN,
                                             memberships__is_active=True, is_active=True)
             .only("id", "email", "preferred_language", "is_active")  # what the outbox reads of a recipient
             .annotate(admin_of=F("memberships__partner_id"), partner_name=F("memberships__partner__name"),
                       partner_language=F("memberships__partner__default_language"))
             .order_by("pk"))
    for user in users:
        found.setdefault(user.admin_of, Recipients(user.partner_name, user.partner_language, [])).users.append(user)
    return found


def send_notices(items: list[tuple], *, config: TierConfig, available: frozenset[str]) -> int:
    """``items``: (PartnerFacts, rules.Notice) pairs; partners without an active admin get none.
    One query for the recipients, one notify_bulk per kind."""
    if not items:
        return 0
    admins = partner_admins({facts.partner_id for facts, _n in items})
    by_kind: dict[str, list[OutboxNotice]] = defaultdict(list)
    addressed = [(admins[facts.partner_id], facts, notice) for facts, notice in items if facts.partner_id in admins]
    addressed.sort(key=lambda item: item[0].language)  # one language switch per language
    for language, group in groupby(addressed, key=lambda item: item[0].language):
        with translation.override(language):
            for recipients, facts, notice in group:
                missed = []
                if notice.kind != "partners.tier_promoted":
                    criteria = criteria_for(rung_of(facts.ladder, notice.from_tier_id), facts.measured, available)
                    missed = missed_lines(criteria, language=language)
                context = notice_context(partner_name=recipients.name, language=language,
                                         from_tier=config.tiers.get(notice.from_tier_id),
                                         to_tier=config.tiers.get(notice.to_tier_id), grace_until=notice.grace_until,
                                         missed=missed)
                by_kind[notice.kind].extend(
                    OutboxNotice(subject=f"partners.tier:{facts.partner_id}", context=context, recipient=user,
                                 language=language, partner=facts.partner_id, window=notice.window)
                    for user in recipients.users
                )
    return sum(notify_bulk(kind=kind, notices=notices) for kind, notices in by_kind.items())


def send_moves(moves: list[tuple], *, as_of: date) -> int:
    """Notices for tier moves a manager caused (pin, approval): ``moves`` are (partner, from_tier, to_tier).
    One membership query, one notify_bulk per kind, whatever the number of partners."""
    moves = [(partner, old, new) for partner, old, new in moves if old != new]
    if not moves:
        return 0
    admins = partner_admins({partner.pk for partner, _o, _n in moves})
    by_kind: dict[str, list[OutboxNotice]] = defaultdict(list)
    for partner, old, new in moves:
        up = new is not None and (old is None or new.rank > old.rank)
        kind, prefix = ("partners.tier_promoted", "promoted") if up else ("partners.tier_demoted", "demoted")
        language = partner.default_language
        context = notice_context(partner_name=partner.name, language=language, from_tier=old, to_tier=new)
        window = f"{prefix}:{getattr(new, 'pk', 0)}:{as_of.isoformat()}"
        by_kind[kind].extend(
            OutboxNotice(subject=f"partners.tier:{partner.pk}", context=context, recipient=user, language=language,
                         partner=partner.pk, window=window)
            for user in (admins[partner.pk].users if partner.pk in admins else [])
        )
    return sum(notify_bulk(kind=kind, notices=notices) for kind, notices in by_kind.items() if notices)
