"""CRM imports heal themselves: a step whose dispatch was lost (broker down at commit) or whose worker died is
queued again by the sweep; a step that runs twice writes once; a step that never starts or keeps dying ends
FAILED with the reason; the admin says where a queued step stands."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from dealreg import imports, tasks_imports
from dealreg.models import Deal, ImportJob, VendorAccount
from dealreg.services.imports import (
    LOST_DISPATCH_AFTER,
    MAX_ATTEMPTS,
    MAX_DISPATCHES,
    import_job_commit,
    import_job_confirm,
    import_job_create,
    import_job_validate,
    import_jobs_sweep,
)
from prm.tenancy.scoping import unscoped

from .test_vendor_import import DEALS_HEADER, accounts_csv, upload

pytestmark = pytest.mark.django_db

LATER = LOST_DISPATCH_AFTER + timedelta(minutes=1)


@pytest.fixture
def broker_down(monkeypatch):
    """Every .delay() of the import steps fails as with Redis down; ``broker_down.restore()`` brings it back."""

    class Broker:
        calls = 0

        def restore(self):
            monkeypatch.undo()

    broker = Broker()

    def refuse(**kwargs):
        broker.calls += 1
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks_imports.import_validate, "delay", refuse)
    monkeypatch.setattr(tasks_imports.import_commit, "delay", refuse)
    return broker


def created_job(operator, capture, text=None, kind=ImportJob.Kind.VENDOR_ACCOUNTS) -> ImportJob:
    with capture(execute=True):
        job = import_job_create(kind=kind, upload=upload("a.csv", text or accounts_csv(5)), actor=operator)
    job.refresh_from_db()
    return job


def sweep(capture, *, at) -> int:
    with capture(execute=True):
        return import_jobs_sweep(now=at)


def test_a_check_lost_at_dispatch_is_queued_again_by_the_sweep(operator, broker_down,
                                                               django_capture_on_commit_callbacks):
    job = created_job(operator, django_capture_on_commit_callbacks)
    assert broker_down.calls == 1
    assert (job.status, job.dispatch_count, job.started_at) == (ImportJob.Status.VALIDATING, 1, None)
    assert job.is_waiting
    broker_down.restore()
    assert sweep(django_capture_on_commit_callbacks, at=timezone.now()) == 0  # not lost yet: just queued
    assert sweep(django_capture_on_commit_callbacks, at=timezone.now() + LATER) == 1
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.dispatch_count, job.attempts) == (ImportJob.Status.VALID, 5, 2, 1)
    assert sweep(django_capture_on_commit_callbacks, at=timezone.now() + 2 * LATER) == 0  # finished: left alone


def test_a_lost_write_is_queued_again_and_writes_once(operator, broker_down, django_capture_on_commit_callbacks):
    broker_down.restore()
    job = created_job(operator, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.VALID
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks_imports.import_commit, "delay", lambda **kwargs: (_ for _ in ()).throw(OSError("down")))
        with django_capture_on_commit_callbacks(execute=True):
            assert import_job_confirm(job=job, actor=operator)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.COMMITTING and not VendorAccount.objects.exists()
    assert sweep(django_capture_on_commit_callbacks, at=timezone.now() + LATER) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and VendorAccount.objects.count() == 5


def test_each_step_tolerates_running_twice(operator, partner_a, django_capture_on_commit_callbacks, settings):
    """Historical registrations are plain inserts: a second write would duplicate every row."""
    text = DEALS_HEADER + "".join(
        f"{partner_a.pk},H-{n},Customer {n},c{n}.de,DE,10,EUR,2025-06-30,,submitted,,,,,\n" for n in range(3))
    job = created_job(operator, django_capture_on_commit_callbacks, text=text, kind=ImportJob.Kind.DEALS)
    assert job.status == ImportJob.Status.VALID
    assert import_job_validate(job_id=job.pk) is None  # a re-delivered check: nothing to do
    with django_capture_on_commit_callbacks(execute=True):
        import_job_confirm(job=job, actor=operator)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert import_job_commit(job_id=job.pk) is None  # a re-delivered write, or one the sweep queued again
    tasks_imports.import_commit.delay(job_id=job.pk)
    with unscoped():
        assert Deal.objects.filter(partner=partner_a).count() == 3


def test_a_worker_that_died_mid_step_is_queued_again(operator, django_capture_on_commit_callbacks):
    job = created_job(operator, django_capture_on_commit_callbacks)
    # as left by a worker killed while writing: the write rolled back, the status stayed
    earlier = timezone.now() - LATER
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTING, queued_at=earlier,
                                               started_at=earlier, attempts=1, dispatch_count=1)
    assert sweep(django_capture_on_commit_callbacks, at=timezone.now()) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (ImportJob.Status.DONE, 2) and VendorAccount.objects.count() == 5


def test_a_step_that_keeps_dying_is_given_up_with_the_reason(operator, django_capture_on_commit_callbacks):
    job = created_job(operator, django_capture_on_commit_callbacks)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.COMMITTING, attempts=MAX_ATTEMPTS)
    assert import_job_commit(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "stopped 3 times" in job.errors[0]["message"]
    assert not VendorAccount.objects.exists()


def test_a_step_no_worker_takes_is_given_up_with_the_reason(operator, broker_down,
                                                            django_capture_on_commit_callbacks):
    job = created_job(operator, django_capture_on_commit_callbacks)
    at = timezone.now()
    for _ in range(MAX_DISPATCHES - 1):
        at += LATER
        assert sweep(django_capture_on_commit_callbacks, at=at) == 1
    job.refresh_from_db()
    assert job.dispatch_count == MAX_DISPATCHES and job.status == ImportJob.Status.VALIDATING
    assert sweep(django_capture_on_commit_callbacks, at=at + LATER) == 0
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "No worker took this import" in job.errors[0]["message"]


def test_an_unexpected_error_while_checking_fails_the_job(operator, monkeypatch, django_capture_on_commit_callbacks):
    def explode(job, progress=None):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(imports, "validate", explode)
    job = created_job(operator, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED and "disk on fire" in job.errors[0]["message"]


def test_the_admin_says_where_a_queued_step_stands(client, operator, broker_down,
                                                   django_capture_on_commit_callbacks):
    job = created_job(operator, django_capture_on_commit_callbacks)
    client.force_login(operator)
    detail = reverse("admin:dealreg_importjob_change", args=[job.pk])
    assert "Waiting for a background worker since" in client.get(detail).content.decode()
    assert "Waiting for a background worker" in client.get(reverse("admin:dealreg_importjob_changelist")).content.decode()
    sweep(django_capture_on_commit_callbacks, at=timezone.now() + LATER)  # the broker is still down
    page = client.get(detail).content.decode()
    assert "Queued again automatically (2 times so far)" in page
    ImportJob.objects.filter(pk=job.pk).update(started_at=timezone.now() + LATER, attempts=2)
    page = client.get(reverse("admin:dealreg_importjob_progress", args=[job.pk])).content.decode()
    assert "Running since" in page and "Attempt 2 of 3" in page
    broker_down.restore()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.VALID)
    page = client.get(detail).content.decode()
    assert "Waiting for" not in page and "Running since" not in page


def test_the_sweep_is_a_registered_global_task():
    from prm.celery import app
    from prm.tenancy.tasks import GlobalTask

    app.loader.import_default_modules()
    assert isinstance(app.tasks["dealreg.imports_sweep"], GlobalTask)
