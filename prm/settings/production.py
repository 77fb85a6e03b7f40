"""Production: everything from the environment, transport security on, staff MFA enforced."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, mailer_from_url

PRM_PRODUCTION = True
DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# Fail at start-up rather than sign sessions with a guessable key (the same bar as `check --deploy`).
if (not SECRET_KEY or SECRET_KEY.startswith(("dev-only", "django-insecure"))
        or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("Set SECRET_KEY (50+ random characters) in the environment.")
# Payout account numbers: refuse to start without our own encryption key (partners/crypto.py).
if not PAYOUT_ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured("Set PAYOUT_ENCRYPTION_KEYS (Fernet keys, comma-separated) in the environment.")
REQUIRE_STAFF_MFA = env_bool("REQUIRE_STAFF_MFA", True)

# Mail goes out: without EMAIL_URL, through the host's own relay, never to the console.
EMAIL_URL = env("EMAIL_URL", "smtp://localhost:25")
MAILERS = {"default": mailer_from_url(EMAIL_URL)}

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
