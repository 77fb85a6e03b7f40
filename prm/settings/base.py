"""Shared settings. Everything that differs per deployment comes from environment variables."""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
RUN_DIR = Path(os.environ.get("PRM_RUN_DIR", BASE_DIR / ".run"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Set by production.py; seed_demo and other demo-only tools refuse to run when it is True.
PRM_PRODUCTION = False

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_scopes",
    "guardian",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI files served locally, no CDN
    "import_export",
    "django_htmx",
    # ours: project infrastructure, then the lifecycle apps (dependencies point one way)
    "prm.common",
    "prm.accounts",
    "prm.notifications",
    "partners",
    "dealreg",
    "mdf",
    "enablement",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "prm.common.request_context.RequestContextMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "prm.accounts.middleware.UserLanguageMiddleware",
    "prm.accounts.middleware.StaffMFAMiddleware",
    "prm.tenancy.middleware.TenancyMiddleware",
    # After tenancy: runs inside the partner scope; locks the portal until the agreement is accepted.
    "partners.middleware.AgreementLockMiddleware",
]

ROOT_URLCONF = "prm.urls"
WSGI_APPLICATION = "prm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "prm.common.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{RUN_DIR / 'prm.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The quick-start database: web, worker and scheduler share one file.
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

# --- django-allauth: e-mail login, invitation-only, verified e-mail, MFA, rate limits ---
ACCOUNT_ADAPTER = "prm.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    # Lockout: 5 failed logins per account in 5 minutes, 20 per IP per minute.
    "login_failed": "20/m/ip,5/5m/key",
    "login": "30/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Partner Portal")
REQUIRE_STAFF_MFA = env_bool("REQUIRE_STAFF_MFA", True)
USERSESSIONS_TRACK_ACTIVITY = True

# --- Internationalisation ---
LANGUAGE_CODE = env("DEFAULT_LANGUAGE", "en")
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ja", _("Japanese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_COOKIE_NAME = "prm_language"
LANGUAGE_COOKIE_SECURE = False
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# Money: amounts are Decimal with an ISO 4217 currency; dashboards report in BASE_CURRENCY.
PRM_INVITATION_DAYS = int(env("PRM_INVITATION_DAYS", "14"))
# Days without onboarding progress before the partner admins are nudged (the channel manager after twice as long).
PRM_ONBOARDING_STALL_DAYS = int(env("PRM_ONBOARDING_STALL_DAYS", "7"))
BASE_CURRENCY = env("BASE_CURRENCY", "EUR")
# Tiers: benefits of a partner without a tier (partners.tiers.benefits), and how far ahead progress looks for
# expiring certifications.
PRM_TIER_DEFAULT_BENEFITS = {
    "deal_protection_days": int(env("PRM_TIER_DEFAULT_PROTECTION_DAYS", "90")),
    "mdf_allocation_per_quarter": None, "mdf_accrual_percent": None, "discount_percent": "0", "priority_review": False,
}
PRM_TIER_AT_RISK_DAYS = int(env("PRM_TIER_AT_RISK_DAYS", "60"))
# Payout account numbers are encrypted at rest (partners/crypto.py): Fernet keys, comma-separated, the first
# encrypts and all decrypt. Empty outside production: a published development key (production refuses that).
PAYOUT_ENCRYPTION_KEYS = env_list("PAYOUT_ENCRYPTION_KEYS")
CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CHF", "BRL", "MXN", "AUD", "CAD", "SGD", "INR", "SEK"]
# Deal registration: protection when tier benefits are unavailable, the change to an approved registration's value
# that needs a new approval, and the approval SLA in business hours (Mon-Fri 9-17 UTC).
DEALREG_DEFAULT_PROTECTION_DAYS = int(env("DEALREG_DEFAULT_PROTECTION_DAYS", "90"))
DEALREG_MATERIAL_CHANGE_PERCENT = int(env("DEALREG_MATERIAL_CHANGE_PERCENT", "20"))
DEALREG_SLA_BUSINESS_HOURS = int(env("DEALREG_SLA_BUSINESS_HOURS", "24"))
# MDF requests and claims waiting longer than this (business hours) are marked overdue in the admin queues.
MDF_SLA_BUSINESS_HOURS = int(env("MDF_SLA_BUSINESS_HOURS", "40"))
# Analytics: how many calendar quarters the rollups keep per partner (dashboards offer periods within them).
ANALYTICS_QUARTERS_KEPT = int(env("ANALYTICS_QUARTERS_KEPT", "12"))
# PSAT: day of the quarter's first month (1-28) the quarterly pulse goes out.
ANALYTICS_PSAT_WAVE_DAY = int(env("ANALYTICS_PSAT_WAVE_DAY", "15"))
# Analytics: minimum seconds between two segment rebuilds triggered by dirty drains (full refreshes always rebuild).
ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = int(env("ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS", "300"))
# Nudge rules: days the run log keeps (each rule's last run is kept whatever its age).
NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS = int(env("NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS", "180"))

# --- Static and private files ---
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".run" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Private media (proof of performance, signed agreements): never served by URL, only through
    # views that check the partner scope. Object storage can replace it (ROADMAP: scale out).
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env("PRIVATE_MEDIA_ROOT", str(RUN_DIR / "private-media")), "base_url": None},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Cache (rate limits, import-export temp data) ---
REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(RUN_DIR / "cache"),
        }
    }
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 12

# --- E-mail ---
EMAIL_URL = env("EMAIL_URL", "console://")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Partner Portal <portal@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")


def mailer_from_url(url: str) -> dict:
    """EMAIL_URL to a MAILERS entry: console://, file:///path, locmem://, smtp://user:pass@host:port, smtp+tls://, smtps://."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    scheme = parsed.scheme
    backends = "django.core.mail.backends."
    if scheme in {"console", "locmem"}:
        return {"BACKEND": f"{backends}{scheme}.EmailBackend"}
    if scheme == "file":
        return {"BACKEND": f"{backends}filebased.EmailBackend", "OPTIONS": {"file_path": parsed.path}}
    if scheme in {"smtp", "smtp+tls", "smtps"}:
        return {
            "BACKEND": f"{backends}smtp.EmailBackend",
            "OPTIONS": {
                "host": parsed.hostname or "localhost",
                "port": parsed.port or (465 if scheme == "smtps" else 587 if scheme == "smtp+tls" else 25),
                "username": unquote(parsed.username or ""),
                "password": unquote(parsed.password or ""),
                "use_tls": scheme == "smtp+tls",
                "use_ssl": scheme == "smtps",
                "timeout": 20,
            },
        }
    raise ValueError(f"Unsupported EMAIL_URL scheme: {scheme!r}")


MAILERS = {"default": mailer_from_url(EMAIL_URL)}

# --- Celery: Redis in CI and production; a zero-setup filesystem broker for the quick start ---
# "localhost" only silences kombu's "no hostname" warning; the filesystem transport ignores it.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL or "filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = RUN_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS.update(
        {"data_folder_in": str(_queue_dir / "out"), "data_folder_out": str(_queue_dir / "out"),
         "processed_folder": str(_queue_dir / "processed"), "store_processed": False,
         # kombu's default control folder is relative to the working directory.
         "control_folder": str(_queue_dir / "control")}
    )
    # kombu lists these folders without creating them; web, worker and beat may start in any order.
    for _folder in ("out", "processed", "control"):
        (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / "celerybeat-schedule")

# --- REST API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "prm.accounts.api_auth.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "prm.common.api.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "prm.common.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Partner Portal API",
    "DESCRIPTION": "Partner relationship management: partners, deals, funds, enablement.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One "LanguageEnum" for every field with the LANGUAGES choices (user, partner, invitation).
    "ENUM_NAME_OVERRIDES": {
        "LanguageEnum": "django.conf.settings.LANGUAGES",
        # Partners and applications both have a "status": name each set explicitly.
        "PartnerStatusEnum": "partners.models.core.PartnerOrganization.Status",
        "ApplicationStatusEnum": "partners.models.applications.PartnerApplication.Status",
        # MDF: funds, activities and claims have a "status", ledger entries, timeline events and proof a "kind".
        "FundStatusEnum": "mdf.models.funds.Fund.Status",
        "MdfActivityStatusEnum": "mdf.models.activities.Activity.Status",
        "MdfClaimStatusEnum": "mdf.models.claims.Claim.Status",
        "FundEntryKindEnum": "mdf.models.funds.FundEntry.Kind",
        "ActivityEventKindEnum": "mdf.models.activities.ActivityEvent.Kind",
        "EvidenceKindEnum": "mdf.models.claims.EvidenceKind",
        # Enablement: enrollments and certification awards have a "status".
        "EnrollmentStatusEnum": "enablement.models.progress.Enrollment.Status",
        "CertificationAwardStatusEnum": "enablement.api.AWARD_STATUS_CHOICES",
    },
}

# --- import-export: previews survive across several web processes (PERFORMANCE.md) ---
IMPORT_EXPORT_TMP_STORAGE_CLASS = "import_export.tmp_storages.CacheStorage"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# --- guardian: only for single objects shared outside their partner ---
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# --- Security headers (production.py tightens transport security) ---
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
