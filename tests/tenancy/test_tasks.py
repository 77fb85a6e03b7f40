"""The partner task base opens the partner's scope and language; without partner_id it refuses."""

import pytest
from django.utils import translation

from partners.models import Membership
from prm.celery import app
from prm.tenancy.tasks import PartnerTask
from tests.factories import make_member


@app.task(base=PartnerTask, name="tests.scope_probe")
def scope_probe(*, partner_id):
    return {"members": sorted(Membership.objects.values_list("partner_id", flat=True)), "language": translation.get_language()}


@pytest.mark.django_db
def test_partner_task_runs_in_the_partners_scope_and_language(partner_a, partner_b):
    make_member(partner=partner_a)
    make_member(partner=partner_b)
    result = scope_probe.apply(kwargs={"partner_id": partner_b.pk}).get()
    assert result == {"members": [partner_b.pk], "language": "ja"}


@pytest.mark.django_db
def test_partner_task_without_partner_refuses():
    with pytest.raises(ValueError):
        scope_probe.apply(kwargs={"partner_id": None}).get()


@pytest.mark.django_db
def test_partner_task_for_a_deleted_partner_does_nothing():
    assert scope_probe.apply(kwargs={"partner_id": 987654}).get() is None


def test_reliability_settings():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.accept_content == ["json"] and app.conf.task_serializer == "json"
    assert app.conf.broker_transport_options["visibility_timeout"] >= 3600


@pytest.mark.django_db  # loading the task modules runs Django's checks through Celery's fixup
def test_every_scheduled_job_names_a_registered_task():
    from prm.schedule import BEAT_SCHEDULE

    app.loader.import_default_modules()
    assert BEAT_SCHEDULE, "the schedule is empty"
    for entry, job in BEAT_SCHEDULE.items():
        assert job["task"] in app.tasks, f"{entry}: {job['task']} is not a registered task"
