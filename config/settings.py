"""Clearroom settings: one module, driven by the environment.

See docs/operations.md for every variable. Nothing secret is stored here: secrets come from the
environment or from files under VAR_DIR (generated only for demo and test installations).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str
from config.secrets import read_or_create_secret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CLEARROOM_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
GENERATE_SECRETS = DEBUG or env_bool("CLEARROOM_GENERATE_SECRETS", False)

SECRET_KEY = env_str("SECRET_KEY") or read_or_create_secret(
    Path(env_str("SECRET_KEY_FILE", str(VAR_DIR / "secret_key"))),
    allow_generate=GENERATE_SECRETS,
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "guardian",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "audit",
    "governance",
    "sharing",
    "transparency",
    "membership",
    "identity",
]

MIDDLEWARE = [
    # Outermost: any 5xx under /taxii2/, wherever it arose, answers a TAXII error envelope.
    "sharing.taxii.errors.TaxiiServerErrorMiddleware",
    # First, so that it also sees database errors raised inside the other middleware.
    "config.unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The second factor, inactivity expiry and step-up (identity/middleware.py).
    "identity.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After sessions and auth: a signed-in person accepts the antitrust charter in force first.
    "membership.middleware.CharterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # axes must be last: it answers a locked-out login itself.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "governance.context_processors.navigation",
            ],
        },
    },
]

# Persistent connections outside DEBUG (a connection per request costs a round of
# authentication each; figures in docs/operations.md). Health checks drop a connection the
# server closed before a request reuses it.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'clearroom.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 600),
        conn_health_checks=env_bool("DATABASE_CONN_HEALTH_CHECKS", True),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# django-guardian: no anonymous user row; object permissions are granted to org groups only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

# django-axes: lock a username after repeated failures (per username and address).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True

# TAXII HTTP Basic: how long a verified username and password is remembered in-process, so a
# polling client does not pay the password hash on every request (0: never; docs/taxii.md).
TAXII_CREDENTIAL_CACHE_SECONDS = env_int("TAXII_CREDENTIAL_CACHE_SECONDS", 300)

# Security headers and cookies. Cookies are Secure unless explicitly disabled (plain-http demo).
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
# Second factor (identity): a session idle this long is logged out; sensitive actions (approve
# a policy, decide a review, download an audit export, issue a token) ask for the second factor
# again when it was proven longer ago than IDENTITY_STEP_UP_SECONDS.
IDENTITY_IDLE_TIMEOUT_SECONDS = env_int("IDENTITY_IDLE_TIMEOUT_SECONDS", 30 * 60)
IDENTITY_STEP_UP_SECONDS = env_int("IDENTITY_STEP_UP_SECONDS", 15 * 60)
IDENTITY_TOTP_ISSUER = env_str("IDENTITY_TOTP_ISSUER", "Clearroom")
OTP_TOTP_ISSUER = IDENTITY_TOTP_ISSUER
# WebAuthn relying-party id: the site's host name unless set (e.g. when behind a proxy).
IDENTITY_WEBAUTHN_RP_ID = env_str("IDENTITY_WEBAUTHN_RP_ID", "") or None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS >= 31536000)
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Request size limits: bodies and uploads are bounded before any parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or not env_bool("STATIC_MANIFEST", True)
MEDIA_ROOT = VAR_DIR / "media"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("API_THROTTLE_ANON", "60/minute"),
        "user": env_str("API_THROTTLE_USER", "6000/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Clearroom API",
    "DESCRIPTION": "Counsel-governed exchange of threat intelligence between competing AI labs.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not env_str("CACHE_URL")
    else {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("CACHE_URL"),
    }
}

# Celery: with no broker configured (the embedded demo) tasks run eagerly in-process. Celery
# still opens a producer to serialise an eager task's arguments: the in-memory transport keeps
# kombu from warning "No hostname was supplied" (it never leaves the process).
CELERY_TASK_ALWAYS_EAGER = not env_str("CELERY_BROKER_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Reliability (docs/operations.md, "Faults" in docs/security.md). A task is acknowledged after it
# ran; a worker that dies leaves its task unacknowledged in Redis, which hands it out again once
# it has been out longer than the visibility timeout. The timeout must outlast the longest task
# (the hard time limit), or a slow task would be handed to a second worker while it still runs;
# it is kept short so a lost task comes back within minutes, not the hour of Redis's default.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 10 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 9 * 60)
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 2 * 60)
if CELERY_VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"CELERY_VISIBILITY_TIMEOUT={CELERY_VISIBILITY_TIMEOUT} must exceed "
        f"CELERY_TASK_TIME_LIMIT={CELERY_TASK_TIME_LIMIT} (seconds)"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # Scan for tasks past their visibility timeout every 60 s (10 s x 6), not every 100 s.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 6,
}
# A TAXII status still pending this long after its last attempt, with no worker holding it, is
# processed again by the sweep (run every minute); after this many attempts its objects are
# reported as failures instead, so no client waits on a status for ever.
CLEARROOM_TAXII_PENDING_BOUND_MINUTES = env_int("CLEARROOM_TAXII_PENDING_BOUND_MINUTES", 5)
CLEARROOM_TAXII_MAX_ATTEMPTS = env_int("CLEARROOM_TAXII_MAX_ATTEMPTS", 3)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    "sharing-escalate-overdue-reviews": {
        "task": "sharing.tasks.escalate_overdue_reviews_task",
        "schedule": 15 * 60,
    },
    "sharing-expire-indicators": {"task": "sharing.tasks.expire_indicators_task", "schedule": 3600},
    "sharing-purge-originals": {"task": "sharing.tasks.purge_originals_task", "schedule": 3600},
    "sharing-recall-scan": {"task": "sharing.tasks.recall_scan_task", "schedule": 3600},
    "sharing-notifications-catch-up": {
        "task": "sharing.tasks.notifications_catch_up_task",
        "schedule": 5 * 60,
    },
    "audit-checkpoint": {"task": "audit.tasks.audit_checkpoint_task", "schedule": 5 * 60},
    "transparency-report": {
        "task": "transparency.tasks.transparency_report_task",
        "schedule": 5 * 60,
    },
    "sharing-taxii-statuses-sweep": {
        "task": "sharing.taxii.tasks.taxii_statuses_sweep_task",
        "schedule": 60,
    },
    "sharing-planner-statistics": {
        "task": "sharing.tasks.planner_statistics_refresh_task",
        "schedule": 10 * 60,
    },
    "sharing-correlation-reindex": {
        "task": "sharing.tasks.correlation_reindex_task",
        "schedule": 3600,
    },
}

# Mail goes to files under var/mail unless a real backend (SMTP) is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "clearroom@localhost")
# The address people open Clearroom at: e-mails link to pages under it.
CLEARROOM_BASE_URL = env_str("CLEARROOM_BASE_URL", "http://127.0.0.1:8000")

# Clearroom's own settings.
# Open membership (docs/membership.md): the public application form's throttle (applications
# per client address per window), its largest request, and how long an invitation link lives.
MEMBERSHIP_APPLY_LIMIT = env_int("MEMBERSHIP_APPLY_LIMIT", 5)
MEMBERSHIP_APPLY_WINDOW_SECONDS = env_int("MEMBERSHIP_APPLY_WINDOW_SECONDS", 3600)
MEMBERSHIP_APPLY_MAX_BYTES = env_int("MEMBERSHIP_APPLY_MAX_BYTES", 32 * 1024)
MEMBERSHIP_INVITATION_HOURS = env_int("MEMBERSHIP_INVITATION_HOURS", 72)

CLEARROOM_FORUM_NAME = env_str("CLEARROOM_FORUM_NAME", "Clearroom forum")
# The embedded demo (`make run`): the login page lists the public demo logins. DEBUG only.
CLEARROOM_DEMO = DEBUG and env_bool("CLEARROOM_DEMO", False)
CLEARROOM_AUDIT_ORIGIN = env_str("CLEARROOM_AUDIT_ORIGIN", "clearroom.example/audit")
CLEARROOM_AUDIT_SIGNING_KEY_FILE = Path(
    env_str("CLEARROOM_AUDIT_SIGNING_KEY_FILE", str(VAR_DIR / "keys" / "audit_signing_key.pem"))
)
CLEARROOM_PSEUDONYM_KEY_DIR = Path(
    env_str("CLEARROOM_PSEUDONYM_KEY_DIR", str(VAR_DIR / "keys" / "pseudonym"))
)
# Pseudonyms of personal identifiers: a threshold OPRF (#20, docs/security.md "Pseudonyms").
# The current key id names an OPRF key folder under the key dir (`hmac` only for an
# installation that has not moved yet); HMAC tokens of earlier keys stay readable.
CLEARROOM_PSEUDONYM_SCHEME = env_str("CLEARROOM_PSEUDONYM_SCHEME", "oprf")
if CLEARROOM_PSEUDONYM_SCHEME not in ("oprf", "hmac"):
    raise ImproperlyConfigured("CLEARROOM_PSEUDONYM_SCHEME must be oprf or hmac")
CLEARROOM_PSEUDONYM_KEY_ID = env_str("CLEARROOM_PSEUDONYM_KEY_ID", "o1")
# The HMAC key watchlist term hashes derive from (the pseudonym key of before #20).
CLEARROOM_WATCHLIST_KEY_ID = env_str("CLEARROOM_WATCHLIST_KEY_ID", "k1")
# Dealing a new OPRF key (demo/test installations deal one on first use): t of these holders.
CLEARROOM_OPRF_THRESHOLD = env_int("CLEARROOM_OPRF_THRESHOLD", 2)
CLEARROOM_OPRF_HOLDERS = env_list("CLEARROOM_OPRF_HOLDERS", "secretariat,volunteer-1,volunteer-2")
# Holders whose share runs as its own service (`clearroom-share-holder`), as name=URL: their
# share files are not in the forum's key folder, only the forum's credentials for them.
CLEARROOM_OPRF_REMOTE_HOLDERS = env_list("CLEARROOM_OPRF_REMOTE_HOLDERS", "")
# "Check my list" (POST /api/v1/oprf/evaluate/): elements per request, per member per minute,
# per member organisation per day. A dictionary attack is bounded by these and in the audit log.
CLEARROOM_OPRF_MAX_BATCH = env_int("CLEARROOM_OPRF_MAX_BATCH", 10_000)
CLEARROOM_OPRF_RATE_PER_MINUTE = env_int("CLEARROOM_OPRF_RATE_PER_MINUTE", 120_000)
CLEARROOM_OPRF_QUOTA_PER_DAY = env_int("CLEARROOM_OPRF_QUOTA_PER_DAY", 1_000_000)
CLEARROOM_PURGE_AFTER_DAYS = env_int("CLEARROOM_PURGE_AFTER_DAYS", 30)
CLEARROOM_EXPORT_DIR = Path(env_str("CLEARROOM_EXPORT_DIR", str(VAR_DIR / "exports")))
# The public transparency report withholds a figure fewer members than this stand behind, when
# the policy in force sets no statistic's `min_contributors` (docs/transparency.md).
CLEARROOM_TRANSPARENCY_MIN_CONTRIBUTORS = env_int("CLEARROOM_TRANSPARENCY_MIN_CONTRIBUTORS", 3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
