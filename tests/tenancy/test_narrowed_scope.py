"""narrowed_scope(): a scope of a few partners inside the active one, never wider, failing closed outside any scope."""

import pytest

from partners.models import Membership
from partners.onboarding_selectors import admins_by_partner
from prm.tenancy.scoping import ScopeError, narrowed_scope, partner_scope, partners_scope, unscoped
from tests.factories import PartnerFactory, make_member

pytestmark = pytest.mark.django_db


def test_it_keeps_only_the_partners_the_active_scope_covers(partner_a, partner_b):
    third = PartnerFactory(region=partner_a.region)
    with partners_scope([partner_a.pk, third.pk]):
        with narrowed_scope([partner_a.pk, partner_b.pk]) as kept:
            assert kept == [partner_a.pk]  # partner_b is outside the active scope: dropped, not added
            assert set(Membership.objects.values_list("partner_id", flat=True)) <= {partner_a.pk}
        assert set(Membership.objects.values_list("partner_id", flat=True)) <= {partner_a.pk, third.pk}


def test_outside_any_scope_it_fails_closed(partner_a):
    with pytest.raises(ScopeError):
        with narrowed_scope([partner_a.pk]):
            pass


def test_with_scopes_disabled_it_narrows_to_exactly_the_ids(partner_a, partner_b, admin_a, admin_b):
    with unscoped(), narrowed_scope([partner_b.pk]) as kept:
        assert kept == [partner_b.pk]
        assert set(Membership.objects.values_list("partner_id", flat=True)) == {partner_b.pk}


def test_an_empty_narrowing_sees_nothing(partner_a, admin_a):
    with partner_scope(partner_a), narrowed_scope([]) as kept:
        assert kept == [] and not Membership.objects.exists()


def test_admins_by_partner_reads_only_the_asked_partners_of_the_scope(partner_a, partner_b, admin_a, admin_b):
    other = PartnerFactory(region=partner_a.region)
    other_admin = make_member(partner=other, role=Membership.Role.ADMIN)
    with partners_scope([partner_a.pk, other.pk]):
        found = admins_by_partner(partner_ids=[partner_a.pk, partner_b.pk])
    assert set(found) == {partner_a.pk}
    assert [user.pk for user in found[partner_a.pk]] == [admin_a.pk]
    assert other_admin.user_id not in {user.pk for users in found.values() for user in users}
