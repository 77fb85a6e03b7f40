"""Celery task bases: a partner task runs in its partner's scope and language; a global task is explicit.

Every task of ours uses one of the two bases (a test checks the registry). A global task that
touches partner-owned rows opens a scope per chunk itself.
"""

from celery import Task
from django.utils import translation

from .scoping import partner_scope, unscoped


class PartnerTask(Task):
    """A task about one partner. Call it with ``partner_id=`` (keyword); it runs inside that partner's scope.

    Reliability: acks_late + reject_on_worker_lost (re-delivered if the worker dies), so the task
    body must be idempotent.
    """

    abstract = True
    acks_late = True
    reject_on_worker_lost = True

    def __call__(self, *args, **kwargs):
        from partners.models import PartnerOrganization

        partner_id = kwargs.get("partner_id")
        if partner_id is None:
            raise ValueError(f"{self.name} is a partner task and needs partner_id=")
        partner = PartnerOrganization.objects.filter(pk=partner_id).only("id", "default_language").first()
        if partner is None:
            return None  # the partner is gone; nothing to do
        with partner_scope(partner), translation.override(partner.default_language):
            return super().__call__(*args, **kwargs)


class GlobalTask(Task):
    """A task over many partners or none (sweeps, fan-out). It must scope its own partner-owned reads."""

    abstract = True
    acks_late = True
    reject_on_worker_lost = True


class UnscopedGlobalTask(GlobalTask):
    """A sweep that reads across partners (an allow-listed module); runs unscoped."""

    abstract = True

    def __call__(self, *args, **kwargs):
        with unscoped():
            return super().__call__(*args, **kwargs)
