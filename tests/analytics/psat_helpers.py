"""Building blocks for the PSAT tests: surveys, invitations with a known raw token, answers, staff permissions."""

import re
from datetime import date, timedelta

from django.contrib.auth.models import Permission
from django.utils import timezone

from analytics.models import PsatInvitation, PsatResponse, PsatSurvey
from prm.tenancy.scoping import partner_scope

TOKEN_IN_URL = re.compile(r"/psat/([A-Za-z0-9_-]{20,100})/")


def quarterly(quarter: date = date(2026, 4, 1), **fields) -> PsatSurvey:
    return PsatSurvey.objects.create(kind=PsatSurvey.Kind.QUARTERLY, quarter=quarter, **fields)


def event_survey(kind: str = PsatSurvey.Kind.DEAL_APPROVED, **fields) -> PsatSurvey:
    return PsatSurvey.objects.create(kind=kind, **fields)


def invite(partner, user, survey: PsatSurvey | None = None, *, reason: str = "quarter", days: int = 30,
           sent_at=None) -> tuple[PsatInvitation, str]:
    """An invitation with a known raw token (as the wave would write it), returned with that token."""
    survey = survey or PsatSurvey.objects.filter(kind=PsatSurvey.Kind.QUARTERLY).first() or quarterly()
    raw = PsatInvitation.new_token()
    sent_at = sent_at or timezone.now()
    with partner_scope(partner):
        invitation = PsatInvitation.objects.create(
            partner=partner, survey=survey, user=user, subject_key=reason, token_hash=PsatInvitation.hash_token(raw),
            sent_at=sent_at, expires_at=sent_at + timedelta(days=days))
    return invitation, raw


def answer(partner, score: int, *, survey: PsatSurvey, user=None, comment: str = "", at=None) -> PsatResponse:
    with partner_scope(partner):
        return PsatResponse.objects.create(partner=partner, survey=survey, user=user, score=score, comment=comment,
                                           language="en", submitted_at=at or timezone.now())


def grant_psat_view(*users) -> None:
    """What prm/accounts/roles.py is asked to give channel managers and executives (see the report)."""
    permissions = list(Permission.objects.filter(content_type__app_label="analytics",
                                                 codename__in=["view_psatresponse"]))
    for user in users:
        user.user_permissions.add(*permissions)


def tokens_in(messages) -> list[str]:
    """The raw tokens of the survey links in sent e-mails (text bodies)."""
    return [match for message in messages for match in TOKEN_IN_URL.findall(message.body)]
