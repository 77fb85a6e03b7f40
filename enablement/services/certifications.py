"""Certification awards and renewals, decided from completions. Idempotent: evaluating again with the same
completions changes nothing."""

from datetime import date

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction

from enablement.models import Certification, CertificationAward, Enrollment
from prm.common.audit import audit


def _valid_until(start: date, months: int) -> date:
    return start + relativedelta(months=months)


@transaction.atomic
def certifications_evaluate(*, partner_id: int, user_id: int, today: date,
                            certifications: list[Certification] | None = None) -> list[CertificationAward]:
    """Award every certification whose required courses the person has all completed; renew an award when
    its renewal course (or every required course) was completed again after the last award or renewal.

    A renewal extends from the later of the completion day and the current expiry, so renewing early
    loses nothing. Returns the awards created or renewed. Three queries plus one per change.
    ``certifications``: the active certifications with their courses prefetched, for a caller evaluating many
    people in a row (the completions import loads them once)."""
    completions = dict(Enrollment.objects.filter(partner_id=partner_id, user_id=user_id,
                                                 status=Enrollment.Status.COMPLETED)
                       .values_list("course_id", "completed_at"))
    if not completions:
        return []
    if certifications is None:
        certifications = list(Certification.objects.filter(is_active=True).prefetch_related("courses"))
    awards = {a.certification_id: a for a in CertificationAward.objects.select_for_update().filter(
        partner_id=partner_id, user_id=user_id)}
    changed = []
    for certification in certifications:
        required = [c.pk for c in certification.courses.all()]
        if not required:
            continue
        done = [completions[c].date() for c in required if c in completions]
        award = awards.get(certification.pk)
        if award is None:
            if len(done) < len(required):
                continue
            awarded_on = max(done)
            try:
                with transaction.atomic():
                    award = CertificationAward.objects.create(
                        partner_id=partner_id, user_id=user_id, certification=certification, awarded_on=awarded_on,
                        expires_on=_valid_until(awarded_on, certification.validity_months))
            except IntegrityError:
                continue
            audit(actor=None, action="enablement.certification.awarded", target=award, partner=partner_id,
                  data={"certification": certification.code, "user": user_id})
            changed.append(award)
            continue
        last = award.renewed_on or award.awarded_on
        renewal_day = None
        renewal_course = certification.renewal_course_id
        if renewal_course and renewal_course in completions and completions[renewal_course].date() > last:
            renewal_day = completions[renewal_course].date()
        elif len(done) == len(required) and min(done) > last:
            renewal_day = max(done)
        if renewal_day is None or award.revoked_at is not None:
            continue
        award.renewed_on = renewal_day
        award.expires_on = _valid_until(max(renewal_day, award.expires_on), certification.validity_months)
        award.save(update_fields=["renewed_on", "expires_on"])
        audit(actor=None, action="enablement.certification.renewed", target=award, partner=partner_id,
              data={"certification": certification.code, "user": user_id, "expires_on": award.expires_on.isoformat()})
        changed.append(award)
    return changed
