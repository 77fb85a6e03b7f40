"""CRM import jobs: upload, check every row in the background, confirm, write in one transaction.

The job row records status, counts and row errors; live progress goes through the cache because a
step's transaction hides its own row updates from the page polling it.

Self-healing, like the notification outbox: each step is dispatched after commit, and a dispatch lost
then (broker down) or a worker that died mid-step leaves the job in VALIDATING or COMMITTING. The sweep
(``import_jobs_sweep``, every few minutes) queues such steps again. So a step may run twice, or two
copies at once, and tolerates it: a worker runs a step only while it holds the job's row lock
(SELECT … FOR UPDATE SKIP LOCKED, held for the whole step) and the job is still in that step's status.
A second copy finds the row locked or the status moved on and does nothing; the sweep skips locked rows,
so it never queues a step that is running. Checking writes nothing; the commit marks the job DONE in the
same transaction as its rows. A step that keeps dying (MAX_ATTEMPTS) or never gets a worker
(MAX_DISPATCHES) ends FAILED with the reason, for the operator to see.
"""

import logging
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg import imports
from dealreg.models import ImportJob
from prm.common.audit import audit

logger = logging.getLogger(__name__)

PROGRESS_TTL = 6 * 3600
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# A step queued this long ago that no worker holds is queued again (the sweep runs every two minutes).
LOST_DISPATCH_AFTER = timedelta(minutes=5)
MAX_DISPATCHES = 12  # about an hour of sweeps without any worker taking the step: give up, say so
MAX_ATTEMPTS = 3  # workers that began the step and died: a file that kills workers is not retried forever
SWEEP_BATCH = 100


def progress_key(job_id: int) -> str:
    return f"dealreg:import:{job_id}:progress"


def import_job_progress(*, job: ImportJob) -> tuple[int, int]:
    """(rows processed, rows in total) while running; the job's own counts otherwise."""
    if job.is_running:
        cached = cache.get(progress_key(job.pk))
        if cached:
            return cached
    return job.processed_rows, job.total_rows


def _reporter(job_id: int, *, half: int = 0):
    """Progress to the cache; ``half`` 1 or 2 maps a step onto the first or second half of the bar."""

    def report(done: int, total: int) -> None:
        if half:
            done = done // 2 + (total // 2 if half == 2 else 0)
        cache.set(progress_key(job_id), (min(done, total), total), PROGRESS_TTL)

    return report


@transaction.atomic
def import_job_create(*, kind: str, upload, actor) -> ImportJob:
    """Store the file (private storage) and queue the check of every row."""
    if kind not in ImportJob.Kind.values:
        raise ValidationError(_("Choose what the file contains."))
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The file is larger than %(mb)d MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    job = ImportJob.objects.create(kind=kind, file=upload, original_name=upload.name[:255], created_by=actor,
                                   status=ImportJob.Status.VALIDATING, queued_at=timezone.now(), dispatch_count=1)
    audit(actor=actor, action="dealreg.import.uploaded", target=job, data={"kind": kind, "file": job.original_name})
    transaction.on_commit(lambda: _enqueue("validate", job.pk))
    return job


def _enqueue(step: str, job_id: int) -> None:
    from kombu.exceptions import OperationalError

    from dealreg import tasks_imports

    task = tasks_imports.import_validate if step == "validate" else tasks_imports.import_commit
    try:
        task.delay(job_id=job_id)
    except (OperationalError, OSError):
        # The broker is down: the job keeps its status and the sweep queues the step again.
        logger.warning("Could not queue the %s step of import %s; the sweep will.", step, job_id, exc_info=True)


def _step_of(status: str) -> str:
    return "validate" if status == ImportJob.Status.VALIDATING else "commit"


def _fail(job: ImportJob, message: str) -> None:
    job.status = ImportJob.Status.FAILED
    job.errors = [{"row": 0, "field": "", "message": message}]
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "errors", "finished_at"])


def _begin(job_id: int, status: str) -> bool:
    """Record that a worker begins the step (its own short transaction, so the admin sees it at once).

    False when another worker holds the job (its row is locked), the step is over, or the step has been
    begun MAX_ATTEMPTS times already (then the job is failed with that reason).
    """
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(skip_locked=True).filter(pk=job_id, status=status).first()
        if job is None:
            return False
        if job.attempts >= MAX_ATTEMPTS:
            _fail(job, _("The import stopped %(count)d times before finishing and was given up; nothing was "
                         "written. Upload the file again, or split it.") % {"count": job.attempts})
            return False
        job.started_at = timezone.now()
        job.attempts = F("attempts") + 1
        job.save(update_fields=["started_at", "attempts"])
    return True


def _hold(job_id: int, status: str) -> ImportJob | None:
    """The job, row-locked until the caller's transaction ends, if it is still in ``status`` and nobody holds it."""
    return ImportJob.objects.select_for_update(skip_locked=True).filter(pk=job_id, status=status).first()


def import_job_validate(*, job_id: int) -> ImportJob | None:
    """Check every row and keep the result (errors, preview, counts). Writes no imported row.

    Idempotent and safe to run twice at once: see the module docstring. Run it outside a transaction.
    """
    if not _begin(job_id, ImportJob.Status.VALIDATING):
        return None  # running elsewhere, already checked (a re-delivered or re-queued task), or gone
    with transaction.atomic():
        job = _hold(job_id, ImportJob.Status.VALIDATING)
        if job is None:
            return None
        try:
            with transaction.atomic():  # a database error while checking leaves the job's transaction usable
                result, _objects, _importer = imports.validate(job, progress=_reporter(job.pk))
        except Exception as error:  # an unreadable file must not leave the job checking forever
            logger.exception("Import %s could not be checked", job.pk)
            _fail(job, _("The file could not be checked: %(error)s") % {"error": error})
            cache.delete(progress_key(job.pk))
            return job
        _store(job, result, status=ImportJob.Status.VALID if result.is_valid else ImportJob.Status.INVALID,
               processed=result.total)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "total_rows", "processed_rows", "error_count", "errors", "preview",
                                "created_rows", "updated_rows", "finished_at"])
    cache.delete(progress_key(job.pk))
    return job


def _store(job: ImportJob, result: imports.Result, *, status: str, processed: int) -> None:
    job.status = status
    job.total_rows = result.total
    job.processed_rows = processed
    job.error_count = result.error_count
    job.errors = result.errors
    job.preview = result.preview
    job.created_rows, job.updated_rows = result.created, result.updated


def import_job_confirm(*, job: ImportJob, actor) -> bool:
    """The operator confirms a checked file: queue the write (once, however often they click)."""
    claimed = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALID).update(
        status=ImportJob.Status.COMMITTING, processed_rows=0, finished_at=None, queued_at=timezone.now(),
        dispatch_count=1, started_at=None, attempts=0)
    if claimed:
        audit(actor=actor, action="dealreg.import.confirmed", target=job)
        transaction.on_commit(lambda: _enqueue("commit", job.pk))
    return bool(claimed)


def import_job_commit(*, job_id: int) -> ImportJob | None:
    """Check again, then write every row in one transaction together with the job's DONE status.

    Holds the job's row lock throughout, so a second copy of the task (re-delivered, or queued again by
    the sweep) waits for nothing and writes nothing. A failure rolls the rows back and says so on the job.
    """
    if not _begin(job_id, ImportJob.Status.COMMITTING):
        return None
    failure = None
    with transaction.atomic():
        job = _hold(job_id, ImportJob.Status.COMMITTING)
        if job is None:
            return None
        try:
            with transaction.atomic():  # the rows and DONE together; on failure only this part rolls back
                # The bar: checking is the first half, writing the second.
                result, objects, importer = imports.validate(job, progress=_reporter(job.pk, half=1))
                if not result.is_valid:
                    _store(job, result, status=ImportJob.Status.FAILED, processed=0)
                    job.finished_at = timezone.now()
                    job.save()
                    return job
                write_progress = _reporter(job.pk, half=2)
                written = 0
                for batch in imports._chunks(objects, imports.BATCH * 5):
                    written += importer.write(batch)
                    write_progress(written, result.total)
                _store(job, result, status=ImportJob.Status.DONE, processed=result.total)
                job.finished_at = timezone.now()
                job.save()
                audit(actor=job.created_by, action="dealreg.import.done", target=job,
                      data={"kind": job.kind, "created": result.created, "updated": result.updated})
        except Exception as error:  # nothing was written; say so on the job (kept: the outer transaction)
            failure = error
            _fail(job, _("Nothing was imported: %(error)s") % {"error": error})
        finally:
            cache.delete(progress_key(job.pk))
    if failure is not None:
        raise failure
    return job


# --- the sweep -----------------------------------------------------------------------------------------


def import_jobs_sweep(*, now=None) -> int:
    """Queue again the steps whose dispatch was lost or whose worker died; returns how many were queued.

    A job is due when it is checking or importing, was (last) queued LOST_DISPATCH_AFTER ago, and no
    worker holds its row lock (a running step holds it, so it is never queued twice while it runs).
    After MAX_DISPATCHES the job is failed with the reason instead. Runs periodically (prm/schedule.py).
    """
    now = now or timezone.now()
    cutoff = now - LOST_DISPATCH_AFTER
    due = (Q(queued_at__lt=cutoff) | Q(queued_at__isnull=True, created_at__lt=cutoff))
    running = ImportJob.objects.filter(due, status__in=ImportJob.RUNNING_STATUSES)
    queued = 0
    for job_id in list(running.order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH]):
        with transaction.atomic():
            job = running.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None:
                continue  # a worker holds it (running), or it moved on meanwhile
            if job.dispatch_count >= MAX_DISPATCHES:
                _fail(job, _("No worker took this import after it was queued %(count)d times; nothing was written. "
                             "Check that the background workers run, then upload the file again.")
                      % {"count": job.dispatch_count})
                logger.error("Import %s failed: never taken by a worker", job.pk)
                continue
            job.queued_at = now
            job.dispatch_count = F("dispatch_count") + 1
            job.save(update_fields=["queued_at", "dispatch_count"])
            step = _step_of(job.status)
            transaction.on_commit(lambda step=step, pk=job.pk: _enqueue(step, pk))
            queued += 1
    if queued:
        logger.warning("Import sweep queued %s stalled import steps again", queued)
    return queued
