"""Tests: SQLite by default, Postgres + Redis when DATABASE_URL / REDIS_URL are set (CI)."""

from .base import *  # noqa: F403
from .base import env, env_bool, mailer_from_url

DEBUG = False
REQUIRE_STAFF_MFA = env_bool("REQUIRE_STAFF_MFA", False)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": mailer_from_url(env("EMAIL_URL", "locmem://"))}  # noqa: F405
# Eager by default; the worker integration test starts a real worker with this off.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
STORAGES["default"]["OPTIONS"]["location"] = "/tmp/prm-test-private-media"  # noqa: F405
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# whitenoise serves from STATIC_ROOT once collected; finders serve the sources until then.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
