"""The public certificate check (/verify/<code>/): the one unscoped read of enablement. Given a verification
code it answers the holder's name, the certification, its dates and whether it is valid, expired or revoked;
nothing about the partner (no name, no e-mail, no id) ever leaves this module."""

import re
from dataclasses import dataclass
from datetime import date

from enablement.models import Certification, CertificationAward, localized
from prm.tenancy.scoping import unscoped

# The alphabet of enablement.models.progress.new_verification_code (no look-alikes), 16 characters.
CODE_RE = re.compile(r"[A-HJ-NP-Z2-9]{16}")


@dataclass(frozen=True)
class Verification:
    holder_name: str
    certification_name: str
    certification_fallback: bool  # the certification has no name in the reader's language (shown in English)
    awarded_on: date
    renewed_on: date | None
    expires_on: date
    status: str  # "valid", "expired" or "revoked"

    @property
    def valid(self) -> bool:
        return self.status == "valid"


def normalize_code(code: str) -> str:
    """As printed or typed: case, spaces and dashes do not matter."""
    return re.sub(r"[\s-]+", "", code or "").upper()


def certificate_verify(*, code: str, today: date, language: str) -> Verification | None:
    """The certificate with this verification code, or None when there is none. One query, only when the code is
    well-formed; it reads named columns of the award, the holder and the certification and nothing else."""
    code = normalize_code(code)
    if not CODE_RE.fullmatch(code):
        return None
    with unscoped():
        row = (CertificationAward.objects.filter(verification_code=code)
               .values("user__full_name", "certification__name", "certification__translations", "awarded_on",
                       "renewed_on", "expires_on", "revoked_at")
               .first())
    if row is None:
        return None
    name = localized(Certification(name=row["certification__name"], translations=row["certification__translations"]),
                     "name", language)
    if row["revoked_at"] is not None:
        status = "revoked"
    elif row["expires_on"] < today:
        status = "expired"
    else:
        status = "valid"
    return Verification(holder_name=row["user__full_name"] or "", certification_name=name.text,
                        certification_fallback=name.fallback, awarded_on=row["awarded_on"],
                        renewed_on=row["renewed_on"], expires_on=row["expires_on"], status=status)
