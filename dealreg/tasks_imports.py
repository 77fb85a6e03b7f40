"""Celery adapters for CRM imports (found by prm.celery's autodiscovery of ``tasks_imports``).

Global tasks: an import spans partners (historical registrations) or none (vendor data, rates). The
services claim their job and are idempotent, so a re-delivered task does no harm.
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
