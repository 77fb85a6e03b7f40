"""CRM import jobs: upload, check every row in the background, confirm, write in one transaction.

The job row records status, counts and row errors; live progress goes through the cache because the
commit's transaction hides its own row updates from the page polling it. Tasks are re-delivered when
a worker dies (acks_late), so each step claims its job with a conditional update and is idempotent:
checking writes nothing, and the commit marks the job DONE in the same transaction as its rows.
"""

import logging

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg import imports
from dealreg.models import ImportJob
from prm.common.audit import audit

logger = logging.getLogger(__name__)

PROGRESS_TTL = 6 * 3600
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


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
                                   status=ImportJob.Status.VALIDATING)
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
        # The broker is down: the job keeps its status; the operator sees it not moving and retries.
        logger.warning("Could not queue the %s step of import %s.", step, job_id, exc_info=True)


def import_job_validate(*, job_id: int) -> ImportJob | None:
    """Check every row and keep the result (errors, preview, counts). Writes no imported row."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.VALIDATING).first()
    if job is None:
        return None  # already checked (a re-delivered task) or gone
    result, _objects, _importer = imports.validate(job, progress=_reporter(job.pk))
    _store(job, result, status=ImportJob.Status.VALID if result.is_valid else ImportJob.Status.INVALID,
           processed=result.total)
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.VALIDATING).update(
        status=job.status, total_rows=job.total_rows, processed_rows=job.processed_rows, error_count=job.error_count,
        errors=job.errors, preview=job.preview, created_rows=job.created_rows, updated_rows=job.updated_rows,
        finished_at=timezone.now(),
    )
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
        status=ImportJob.Status.COMMITTING, processed_rows=0, finished_at=None)
    if claimed:
        audit(actor=actor, action="dealreg.import.confirmed", target=job)
        transaction.on_commit(lambda: _enqueue("commit", job.pk))
    return bool(claimed)


def import_job_commit(*, job_id: int) -> ImportJob | None:
    """Check again, then write every row in one transaction together with the job's DONE status."""
    job = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.COMMITTING).first()
    if job is None:
        return None
    # The bar: checking is the first half, writing the second.
    result, objects, importer = imports.validate(job, progress=_reporter(job.pk, half=1))
    if not result.is_valid:
        _store(job, result, status=ImportJob.Status.FAILED, processed=0)
        job.finished_at = timezone.now()
        job.save()
        cache.delete(progress_key(job.pk))
        return job
    write_progress = _reporter(job.pk, half=2)
    try:
        with transaction.atomic():
            written = 0
            for batch in imports._chunks(objects, imports.BATCH * 5):
                written += importer.write(batch)
                write_progress(written, result.total)
            _store(job, result, status=ImportJob.Status.DONE, processed=result.total)
            job.finished_at = timezone.now()
            job.save()
            audit(actor=job.created_by, action="dealreg.import.done", target=job,
                  data={"kind": job.kind, "created": result.created, "updated": result.updated})
    except Exception as error:  # the rows were rolled back; say so on the job
        job.refresh_from_db()
        job.status = ImportJob.Status.FAILED
        job.errors = [{"row": 0, "field": "", "message": _("Nothing was imported: %(error)s") % {"error": error}}]
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "errors", "finished_at"])
        raise
    finally:
        cache.delete(progress_key(job.pk))
    return job
