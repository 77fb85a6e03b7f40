"""Start-up wiring of the rollups: signal handlers that mark partners dirty when their facts change.

Each handler costs no query (mark_dirty writes on commit, one upsert per transaction) except two: a won
registration's save looks up its accepted participants (their influenced revenue changed; one query), and a
sign-in looks up the person's partners (one query). Saves that only touch fields no rollup reads
(``update_fields`` given and disjoint from the ones listed here) mark nothing.

Writers that bypass signals (bulk_create, queryset.update(), COPY: mdf's ledger_post_many, the tier engine's
set-based writes, health scoring, CRM / LMS / exchange-rate imports, generate_dataset) are caught by the
nightly full refresh; see analytics.rollups.services.
"""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save

from .dirty import mark_dirty

# Fields each model's rollups read; a save whose update_fields miss all of them marks nothing.
DEAL_FIELDS = frozenset({
    "status", "registered_at", "submitted_at", "decided_at", "value", "currency", "stage", "protected_until",
    "closed_at", "won_amount_base", "mdf_activity", "mdf_activity_id", "approved_value", "partner", "partner_id",
})
OUTCOME_FIELDS = frozenset({"status", "closed_at", "won_amount_base"})
PARTNER_FIELDS = frozenset({
    "region", "region_id", "country", "partner_type", "status", "activated_at", "first_deal_registered_at",
    "first_deal_won_at",
})
CLAIM_FIELDS = frozenset({"status"})
ENROLLMENT_FIELDS = frozenset({"status", "completed_at"})


def _relevant(update_fields, fields: frozenset) -> bool:
    return update_fields is None or not fields.isdisjoint(update_fields)


def _accepted_participants(deal_id: int) -> set[int]:
    """The partners credited with a share of a deal: other partners' rows, ids only (one query)."""
    from dealreg.models import DealParticipant
    from prm.tenancy.scoping import unscoped

    with unscoped():
        return set(DealParticipant.objects.filter(deal_id=deal_id, status=DealParticipant.Status.ACCEPTED)
                   .values_list("partner_id", flat=True))


def deal_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if not _relevant(update_fields, DEAL_FIELDS):
        return
    ids = {instance.partner_id}
    if instance.status == instance.Status.WON and _relevant(update_fields, OUTCOME_FIELDS):
        ids |= _accepted_participants(instance.pk)
    mark_dirty(ids)


def deal_deleted(sender, instance, **kwargs) -> None:
    mark_dirty([instance.partner_id])  # its participants are deleted with it and mark themselves


def partner_row_changed(sender, instance, update_fields=None, **kwargs) -> None:
    """Any save or delete of a partner-owned row that some rollup reads."""
    mark_dirty([instance.partner_id])


def _filtered(fields: frozenset):
    def handler(sender, instance, update_fields=None, **kwargs) -> None:
        if _relevant(update_fields, fields):
            mark_dirty([instance.partner_id])

    return handler


claim_saved = _filtered(CLAIM_FIELDS)
enrollment_saved = _filtered(ENROLLMENT_FIELDS)


def partner_saved(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    if created or _relevant(update_fields, PARTNER_FIELDS):
        mark_dirty([instance.pk])


def signed_in(sender, request, user, **kwargs) -> None:
    """A sign-in changes active users and the last sign-in of the person's partners."""
    from prm.tenancy.lookups import memberships_for_user

    mark_dirty([membership.partner_id for membership in memberships_for_user(user=user)])


def ready() -> None:
    from analytics.models import HealthScore, PsatResponse
    from dealreg.models import Deal, DealParticipant
    from enablement.models import CertificationAward, Enrollment
    from mdf.models import Claim, FundEntry
    from partners.models import Membership, PartnerOrganization, PartnerTier, TierChange

    post_save.connect(deal_saved, sender=Deal, dispatch_uid="analytics.rollups.deal_saved")
    post_delete.connect(deal_deleted, sender=Deal, dispatch_uid="analytics.rollups.deal_deleted")
    post_save.connect(partner_saved, sender=PartnerOrganization, dispatch_uid="analytics.rollups.partner_saved")
    post_save.connect(claim_saved, sender=Claim, dispatch_uid="analytics.rollups.claim_saved")
    post_save.connect(enrollment_saved, sender=Enrollment, dispatch_uid="analytics.rollups.enrollment_saved")
    for model in (DealParticipant, FundEntry, Claim, Enrollment, CertificationAward, PartnerTier, TierChange,
                  PsatResponse, Membership, HealthScore):
        label = model._meta.label_lower
        if model not in (Claim, Enrollment):
            post_save.connect(partner_row_changed, sender=model, dispatch_uid=f"analytics.rollups.saved.{label}")
        post_delete.connect(partner_row_changed, sender=model, dispatch_uid=f"analytics.rollups.deleted.{label}")
    user_logged_in.connect(signed_in, dispatch_uid="analytics.rollups.signed_in")
