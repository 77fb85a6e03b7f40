"""What the partner home reads, loaded once per request and shared by its panels.

The inbox and the panels need some of the same things (the tier progress, the certifications, the MDF
aggregate, the snapshot); each is a cached property here, so the page's query count is the sum of the
sources, not of the panels that show them. Build it with ``home_data(request)`` in a portal request, or
directly (tests, the API) with the partner, membership and person.
"""

from datetime import date
from functools import cached_property

from django.utils import timezone

from analytics.health import explain
from analytics.models import HealthModel
from analytics.psat.selectors import open_invitation_for
from mdf.selectors import balances_for
from partners.onboarding_selectors import agreement_status_for, onboarding_checklist
from partners.tiers.progress import tier_progress_for

from . import selectors

REQUEST_ATTRIBUTE = "_analytics_home_data"


def health_model() -> HealthModel:
    """The operator's health model, or its defaults while none is saved: one read, never a write on a page view
    (``HealthModel.current()`` would create the row)."""
    return HealthModel.objects.filter(pk=1).first() or HealthModel(pk=1)


class HomeData:
    def __init__(self, *, partner, membership, user, today: date | None = None, agreement=None):
        self.partner = partner
        self.membership = membership
        self.user = user
        self.today = today or timezone.localdate()
        self._agreement = agreement

    def can(self, capability: str) -> bool:
        return self.membership is not None and self.membership.can(capability)

    @property
    def is_admin(self) -> bool:
        return self.membership is not None and self.membership.is_admin

    @cached_property
    def agreement(self):
        # The agreement lock middleware already read it for this request; only read it again without one.
        return self._agreement if self._agreement is not None else agreement_status_for(partner=self.partner)

    @cached_property
    def onboarding_missing(self) -> list:
        """Required onboarding steps not done yet (only asked while the partner is onboarding)."""
        if self.partner.status != self.partner.Status.ONBOARDING:
            return []
        return onboarding_checklist(partner=self.partner, agreement=self.agreement).missing

    @cached_property
    def deals(self) -> selectors.DealActions:
        return selectors.deal_actions(partner=self.partner, today=self.today)

    @cached_property
    def mdf(self) -> selectors.MdfActions:
        return selectors.mdf_actions(partner=self.partner, today=self.today)

    @cached_property
    def funds_expiring(self) -> list:
        return selectors.funds_expiring(partner=self.partner, today=self.today)

    @cached_property
    def balances(self):
        return balances_for(partner=self.partner, today=self.today)

    @cached_property
    def certifications(self) -> selectors.Certifications:
        return selectors.certifications(partner=self.partner, user=self.user, today=self.today)

    @cached_property
    def learning(self) -> selectors.Learning:
        return selectors.learning(partner=self.partner, user=self.user)

    @cached_property
    def tier_progress(self):
        return tier_progress_for(partner=self.partner, as_of=self.today)

    @cached_property
    def snapshot(self):
        return selectors.snapshot_for(partner=self.partner)

    @cached_property
    def health(self):
        return explain.latest_for(self.partner.pk)

    @cached_property
    def health_model(self):
        return health_model()

    def health_improvements(self, limit: int = 3) -> list:
        score = self.health
        if score is None:
            return []
        return explain.improvements(score, limit=limit, model=self.health_model)

    @cached_property
    def psat_invitation(self):
        return open_invitation_for(user=self.user, partner=self.partner)


def home_data(request) -> HomeData:
    """The request's HomeData, built on first use."""
    data = getattr(request, REQUEST_ATTRIBUTE, None)
    if data is None:
        data = HomeData(partner=request.partner, membership=getattr(request, "membership", None), user=request.user,
                        agreement=getattr(request, "agreement_status", None))
        setattr(request, REQUEST_ATTRIBUTE, data)
    return data
