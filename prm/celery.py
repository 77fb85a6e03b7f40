"""The Celery app. Reliability settings live in settings (CELERY_*); periodic jobs in prm/schedule.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prm.settings.dev")

app = Celery("prm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Packages whose tasks module is not <app>.tasks: the tier engine keeps its tasks in partners/tiers/tasks.py.
app.autodiscover_tasks(["partners.tiers"])
# Deal registration's CRM imports keep their tasks in dealreg/tasks_imports.py.
app.autodiscover_tasks(["dealreg"], related_name="tasks_imports")
# MDF renders claim summary PDFs in mdf/tasks_pdf.py.
app.autodiscover_tasks(["mdf"], related_name="tasks_pdf")
# Enablement renders certificates and co-branded one-pagers in enablement/tasks_pdf.py.
app.autodiscover_tasks(["enablement"], related_name="tasks_pdf")
# Enablement imports external LMS completions in enablement/tasks_imports.py.
app.autodiscover_tasks(["enablement"], related_name="tasks_imports")
# Analytics keeps each area's tasks in its package: rollups, health scoring, PSAT waves, dashboard scorecards.
app.autodiscover_tasks(["analytics.rollups", "analytics.health", "analytics.psat", "analytics.dashboards"])


@app.on_after_finalize.connect
def _load_schedule(sender, **kwargs):
    from prm.schedule import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
