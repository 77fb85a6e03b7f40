"""Fixtures: two partners in two regions, with an admin and a user each, so every test can check the other side."""

import pytest

from partners.models import Membership
from tests.factories import PartnerFactory, RegionFactory, StaffFactory, UserFactory, make_member


@pytest.fixture(autouse=True)
def _default_language():
    """Requests activate a language for the thread and never deactivate it; keep tests independent."""
    from django.conf import settings as django_settings
    from django.utils import translation

    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path / "media")}}}


@pytest.fixture
def region_a(db):
    return RegionFactory(code="emea", name="EMEA", countries=["DE", "FR", "ES"])


@pytest.fixture
def region_b(db):
    return RegionFactory(code="apac", name="APAC", countries=["JP", "AU"])


@pytest.fixture
def partner_a(region_a):
    return PartnerFactory(name="Alpha Systems GmbH", region=region_a, country="DE", default_language="de")


@pytest.fixture
def partner_b(region_b):
    return PartnerFactory(name="Beta Solutions KK", region=region_b, country="JP", default_language="ja", currency="JPY")


@pytest.fixture
def admin_a(partner_a):
    return make_member(partner=partner_a, role=Membership.Role.ADMIN).user


@pytest.fixture
def user_a(partner_a):
    return make_member(partner=partner_a).user


@pytest.fixture
def admin_b(partner_b):
    return make_member(partner=partner_b, role=Membership.Role.ADMIN).user


@pytest.fixture
def user_b(partner_b):
    return make_member(partner=partner_b).user


@pytest.fixture
def manager_a(region_a):
    manager = StaffFactory(email="manager.emea@example.com")
    manager.regions.add(region_a)
    from prm.accounts.roles import sync_staff_groups

    sync_staff_groups(manager)
    return manager


@pytest.fixture
def executive_a(region_a):
    from prm.accounts.models import User
    from prm.accounts.roles import sync_staff_groups

    executive = StaffFactory(email="exec.emea@example.com", staff_role=User.StaffRole.EXECUTIVE)
    executive.regions.add(region_a)
    sync_staff_groups(executive)
    return executive


@pytest.fixture
def operator(db):
    from prm.accounts.models import User

    return UserFactory(email="operator@example.com", staff_role=User.StaffRole.OPERATOR)
