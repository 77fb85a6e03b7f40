"""CRM import steps under real row locks (PostgreSQL): two copies of a step at once run it once, and the sweep
never queues again a step that a worker is running. Skipped on SQLite (no row locks there)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from dealreg import imports
from dealreg.models import Deal, ImportJob
from dealreg.services import imports as import_services
from dealreg.services.imports import LOST_DISPATCH_AFTER, import_job_commit, import_jobs_sweep
from prm.tenancy.scoping import unscoped
from tests.concurrency import run_together

from .test_vendor_import import DEALS_HEADER, upload

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def committing_job(operator, partner, *, rows=3, queued_at=None) -> ImportJob:
    text = DEALS_HEADER + "".join(
        f"{partner.pk},H-{n},Customer {n},c{n}.de,DE,10,EUR,2025-06-30,,submitted,,,,,\n" for n in range(rows))
    return ImportJob.objects.create(kind=ImportJob.Kind.DEALS, file=upload("deals.csv", text), created_by=operator,
                                    status=ImportJob.Status.COMMITTING, queued_at=queued_at or timezone.now(),
                                    dispatch_count=1)


def test_two_copies_of_the_write_at_once_write_once(operator, partner_a, monkeypatch):
    job = committing_job(operator, partner_a)
    real_validate = imports.validate

    def slow_validate(job, progress=None):
        result = real_validate(job, progress=progress)
        time.sleep(0.5)  # without the row lock, the second copy would pass its status check in this window
        return result

    monkeypatch.setattr(imports, "validate", slow_validate)
    results = run_together(lambda: import_job_commit(job_id=job.pk), lambda: import_job_commit(job_id=job.pk))
    assert sorted(type(r).__name__ for r in results) == ["ImportJob", "NoneType"], results
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.created_rows == 3
    with unscoped():
        assert Deal.objects.filter(partner=partner_a).count() == 3


def test_the_sweep_leaves_a_running_step_alone(operator, partner_a, monkeypatch):
    job = committing_job(operator, partner_a, queued_at=timezone.now() - LOST_DISPATCH_AFTER * 2)
    queued = []
    monkeypatch.setattr(import_services, "_enqueue", lambda step, job_id: queued.append((step, job_id)))
    holding, release = threading.Event(), threading.Event()

    def running_worker():
        try:
            with transaction.atomic():
                ImportJob.objects.select_for_update().get(pk=job.pk)  # what a running step holds
                holding.set()
                release.wait(10)
        finally:
            connections.close_all()

    worker = threading.Thread(target=running_worker)
    worker.start()
    try:
        assert holding.wait(5)
        assert import_jobs_sweep() == 0 and queued == []
    finally:
        release.set()
        worker.join(10)
    # the worker died without finishing (its lock went with its connection): now the sweep queues it again
    assert import_jobs_sweep() == 1 and queued == [("commit", job.pk)]
