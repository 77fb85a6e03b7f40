"""Meta-tests: isolation holds by construction, for every model, URL and task that exists now or later."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django_scopes.exceptions import ScopeError

from partners.models import Invitation, Membership, PartnerOrganization
from prm.tenancy import ALLOWED_UNSCOPED_MODULES, CROSS_PARTNER_MODELS
from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import partner_scope
from tests.factories import make_invitation, make_member

REPO = Path(__file__).resolve().parents[2]


def partner_referencing_models():
    """Every model with a FK to the tenant, or a partner_id column."""
    found = []
    for model in apps.get_models():
        if model is PartnerOrganization:
            continue
        for field in model._meta.get_fields():
            points_at_partner = getattr(field, "related_model", None) is PartnerOrganization and field.many_to_one
            if points_at_partner or getattr(field, "attname", None) == "partner_id":
                found.append(model)
                break
    return found


def test_partner_models_are_found():
    labels = {m._meta.label for m in partner_referencing_models()}
    assert {"partners.Membership", "partners.Invitation"} <= labels


@pytest.mark.django_db
def test_every_partner_owned_model_fails_closed():
    for model in partner_referencing_models():
        if model._meta.label in CROSS_PARTNER_MODELS:
            continue
        assert issubclass(model, PartnerOwned), f"{model._meta.label} points at a partner but is not PartnerOwned"
        assert not model._meta.get_field("partner").null, f"{model._meta.label}.partner must be non-null"
        with pytest.raises(ScopeError):
            list(model.objects.all())
        with pytest.raises(ScopeError):
            model.objects.filter(pk=1).exists()
        # the only manager is the scoped one: no unscoped back door
        assert [m.name for m in model._meta.managers] == ["objects"], f"{model._meta.label} has a second manager"


@pytest.mark.django_db
def test_custom_queryset_methods_fail_closed_too():
    with pytest.raises(ScopeError):
        Invitation.objects.pending()


@pytest.mark.django_db
def test_scope_shows_only_own_rows(partner_a, partner_b):
    mine = make_member(partner=partner_a)
    make_member(partner=partner_b)
    with partner_scope(partner_a):
        assert list(Membership.objects.values_list("pk", flat=True)) == [mine.pk]


def test_partner_scope_refuses_none():
    with pytest.raises(ValueError):
        with partner_scope(None):
            pass


def test_cross_partner_models_are_real_models():
    labels = {m._meta.label for m in apps.get_models()}
    assert set(CROSS_PARTNER_MODELS) <= labels


def test_unscoped_access_only_in_allowed_modules():
    pattern = re.compile(r"\b(scopes_disabled|with_scopes_disabled|unscoped)\s*\(")
    offenders = []
    for path in REPO.rglob("*.py"):
        rel = path.relative_to(REPO).as_posix()
        if rel.startswith((".venv/", "tests/", ".run/")) or "/migrations/" in rel:
            continue
        if pattern.search(path.read_text(encoding="utf-8")) and rel not in ALLOWED_UNSCOPED_MODULES:
            offenders.append(rel)
    assert offenders == [], f"unscoped queries outside the allow-list: {offenders}"


def test_allow_list_has_no_stale_entries():
    missing = [rel for rel in ALLOWED_UNSCOPED_MODULES if not (REPO / rel).exists()]
    assert missing == [], f"allow-listed modules that do not exist: {missing}"


# --- Every portal URL that takes an object id answers 404 to a member of another partner ----------------

def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{entry.namespace}:" if entry.namespace else ""
            for route, name in _walk(entry.url_patterns, prefix + str(entry.pattern)):
                yield route, (ns + name if name and ns and not name.startswith(ns) else name)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.name


def portal_object_urls():
    return sorted(
        {name for route, name in _walk(get_resolver().url_patterns) if route.startswith("portal/") and "<" in route}
    )


def _make_acceptance(*, partner):
    from tests.partners.onboarding_factories import make_acceptance

    return make_acceptance(partner=partner)


# url name -> (factory(partner) -> kwargs, HTTP method). A new portal URL with an id must be added here.
PORTAL_OBJECT_URLS = {
    "partners:member_detail": (lambda p: {"pk": make_member(partner=p).pk}, "get"),
    "partners:member_remove": (lambda p: {"pk": make_member(partner=p).pk}, "post"),
    "partners:invitation_revoke": (lambda p: {"pk": make_invitation(partner=p, email="x@example.org")[0].pk}, "post"),
    "partners:agreement_pdf": (lambda p: {"pk": _make_acceptance(partner=p).pk}, "get"),
    # multi-partner deals (tests/dealreg/engine_helpers.py)
    "dealreg:shared_deal_detail": (lambda p: _dealreg_helpers().participation_of(p), "get"),
    "dealreg:shared_deal_respond": (lambda p: _dealreg_helpers().participation_of(p), "post"),
    "dealreg:participants": (lambda p: _dealreg_helpers().deal_of(p), "get"),
    "dealreg:participant_withdraw": (lambda p: _dealreg_helpers().deal_participant_of(p), "post"),
    "dealreg:deal_close_won": (lambda p: _dealreg_helpers().approved_deal_of(p), "get"),
    # deal registrations (tests/dealreg/registration_helpers.py)
    "dealreg:deal_detail": (lambda p: _registration_helpers().submitted_of(p), "get"),
    "dealreg:deal_edit": (lambda p: _registration_helpers().draft_of(p), "get"),
    "dealreg:deal_submit": (lambda p: _registration_helpers().draft_of(p), "post"),
    "dealreg:deal_withdraw": (lambda p: _registration_helpers().submitted_of(p), "post"),
    "dealreg:deal_delete": (lambda p: _registration_helpers().draft_of(p), "post"),
    "dealreg:extension_request": (lambda p: _registration_helpers().approved_of(p), "get"),
    # market development funds (tests/mdf/portal_helpers.py)
    "mdf:fund_detail": (lambda p: _mdf_helpers().fund_of(p), "get"),
    "mdf:activity_detail": (lambda p: _mdf_helpers().draft_of(p), "get"),
    "mdf:activity_edit": (lambda p: _mdf_helpers().draft_of(p), "get"),
    "mdf:activity_submit": (lambda p: _mdf_helpers().draft_of(p), "post"),
    "mdf:activity_cancel": (lambda p: _mdf_helpers().draft_of(p), "post"),
    "mdf:claim_start": (lambda p: _mdf_helpers().claimable_of(p), "post"),
    "mdf:claim_update": (lambda p: _mdf_helpers().draft_claim_of(p), "post"),
    "mdf:claim_submit": (lambda p: _mdf_helpers().draft_claim_of(p), "post"),
    "mdf:proof_add": (lambda p: _mdf_helpers().draft_claim_of(p), "post"),
    "mdf:claim_summary_pdf": (lambda p: _mdf_helpers().submitted_claim_of(p), "get"),
    "mdf:proof_download": (lambda p: _mdf_helpers().proof_of(p), "get"),
    "mdf:proof_remove": (lambda p: _mdf_helpers().proof_of(p), "post"),
    # enablement (tests/enablement/portal_helpers.py)
    "enablement:certificate_pdf": (lambda p: _enablement_helpers().award_of(p), "get"),
}

# Portal URLs keyed by the vendor's catalogue (a course code, a lesson, a path or an asset id), the same for every
# partner: any partner's member may open them, and they show and change only the requester's own progress
# (tests/enablement/test_portal_isolation.py). An id of a partner-owned row belongs in the table above.
PORTAL_CATALOGUE_URLS = {
    "enablement:course_detail", "enablement:course_enroll", "enablement:lesson_detail", "enablement:lesson_complete",
    "enablement:lesson_file", "enablement:quiz", "enablement:quiz_start", "enablement:path_choose",
    "enablement:asset_download", "enablement:asset_one_pager",
}


def _enablement_helpers():
    from tests.enablement import portal_helpers

    return portal_helpers


def _mdf_helpers():
    from tests.mdf import portal_helpers

    return portal_helpers


def _registration_helpers():
    from tests.dealreg import registration_helpers

    return registration_helpers


def _dealreg_helpers():
    from tests.dealreg import engine_helpers

    return engine_helpers


def test_every_portal_object_url_is_in_the_cross_partner_table():
    assert not PORTAL_CATALOGUE_URLS & set(PORTAL_OBJECT_URLS)
    assert sorted(set(PORTAL_OBJECT_URLS) | PORTAL_CATALOGUE_URLS) == portal_object_urls()


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", sorted(PORTAL_OBJECT_URLS))
def test_portal_object_url_answers_404_to_another_partner(client, url_name, partner_a, admin_a, admin_b):
    from django.urls import reverse

    make_kwargs, method = PORTAL_OBJECT_URLS[url_name]
    url = reverse(url_name, kwargs=make_kwargs(partner_a))
    client.force_login(admin_b)  # a partner admin elsewhere: every capability, wrong tenant
    response = getattr(client, method)(url)
    assert response.status_code == 404
    client.force_login(admin_a)
    own = getattr(client, method)(url)
    assert own.status_code in (200, 302)


# --- Every task of ours either opens a partner scope or is declared global -------------------------------

@pytest.mark.django_db  # loading the task modules runs Django's checks through Celery's fixup
def test_every_task_declares_its_scope():
    from prm.celery import app
    from prm.tenancy.tasks import GlobalTask, PartnerTask

    app.loader.import_default_modules()
    ours = [t for name, t in app.tasks.items() if not name.startswith("celery.")]
    assert ours, "no tasks registered: autodiscovery is broken"
    undeclared = [t.name for t in ours if not isinstance(t, (PartnerTask, GlobalTask))]
    assert undeclared == []
    for task in ours:
        assert task.acks_late and task.reject_on_worker_lost, task.name
        assert "." in task.name and not task.name.startswith(("prm.", "partners.tasks")), f"{task.name}: give it an explicit name"
