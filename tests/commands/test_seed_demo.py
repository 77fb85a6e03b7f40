"""seed_demo: a believable, idempotent demo program, its logins (table + JSON), and no production runs."""

import io
import json
import re
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from partners.management.commands.seed_demo import COUNTRIES, DEMO_PASSWORD, REGIONS, build_plan
from partners.models import Invitation, Membership, PartnerOrganization, Region
from prm.accounts.models import User
from prm.accounts.roles import CHANNEL_MANAGERS
from prm.tenancy.scoping import partner_scope, unscoped

LOGIN_KEYS = {"role", "email", "password", "partner", "region", "language"}
ROLES = {"partner_admin", "partner_user", "channel_manager", "executive", "operator"}
pytestmark = pytest.mark.django_db


def seed(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, **kwargs)
    return out.getvalue()


def counts() -> dict:
    with unscoped():
        return {
            "regions": Region.objects.count(), "partners": PartnerOrganization.objects.count(),
            "users": User.objects.count(), "emails": EmailAddress.objects.count(),
            "memberships": Membership.objects.count(), "invitations": Invitation.objects.count(),
        }


def test_builds_a_believable_program():
    seed()
    partners = list(PartnerOrganization.objects.select_related("region", "channel_manager"))
    assert len(partners) >= 40
    assert set(Region.objects.values_list("code", flat=True)) == set(REGIONS) and Region.objects.count() == 4
    assert len({p.country for p in partners}) >= 8
    assert {p.default_language for p in partners} == {"en", "de", "fr", "es", "ja"}
    assert {p.partner_type for p in partners} == set(PartnerOrganization.PartnerType.values)
    statuses = Counter(p.status for p in partners)
    assert set(statuses) == set(PartnerOrganization.Status.values)
    assert statuses[PartnerOrganization.Status.ACTIVE] > len(partners) / 2  # mostly active
    names = {p.name for p in partners}
    assert {"Nordlicht IT GmbH", "Sakura Systems KK", "Lumière Conseil SAS", "Soluciones Andinas SA"} <= names

    for p in partners:
        assert p.country in p.region.countries, p
        assert p.currency == COUNTRIES[p.country][1], p
        assert p.channel_manager.staff_role == User.StaffRole.CHANNEL_MANAGER
        assert p.region in p.channel_manager.regions.all(), p
    assert {p.default_language for p in partners if p.country == "DE"} == {"de"}
    assert {p.default_language for p in partners if p.country == "JP"} == {"ja"}


def test_staff_two_managers_per_region_an_executive_and_an_operator():
    seed()
    for region in Region.objects.all():
        managers = User.objects.filter(staff_role=User.StaffRole.CHANNEL_MANAGER, regions=region)
        assert managers.count() == 2, region
        assert all(m.is_staff and not m.is_superuser for m in managers)
        assert all(m.groups.filter(name=CHANNEL_MANAGERS).exists() for m in managers)
    executive = User.objects.get(staff_role=User.StaffRole.EXECUTIVE)
    assert executive.regions.count() == 4
    operator = User.objects.get(staff_role=User.StaffRole.OPERATOR)
    assert operator.is_superuser and operator.is_staff


def test_people_members_and_languages():
    seed()
    with unscoped():
        memberships = list(Membership.objects.select_related("user", "partner"))
    assert memberships
    for m in memberships:
        assert m.user.preferred_language == m.partner.default_language, m
        assert m.user.check_password(DEMO_PASSWORD)
        if m.role == Membership.Role.ADMIN:
            assert m.can_manage_users and m.can_register_deals and m.can_claim_mdf
        else:
            assert not m.can_manage_users
    by_partner = Counter(m.partner.status for m in memberships if m.is_active)
    assert by_partner[PartnerOrganization.Status.OFFBOARDED] == 0  # offboarding closed every membership
    prospect = PartnerOrganization.objects.get(status=PartnerOrganization.Status.PROSPECT)
    with partner_scope(prospect):
        assert not Membership.objects.exists()  # an applicant: nobody has a login yet
    # Every partner with people has exactly one admin, and rows sit in their own partner's scope.
    nordlicht = PartnerOrganization.objects.get(name="Nordlicht IT GmbH")
    with partner_scope(nordlicht):
        assert Membership.objects.filter(role=Membership.Role.ADMIN).count() == 1
        assert Membership.objects.count() == 4
        assert Invitation.objects.pending().count() == 1
    # Everyone can sign in with mandatory e-mail verification.
    users = User.objects.all()
    verified = EmailAddress.objects.filter(verified=True, primary=True)
    assert verified.count() == users.count()
    assert set(verified.values_list("email", flat=True)) == set(users.values_list("email", flat=True))


def test_logins_json_and_table(tmp_path):
    path = tmp_path / "out" / "logins.json"
    output = seed(logins_json=str(path))
    logins = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(logins, list) and logins
    assert all(set(row) == LOGIN_KEYS for row in logins)
    assert {row["role"] for row in logins} == ROLES
    assert all(row["password"] == DEMO_PASSWORD for row in logins)
    assert len({row["email"] for row in logins}) == len(logins) == User.objects.count()

    status = dict(PartnerOrganization.objects.values_list("name", "status"))
    partner_rows = [(i, status[row["partner"]]) for i, row in enumerate(logins) if row["partner"]]
    # Newcomers start with fully active partners: they come first, before any other partner's logins.
    assert logins[0]["role"] == "partner_admin" and status[logins[0]["partner"]] == "active"
    first_inactive = min(i for i, s in partner_rows if s != "active")
    assert all(s == "active" for i, s in partner_rows if i < first_inactive)
    assert all(s != "active" for i, s in partner_rows if i > first_inactive)
    assert {logins[0]["language"], *(r["language"] for r in logins[:20])} == {"en", "de", "fr", "es", "ja"}

    # The printed table: every login on one line, columns aligned.
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if re.match(r"^role\s+e-mail\s+password", line))
    rows = lines[header + 2: header + 2 + len(logins)]
    assert [line.split()[1] for line in rows] == [row["email"] for row in logins]
    assert len({line.index(DEMO_PASSWORD) for line in rows}) == 1
    assert len({line.index(row["region"]) for line, row in zip(rows, logins, strict=True)}) == 1


def test_running_twice_keeps_the_demo_and_reset_rebuilds_it(tmp_path):
    seed()
    first = counts()
    nordlicht_pk = PartnerOrganization.objects.get(name="Nordlicht IT GmbH").pk
    output = seed(logins_json=str(tmp_path / "logins.json"))
    assert "already exists" in output
    assert counts() == first
    assert json.loads((tmp_path / "logins.json").read_text()) == build_plan().logins()

    output = seed("--reset")
    assert counts() == first
    assert PartnerOrganization.objects.get(name="Nordlicht IT GmbH").pk != nordlicht_pk


def test_reset_leaves_other_partners_alone(partner_a, admin_a):
    seed()
    seed("--reset")
    assert PartnerOrganization.objects.filter(pk=partner_a.pk).exists()
    assert User.objects.filter(pk=admin_a.pk).exists()


def test_partial_demo_is_refused():
    seed()
    User.objects.filter(email=build_plan().emails[-1]).delete()
    with pytest.raises(CommandError, match="--reset"):
        seed()


def test_refuses_a_production_configuration(settings):
    settings.PRM_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        seed()
    assert PartnerOrganization.objects.count() == 0 and User.objects.count() == 0


def test_a_demo_partner_admin_signs_in_and_reaches_the_portal(client, tmp_path):
    path = tmp_path / "logins.json"
    seed(logins_json=str(path))
    admin = json.loads(path.read_text())[0]
    # Through allauth's own form: with mandatory verification an unverified address would be sent to confirm.
    response = client.post("/accounts/login/", {"login": admin["email"], "password": admin["password"]})
    assert response.status_code == 302 and "confirm" not in response.url
    client.logout()
    assert client.login(email=admin["email"], password=admin["password"])
    user = User.objects.get(email=admin["email"])
    with unscoped():
        membership = Membership.objects.select_related("partner").get(user=user)
    assert membership.partner.name == admin["partner"] and membership.is_admin
    try:
        get_template("partners/portal/home.html")
    except TemplateDoesNotExist:
        pytest.skip("the portal home template is not built yet; login and membership checked")
    response = client.get("/portal/")
    assert response.status_code == 200
    assert admin["partner"] in response.content.decode()
