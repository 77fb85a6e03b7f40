"""Celery adapters for completion imports (found by prm.celery's autodiscovery of ``tasks_imports``).

Global tasks: an import spans partners (a row's person decides its partner); the import module scopes its own
reads and writes. The services claim their job by status and writing is idempotent by completion id, so a
re-delivered task does no harm.
"""

from celery import shared_task

from prm.tenancy.tasks import GlobalTask


@shared_task(name="enablement.completions_check", base=GlobalTask)
def completions_check(*, job_id: int) -> str:
    from enablement.services.imports import completion_import_check

    job = completion_import_check(job_id=job_id)
    return job.status if job else "skipped"


@shared_task(name="enablement.completions_import", base=GlobalTask)
def completions_import(*, job_id: int) -> str:
    from enablement.services.imports import completion_import_run

    job = completion_import_run(job_id=job_id)
    return job.status if job else "skipped"
