"""A real Celery worker process, a real Redis broker, the real database: a notice committed in the web
process is sent by the worker exactly once, even when the task is delivered twice.

Runs where the broker is Redis and the database PostgreSQL (CI: `.ci/run`); skipped on the quick-start defaults.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from prm.celery import app
from prm.notifications.models import Notification
from prm.notifications.services import notify
from tests.factories import UserFactory

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not settings.CELERY_BROKER_URL.startswith("redis"), reason="needs CELERY_BROKER_URL/REDIS_URL=redis://"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    queue = f"prm-test-{os.getpid()}-{time.monotonic_ns()}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prm.settings.test",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": f"file://{mail_dir}",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "prm", "worker", "--pool=solo", "--concurrency=1", "-Q", queue,
         "--without-heartbeat", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    app.amqp.__dict__.pop("router", None)  # routing reads the default queue; rebuild it
    try:
        yield {"mail_dir": mail_dir, "process": process}
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        app.amqp.__dict__.pop("router", None)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_for(predicate, *, seconds: float, process) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        if process.poll() is not None:
            pytest.fail(f"worker exited early:\n{process.stdout.read().decode(errors='replace')}")
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_worker_sends_a_committed_notice_once_even_if_delivered_twice(worker):
    from django.db import transaction

    from prm.notifications.tasks import send_notification

    user = UserFactory(email="worker.test@example.com", preferred_language="de")
    with transaction.atomic():
        notification = notify(kind="partners.invitation", to_email=user.email, subject="worker-test",
                              context={"partner_name": "Alpha", "inviter_name": "", "role": "user",
                                       "accept_url": "http://127.0.0.1:8000/invitations/x/", "expires_at": "2026-12-01T00:00:00+00:00"})
    # dispatched on commit through Redis; the worker process picks it up
    sent = _wait_for(lambda: Notification.objects.get(pk=notification.pk).status == Notification.Status.SENT,
                     seconds=60, process=worker["process"])
    assert sent, "the worker did not send the notification"
    # a second delivery of the same task (e.g. re-delivered after a worker loss) sends nothing
    send_notification.delay(notification_id=notification.pk)
    time.sleep(2)
    mails = list(worker["mail_dir"].iterdir())
    assert len(mails) == 1
    assert "worker.test@example.com" in mails[0].read_text()
