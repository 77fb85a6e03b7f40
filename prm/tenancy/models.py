"""The abstract base of every partner-owned model."""

from django.db import models

from .scoping import PartnerScopedManager


class PartnerOwned(models.Model):
    """A row that belongs to exactly one partner organisation (the tenant).

    The default (and only) manager raises ScopeError unless a partner scope is active.
    Unique constraints on subclasses should include ``partner``.
    """

    partner = models.ForeignKey(
        "partners.PartnerOrganization",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    objects = PartnerScopedManager()

    class Meta:
        abstract = True
