"""Completion import jobs (operators, in the admin): upload a completion export, a worker checks every row (the
dry run), the operator reads the errors and the preview and confirms, a worker writes the valid rows with
progress. Rows with errors stay listed on the job and are never imported.

Tasks are re-delivered when a worker dies (acks_late): each step claims its job by status, and writing is
idempotent by completion id, so running a step again records nothing twice. The job's counters are updated
after each chunk, which commits on its own: the admin page polling the job sees the progress bar move.
"""

import logging
import secrets

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from enablement import imports
from enablement.models import CompletionImport
from prm.common.audit import audit
from prm.common.uploads import CSV, check_upload

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
Status = CompletionImport.Status
RUNNING = (Status.VALIDATING, Status.IMPORTING)


def completion_import_is_running(job: CompletionImport) -> bool:
    return job.status in RUNNING


def completion_import_percent(job: CompletionImport) -> int:
    if not job.total_rows:
        return 0 if completion_import_is_running(job) else 100
    return min(100, int(job.processed_rows * 100 / job.total_rows))


@transaction.atomic
def completion_import_create(*, upload, actor) -> CompletionImport:
    """Store the file (private storage, under a name of ours) once its content proves it a CSV file of at most
    50 MB, and queue the dry run. Raises a translated ValidationError otherwise; nothing is stored then."""
    checked = check_upload(upload, allowed=(CSV,), max_bytes=MAX_UPLOAD_BYTES)
    job = CompletionImport(original_name=checked.original_name, created_by=actor, status=Status.VALIDATING)
    job.file.save(f"{checked.sha256[:16]}-{secrets.token_hex(4)}.csv", upload, save=False)
    job.save()
    audit(actor=actor, action="enablement.completions.uploaded", target=job,
          data={"file": job.original_name, "sha256": checked.sha256})
    transaction.on_commit(lambda: _enqueue("check", job.pk))
    return job


def _enqueue(step: str, job_id: int) -> None:
    from kombu.exceptions import OperationalError

    from enablement import tasks_imports

    task = tasks_imports.completions_check if step == "check" else tasks_imports.completions_import
    try:
        task.delay(job_id=job_id)
    except (OperationalError, OSError):
        # The broker is down: the job keeps its status; the operator sees it not moving and uploads again.
        logger.warning("Could not queue the %s step of completion import %s.", step, job_id, exc_info=True)


def _reporter(job_id: int):
    def report(done: int, total: int) -> None:
        CompletionImport.objects.filter(pk=job_id).update(processed_rows=done, total_rows=total)

    return report


def _language(job: CompletionImport) -> str:
    """Row errors are written in the uploader's language (they read them on the job's page)."""
    return getattr(job.created_by, "preferred_language", "") or "en"


def _fail(job: CompletionImport, error: Exception, message: str) -> None:
    """The job ends FAILED, saying why first (the message is translated in the uploader's language)."""
    with translation.override(_language(job)):
        text = str(message) % {"error": type(error).__name__}
    CompletionImport.objects.filter(pk=job.pk).update(
        status=Status.FAILED, finished_at=timezone.now(),
        errors=[{"row": 0, "field": "", "code": "failed", "message": text}, *job.errors][:imports.MAX_STORED_ERRORS])


def completion_import_check(*, job_id: int) -> CompletionImport | None:
    """The dry run: every row checked, errors (row number and message), counts and a preview kept on the job;
    nothing imported. A file without the required columns or not in UTF-8 ends FAILED."""
    job = CompletionImport.objects.select_related("created_by").filter(pk=job_id, status=Status.VALIDATING).first()
    if job is None:
        return None  # already checked (a re-delivered task) or gone
    try:
        with translation.override(_language(job)):
            summary = imports.check_file(job.file, progress=_reporter(job.pk))
    except Exception as error:
        _fail(job, error, gettext_lazy("The file could not be checked: %(error)s. Upload it again."))
        raise
    CompletionImport.objects.filter(pk=job.pk, status=Status.VALIDATING).update(
        status=Status.FAILED if summary.header_error else Status.CHECKED, total_rows=summary.total,
        processed_rows=summary.total, valid_rows=summary.valid, error_count=summary.error_rows,
        errors=summary.errors, preview=summary.preview, created_rows=summary.recorded,
        unchanged_rows=summary.unchanged, finished_at=timezone.now())
    job.refresh_from_db()
    return job


def completion_import_confirm(*, job: CompletionImport, actor) -> bool:
    """The operator confirms a checked file with valid rows: queue the import (once, however often they click)."""
    claimed = CompletionImport.objects.filter(pk=job.pk, status=Status.CHECKED, valid_rows__gt=0).update(
        status=Status.IMPORTING, processed_rows=0, finished_at=None)
    if claimed:
        audit(actor=actor, action="enablement.completions.confirmed", target=job,
              data={"valid_rows": job.valid_rows, "error_rows": job.error_count})
        transaction.on_commit(lambda: _enqueue("import", job.pk))
    return bool(claimed)


def completion_import_run(*, job_id: int) -> CompletionImport | None:
    """Check every row again (people and courses may have changed since the dry run) and write the valid ones in
    chunks; DONE with the counts, the rows with errors listed. On a failure the chunks written stay (importing
    the file again is safe) and the job says so."""
    job = CompletionImport.objects.select_related("created_by").filter(pk=job_id, status=Status.IMPORTING).first()
    if job is None:
        return None
    try:
        with translation.override(_language(job)):
            summary = imports.import_file(job.file, progress=_reporter(job.pk))
    except Exception as error:
        _fail(job, error, gettext_lazy("The import stopped: %(error)s. The rows written so far stay; importing the "
                                       "file again is safe, completions already recorded are skipped."))
        raise
    with transaction.atomic():
        CompletionImport.objects.filter(pk=job.pk).update(
            status=Status.DONE, total_rows=summary.total, processed_rows=summary.total, valid_rows=summary.valid,
            error_count=summary.error_rows, errors=summary.errors, preview=summary.preview,
            created_rows=summary.recorded, unchanged_rows=summary.unchanged, finished_at=timezone.now())
        job.refresh_from_db()
        audit(actor=job.created_by, action="enablement.completions.imported", target=job,
              data={"recorded": summary.recorded, "unchanged": summary.unchanged, "error_rows": summary.error_rows,
                    "certifications": summary.awards})
    return job


def completion_import_label(job: CompletionImport) -> str:
    """The confirm button: how many rows will be imported, and that the rows with errors will not."""
    from django.utils.translation import ngettext

    action = ngettext("Import the %(count)d valid row", "Import the %(count)d valid rows", job.valid_rows) % {
        "count": job.valid_rows}
    if not job.error_count:
        return action
    note = ngettext("(%(count)d row with errors stays listed here and is not imported)",
                    "(%(count)d rows with errors stay listed here and are not imported)", job.error_count) % {
        "count": job.error_count}
    return f"{action} {note}"


__all__ = ["MAX_UPLOAD_BYTES", "completion_import_check", "completion_import_confirm",
           "completion_import_create", "completion_import_is_running", "completion_import_label",
           "completion_import_percent", "completion_import_run"]
