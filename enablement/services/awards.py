"""Staff decisions on certification awards: revoking one (with a reason, audited)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enablement.models import CertificationAward
from prm.common.audit import audit

from .errors import EnablementError

REASON_MAX = 1000


@transaction.atomic
def award_revoke(*, award: CertificationAward, actor, reason: str) -> CertificationAward:
    """Revoke a certification award: it stops counting for tiers at once, its certificate verifies as revoked
    and renewals no longer extend it. Needs a reason (kept in the audit row). Call in a scope that holds the
    award (the admin's region scope); refused for an award already revoked."""
    reason = (reason or "").strip()
    if not reason:
        raise EnablementError(_("Give the reason for revoking the certification."), code="reason_required")
    if len(reason) > REASON_MAX:
        raise EnablementError(_("The reason may have at most %(n)d characters.") % {"n": REASON_MAX},
                              code="reason_too_long")
    award = CertificationAward.objects.select_for_update().get(pk=award.pk)
    if award.revoked_at is not None:
        raise EnablementError(_("This certification was already revoked."), code="already_revoked")
    award.revoked_at = timezone.now()
    award.save(update_fields=["revoked_at"])
    audit(actor=actor, action="enablement.certification.revoked", target=award,
          data={"certification": award.certification_id, "user": award.user_id, "reason": reason})
    return award
