"""Celery adapters for CRM imports (found by prm.celery's autodiscovery of ``tasks_imports``).

Global tasks: an import spans partners (historical registrations) or none (vendor data, rates). The
services claim their job and are idempotent, so a re-delivered (or re-queued by the sweep) task does no harm.
"""

from celery import shared_task

from prm.tenancy.tasks import GlobalTask


@shared_task(name="dealreg.import_validate", base=GlobalTask)
def import_validate(*, job_id: int) -> str:
    from dealreg.services.imports import import_job_validate

    job = import_job_validate(job_id=job_id)
    return job.status if job else "skipped"


@shared_task(name="dealreg.import_commit", base=GlobalTask)
def import_commit(*, job_id: int) -> str:
    from dealreg.services.imports import import_job_commit

    job = import_job_commit(job_id=job_id)
    return job.status if job else "skipped"


@shared_task(name="dealreg.imports_sweep", base=GlobalTask)
def imports_sweep() -> int:
    """Every few minutes: queue again import steps whose dispatch was lost or whose worker died."""
    from dealreg.services.imports import import_jobs_sweep

    return import_jobs_sweep()
