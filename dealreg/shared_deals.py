"""Multi-partner deals across the tenant line, in one allow-listed place.

A DealParticipant row belongs to the invited partner, the Deal to the registering partner. Each side
reaches the other's data only through the functions here, and only as small read-only dataclasses:

- the invited partner: the deal's shareable fields (customer, stage, status, expected close) through its
  own participant row, and only once it accepted; never the value, description, private notes or the
  other participants' terms;
- the registering partner: the participants of a deal it owns (partner name, role, share, status);
- anyone inviting: the directory of active partners, name and id only.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Sum

from partners.models import Membership, PartnerOrganization
from prm.tenancy.scoping import current_partner_ids, unscoped

from .models import Deal, DealParticipant

DIRECTORY_MIN_QUERY = 2
DIRECTORY_LIMIT = 10


@dataclass(frozen=True)
class SharedDeal:
    """What an invited partner sees of a deal. Deal fields are blank until the invitation is accepted."""

    participant_id: int
    participant_status: str
    participant_status_label: str
    role: str
    role_label: str
    share: Decimal
    invited_at: datetime
    responded_at: datetime | None
    registering_partner_name: str
    customer_name: str
    customer_domain: str = ""
    customer_country: str = ""
    stage: str = ""
    stage_label: str = ""
    deal_status: str = ""
    deal_status_label: str = ""
    expected_close_date: date | None = None
    reference: str = ""

    @property
    def is_pending(self) -> bool:
        return self.participant_status == DealParticipant.Status.INVITED

    @property
    def is_accepted(self) -> bool:
        return self.participant_status == DealParticipant.Status.ACCEPTED


@dataclass(frozen=True)
class ParticipantView:
    """What the registering partner sees of one participant on its deal."""

    participant_id: int
    partner_id: int
    partner_name: str
    role: str
    role_label: str
    share: Decimal
    status: str
    status_label: str
    invited_at: datetime
    responded_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.status in DealParticipant.ACTIVE_STATUSES


@dataclass(frozen=True)
class PartnerChoice:
    id: int
    name: str


_SHAREABLE = ("pk", "reference", "customer_name", "customer_domain", "customer_country", "stage", "status",
              "expected_close_date", "partner__name")


def _shared(participant: DealParticipant, deal: dict | None) -> SharedDeal:
    base = dict(
        participant_id=participant.pk, participant_status=participant.status,
        participant_status_label=participant.get_status_display(), role=participant.role,
        role_label=participant.get_role_display(), share=participant.share, invited_at=participant.invited_at,
        responded_at=participant.responded_at,
        registering_partner_name=deal["partner__name"] if deal else "", customer_name="",
    )
    if deal is None or participant.status in (DealParticipant.Status.DECLINED, DealParticipant.Status.REMOVED):
        return SharedDeal(**base)
    base["customer_name"] = deal["customer_name"]
    if participant.status != DealParticipant.Status.ACCEPTED:
        return SharedDeal(**base)  # enough to decide: who invites, for which customer, as what
    return SharedDeal(
        **base, customer_domain=deal["customer_domain"], customer_country=deal["customer_country"],
        stage=deal["stage"], stage_label=Deal.Stage(deal["stage"]).label if deal["stage"] in Deal.Stage.values else "",
        deal_status=deal["status"], deal_status_label=Deal.Status(deal["status"]).label,
        expected_close_date=deal["expected_close_date"], reference=deal["reference"],
    )


def _deal_fields(deal_ids) -> dict[int, dict]:
    with unscoped():  # the registering partners' deals, shareable columns only
        return {row["pk"]: row for row in Deal.objects.filter(pk__in=list(deal_ids)).values(*_SHAREABLE)}


def shared_deal_list_for_partner(*, partner) -> list[SharedDeal]:
    """The deals ``partner`` was invited onto, newest first: two queries whatever the length.

    Runs in ``partner``'s scope: the participant rows are read through the scoped manager.
    """
    participants = list(DealParticipant.objects.filter(partner=partner).exclude(status=DealParticipant.Status.REMOVED)
                        .order_by("-invited_at", "-id"))
    deals = _deal_fields({p.deal_id for p in participants}) if participants else {}
    return [_shared(p, deals.get(p.deal_id)) for p in participants]


def shared_deal_get(*, partner, participant_id: int) -> SharedDeal:
    """One of ``partner``'s participations; DealParticipant.DoesNotExist for anyone else's (answer 404)."""
    participant = DealParticipant.objects.get(partner=partner, pk=participant_id)
    return _shared(participant, _deal_fields([participant.deal_id]).get(participant.deal_id))


def _check_owner_in_scope(deal: Deal) -> None:
    # The registering partner's deal, read in its scope (or by staff whose scope holds it).
    allowed = current_partner_ids()
    if allowed is not None and deal.partner_id not in allowed:
        raise PermissionDenied("The deal is not in the current scope.")


def participants_for_deal(*, deal: Deal) -> list[ParticipantView]:
    """Every participant of ``deal`` (which the caller read in its own scope), one query."""
    _check_owner_in_scope(deal)
    with unscoped():  # rows owned by the invited partners
        rows = list(DealParticipant.objects.filter(deal_id=deal.pk).select_related("partner").order_by("invited_at", "id"))
    return [
        ParticipantView(participant_id=p.pk, partner_id=p.partner_id, partner_name=p.partner.name, role=p.role,
                        role_label=p.get_role_display(), share=p.share, status=p.status,
                        status_label=p.get_status_display(), invited_at=p.invited_at, responded_at=p.responded_at)
        for p in rows
    ]


def participant_for_deal_owner(*, deal: Deal, participant_id: int, lock: bool = False) -> DealParticipant:
    """A participant row of ``deal`` for its owner's write (withdraw); DoesNotExist if not on this deal."""
    _check_owner_in_scope(deal)
    with unscoped():
        qs = DealParticipant.objects.filter(deal_id=deal.pk, pk=participant_id)
        return (qs.select_for_update() if lock else qs).get()


def active_share_total(*, deal_id: int, exclude_participant_id: int | None = None) -> Decimal:
    """Sum of the shares still held (invited or accepted) on a deal; call under the deal's row lock."""
    with unscoped():
        qs = DealParticipant.objects.filter(deal_id=deal_id, status__in=DealParticipant.ACTIVE_STATUSES)
        if exclude_participant_id:
            qs = qs.exclude(pk=exclude_participant_id)
        return qs.aggregate(total=Sum("share"))["total"] or Decimal("0")


def has_active_participation(*, deal_id: int, partner_id: int) -> bool:
    with unscoped():
        return DealParticipant.objects.filter(deal_id=deal_id, partner_id=partner_id,
                                              status__in=DealParticipant.ACTIVE_STATUSES).exists()


def deal_owner_contact(*, deal_id: int):
    """(registering partner id, the user who registered, reference) of a deal, for the invited side's notices."""
    with unscoped():
        row = Deal.objects.filter(pk=deal_id).select_related("registered_by").only(
            "partner_id", "reference", "registered_by__email", "registered_by__preferred_language",
            "registered_by__full_name", "registered_by__is_active").first()
    if row is None:
        return None, None, ""
    return row.partner_id, row.registered_by, row.reference


def partner_admin_users(*, partner_id: int) -> list:
    """Active admins of a partner: who hears about an invitation onto a deal."""
    with unscoped():
        return [m.user for m in Membership.objects.filter(
            partner_id=partner_id, role=Membership.Role.ADMIN, is_active=True, user__is_active=True,
        ).select_related("user")]


def partner_directory_search(*, query: str, exclude_partner_id: int | None = None,
                             limit: int = DIRECTORY_LIMIT) -> list[PartnerChoice]:
    """Active partners whose name contains ``query``: name and id only, at most ``limit``.

    Partner names are the program's public directory; nothing a partner owns is read here.
    """
    query = (query or "").strip()
    if len(query) < DIRECTORY_MIN_QUERY:
        return []
    qs = PartnerOrganization.objects.filter(status=PartnerOrganization.Status.ACTIVE, name__icontains=query)
    if exclude_partner_id:
        qs = qs.exclude(pk=exclude_partner_id)
    return [PartnerChoice(id=pk, name=name) for pk, name in qs.order_by("name", "pk").values_list("pk", "name")[:limit]]


def partner_choice_get(*, partner_id: int) -> PartnerChoice | None:
    row = (PartnerOrganization.objects.filter(pk=partner_id, status=PartnerOrganization.Status.ACTIVE)
           .values_list("pk", "name").first())
    return PartnerChoice(id=row[0], name=row[1]) if row else None
