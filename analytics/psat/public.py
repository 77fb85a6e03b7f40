"""The one unscoped read of PSAT: which invitation a survey link proves. /psat/<token>/ has no sign-in and no
partner scope, so the invitation is found by the hash of its token across partners. The answer is that one
invitation's own facts (its ids and state, the survey's options, the invitee's language, the partner's name);
nothing about any other row, partner or person ever leaves this module."""

import re
from dataclasses import dataclass
from datetime import datetime

from analytics.models import PsatInvitation
from prm.tenancy.scoping import unscoped

# secrets.token_urlsafe(32) gives 43 characters of this alphabet; anything else is not one of our links.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,100}")


@dataclass(frozen=True)
class LinkedInvitation:
    id: int
    partner_id: int
    partner_name: str
    survey_kind: str
    allow_anonymous: bool
    language: str  # the invitee's preferred language
    expires_at: datetime
    used_at: datetime | None


def invitation_for_token(*, raw_token: str) -> LinkedInvitation | None:
    """The invitation whose token this is, whatever its state (callers explain used and expired links), or None.
    One query, only for a well-formed token; it reads named columns and nothing else."""
    if not raw_token or not TOKEN_RE.fullmatch(raw_token):
        return None
    with unscoped():
        row = (PsatInvitation.objects.filter(token_hash=PsatInvitation.hash_token(raw_token))
               .values("id", "partner_id", "partner__name", "survey__kind", "survey__allow_anonymous",
                       "user__preferred_language", "expires_at", "used_at")
               .first())
    if row is None:
        return None
    return LinkedInvitation(id=row["id"], partner_id=row["partner_id"], partner_name=row["partner__name"],
                            survey_kind=row["survey__kind"], allow_anonymous=row["survey__allow_anonymous"],
                            language=row["user__preferred_language"] or "", expires_at=row["expires_at"],
                            used_at=row["used_at"])
