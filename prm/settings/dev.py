"""The quick start: SQLite file, filesystem broker, console e-mail, staff MFA optional."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
REQUIRE_STAFF_MFA = env_bool("REQUIRE_STAFF_MFA", False)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405

# whitenoise serves from STATIC_ROOT once collected; finders serve the sources until then.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
