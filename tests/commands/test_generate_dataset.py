"""generate_dataset: bulk synthetic partners and people, recognisable, top-up idempotent, reset, extensible steps."""

import io
from collections import Counter

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.management.commands import generate_dataset as gd
from partners.models import Membership, PartnerOrganization
from prm.accounts.models import User
from prm.tenancy.scoping import unscoped

pytestmark = pytest.mark.django_db


def generate(*args) -> str:
    out = io.StringIO()
    call_command("generate_dataset", *args, stdout=out)
    return out.getvalue()


def synthetic_counts() -> dict:
    users = User.objects.filter(email__endswith="@synthetic.example")
    with unscoped():
        return {
            "partners": gd.synthetic_partners().count(), "users": users.count(),
            "emails": EmailAddress.objects.filter(user__in=users, verified=True, primary=True).count(),
            "memberships": Membership.objects.filter(partner__in=gd.synthetic_partners()).count(),
        }


def test_creates_partners_and_their_people():
    output = generate("--partners", "50")
    assert synthetic_counts() == {"partners": 50, "users": 150, "emails": 150, "memberships": 150}
    assert "rows/s" in output
    names = sorted(gd.synthetic_partners().values_list("name", flat=True))
    assert names[0] == "Synthetic Partner 000001" and names[-1] == "Synthetic Partner 000050"
    with unscoped():
        memberships = list(Membership.objects.select_related("user", "partner"))
    assert Counter(m.partner_id for m in memberships if m.role == Membership.Role.ADMIN) == {
        pk: 1 for pk in gd.synthetic_partners().values_list("pk", flat=True)
    }
    assert all(m.user.preferred_language == m.partner.default_language for m in memberships)
    assert PartnerOrganization.objects.get(name="Synthetic Partner 000001").status == "active"


def test_rows_are_written_in_bulk_not_one_by_one():
    with CaptureQueriesContext(connection) as queries:
        generate("--partners", "50", "--users-per-partner", "4")
    assert synthetic_counts()["users"] == 200
    inserts = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("INSERT")]
    # Partners, users, e-mail addresses, memberships (+ four regions), tier programs, tiers, regional
    # exceptions, tier states, registrations and MDF funds, activities, claims, payments and ledger
    # entries, enablement enrollments and awards (+ the first time, the learning catalogue: nine tables):
    # one statement each, not one per row.
    assert len(inserts) <= 29, len(inserts)


def test_one_password_hash_signs_everyone_in(client):
    generate("--partners", "3")
    hashes = set(User.objects.filter(email__endswith="@synthetic.example").values_list("password", flat=True))
    assert len(hashes) == 1
    assert client.login(email=gd.user_email(2, 1), password=gd.SYNTHETIC_PASSWORD)


def test_second_run_adds_nothing_and_a_larger_size_tops_up():
    generate("--partners", "50")
    assert "nothing to add" in generate("--partners", "50")
    assert synthetic_counts()["partners"] == 50
    generate("--partners", "60")
    assert synthetic_counts() == {"partners": 60, "users": 180, "emails": 180, "memberships": 180}


def test_reset_replaces_the_synthetic_rows_and_nothing_else(partner_a, admin_a):
    generate("--partners", "50")
    before = set(gd.synthetic_partners().values_list("pk", flat=True))
    generate("--partners", "50", "--reset")
    assert synthetic_counts() == {"partners": 50, "users": 150, "emails": 150, "memberships": 150}
    assert before.isdisjoint(gd.synthetic_partners().values_list("pk", flat=True))
    generate("--partners", "0", "--reset")
    assert synthetic_counts() == {"partners": 0, "users": 0, "emails": 0, "memberships": 0}
    assert PartnerOrganization.objects.filter(pk=partner_a.pk).exists()
    assert User.objects.filter(pk=admin_a.pk).exists()


def test_steps_are_a_registry_later_generators_extend():
    assert [s.name for s in gd.STEPS][:2] == ["partners", "people"]
    seen = {}

    def build_extra(ctx):
        seen["partners"] = dict(ctx.partner_ids)
        seen["users"] = dict(ctx.user_ids)
        ctx.rows["extra"] = 0

    extra = gd.Step(name="extra", build=build_extra, reset=lambda: 0)
    report = gd.generate_dataset(partners=5, users_per_partner=2, steps=[*gd.STEPS, extra])
    assert sorted(seen["partners"]) == [1, 2, 3, 4, 5]
    assert len(seen["users"]) == 10
    assert report.rows["partners"] == 5 and "extra" in report.rows


def test_refuses_production_and_bad_sizes(settings):
    with pytest.raises(CommandError):
        generate("--partners", "5", "--users-per-partner", "0")
    settings.PRM_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        generate("--partners", "5")
    assert synthetic_counts()["partners"] == 0
