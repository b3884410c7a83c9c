"""Settings for Samverkansportalen: one module, configured by environment variables.

With no environment the portal runs embedded (SQLite, in-memory channel layer, background
work in-process, e-mail to the console, DEBUG on). Production is DJANGO_DEBUG=false plus
DATABASE_URL and REDIS_URL; a bad or missing value fails at start-up, not at first use.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)
TESTING = env_bool("PORTAL_TESTING", False)
# The benchmark's plain reference page (web/benchref.py): off except under `make bench`.
PORTAL_BENCH_PAGES = env_bool("PORTAL_BENCH_PAGES", False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "embedded-development-key-never-used-in-production")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters in production")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# What pages and mails call the portal (allauth's mails included, never the host name).
SITE_NAME = "Samverkansportalen"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "channels",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "access",
    "portal",
    "portal.eid",
    "accesslog",
    "agencies",
    "consent",
    "cases",
    "meetings",
    "notifications",
    "insights",
    "directory",
    "agencies.idp",
    # The top layer (URLs, middleware, adapters, demo seed): no app imports it.
    "web",
    # Not a product app: the benchmark's data set and sessions (seed_scale, bench_sessions).
    "benchdata",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "web.middleware.ApiTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "web.middleware.SessionLifetimeMiddleware",
    "web.middleware.ViewerScopeMiddleware",
    "web.middleware.RequireSecondFactorMiddleware",
    "web.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "web.urls"
WSGI_APPLICATION = "web.wsgi.application"
ASGI_APPLICATION = "web.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "portal" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "web.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite (the embedded default, or a sqlite:/// DATABASE_URL) serves the web server's
# threads and the embedded beat's process at once. WAL lets readers go on while one
# writes; every transaction.atomic() begins IMMEDIATE, so it takes the write lock first
# and waits for it (busy timeout, seconds) — a deferred transaction that reads and then
# writes fails at once with "database is locked" when another writer got in between,
# whatever the timeout.
SQLITE_OPTIONS = {
    "timeout": env_int("SQLITE_TIMEOUT", 20),
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Health checks: a kept connection that died (PostgreSQL restarted; make faults) is
    # replaced at the start of the next request instead of failing it.
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
        }
    }
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Short OLTP queries: PostgreSQL's JIT only ever compiled the access-log review's
    # "unusual only" query, 127 -> 77 ms per page with JIT off (county, in-process).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL roles (accesslog/db_roles.py, README "Database roles"): DATABASE_URL is the
# application's role, which owns nothing; `manage.py migrate` connects with
# DATABASE_OWNER_URL (same database, the owner role) and then grants the application role.
DATABASE_OWNER: dict[str, object] | None = None
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "")
if os.environ.get("DATABASE_OWNER_URL"):
    _owner = dj_database_url.parse(os.environ["DATABASE_OWNER_URL"])
    if not DATABASE_URL or _owner["NAME"] != DATABASES["default"]["NAME"]:
        raise ImproperlyConfigured("DATABASE_OWNER_URL must name the same database as DATABASE_URL")
    DATABASE_OWNER = {
        "USER": _owner.get("USER"),
        "PASSWORD": _owner.get("PASSWORD"),
        "HOST": _owner.get("HOST"),
        "PORT": _owner.get("PORT"),
    }
    DATABASE_APP_ROLE = DATABASE_APP_ROLE or str(DATABASES["default"].get("USER", ""))
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, broker ---------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # Each test worker gets its own prefix: Redis pub/sub is global, not per database.
            "CONFIG": {
                "hosts": [REDIS_URL],
                "prefix": os.environ.get("CHANNEL_PREFIX", "svp") + os.environ.get("PYTEST_XDIST_WORKER", ""),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# The cache only holds rate-limit counters and similar non-personal data (never child data).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "portal",
    }
}
if env_str("CACHE", "locmem") == "database":
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "portal_cache",
    }

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish must never hold a request: give up quickly and let the sweeper re-dispatch.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 0, "socket_connect_timeout": 0.5, "socket_timeout": 1}
CELERY_TIMEZONE = "Europe/Stockholm"

# --- Auth -------------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_ADAPTER = "web.auth_adapter.PortalAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 600
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# The browser tests sign the same demo people in many times a minute from one address and
# raise every limit by this factor; the unit tests trip the real ones. Production: 1.
AUTH_RATE_LIMIT_FACTOR = env_int("AUTH_RATE_LIMIT_FACTOR", 1)
if AUTH_RATE_LIMIT_FACTOR < 1:
    raise ImproperlyConfigured("AUTH_RATE_LIMIT_FACTOR must be 1 or more")


def _scaled(spec: str) -> str:
    """ "20/m/ip,3/m/key" with every count multiplied by AUTH_RATE_LIMIT_FACTOR."""
    parts = (part.split("/", 1) for part in spec.split(","))
    return ",".join(f"{int(count) * AUTH_RATE_LIMIT_FACTOR}/{rest}" for count, rest in parts)


ACCOUNT_RATE_LIMITS = {
    action: _scaled(spec)
    for action, spec in {
        # Every sign-in attempt (a form post) from one address.
        "login": "30/m/ip",
        # Failed ones: per address over all accounts (a spray from one address is slowed
        # to 50 guesses an hour; an office behind one NAT address shares it, and only
        # failures count), and per account *from that address* (web.auth_adapter:
        # never a lock on the account itself, which a stranger could set off).
        "login_failed": "10/m/ip,50/h/ip,5/5m/key",
        "request_login_code": "20/m/ip,3/m/key",
        "reset_password": "20/m/ip,5/m/key",
        "reauthenticate": "10/m/user",
    }.items()
}
# Staff sign-in through each agency's own IdP (agencies/idp): the apps are built from the
# admin's settings, a person is found only by the admin's key, never by e-mail.
SOCIALACCOUNT_PROVIDERS = {"saml": {"provider_class": "agencies.idp.saml_provider.AgencySAMLProvider"}}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_RECOVERY_CODE_COUNT = 10
USERSESSIONS_TRACK_ACTIVITY = False

# Staff sessions: idle timeout and absolute lifetime (enforced in web.middleware).
STAFF_IDLE_TIMEOUT = timedelta(minutes=env_int("STAFF_IDLE_TIMEOUT_MINUTES", 15))
STAFF_ABSOLUTE_TIMEOUT = timedelta(hours=env_int("STAFF_ABSOLUTE_TIMEOUT_HOURS", 12))
FAMILY_IDLE_TIMEOUT = timedelta(minutes=env_int("FAMILY_IDLE_TIMEOUT_MINUTES", 30))

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = int(STAFF_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Svenska")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
# One rule for dates and times in both languages: "4 december 2027", "13:00".
FORMAT_MODULE_PATH = ["portal.formats"]
USE_TZ = True

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- E-mail -----------------------------------------------------------------------------
# The backend that sends; EMAIL_BACKEND wraps it so nothing goes to an eID account's
# reserved @eid.invalid address (portal/eid/mail.py).
PORTAL_EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_BACKEND = "portal.eid.mail.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or None
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Samverkansportalen <noreply@samverkan.example>")

# --- REST API ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["portal.api_auth.PortalAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api_auth.DenyAll"],
    "DEFAULT_SCHEMA_CLASS": "portal.api_schema.PortalAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "portal.api_pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_METADATA_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Samverkansportalen API",
    "DESCRIPTION": "Consent-scoped collaboration around a child. Every read passes the consent policy.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "ENUM_NAME_OVERRIDES": {"PlanActionStatusEnum": "cases.models.PlanAction.Status"},
}

# --- Security ---------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Behind reverse proxies (deploy/nginx.conf.template: one, which overwrites
# X-Forwarded-For with the address it saw): how many, and the addresses they connect from.
# The access log and allauth's rate limits take the client's address from X-Forwarded-For
# only then, and the log ignores the header from any other peer (web.middleware.client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0 if DEBUG else 1)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more")
TRUSTED_PROXY_ADDRESSES = env_list("TRUSTED_PROXY_ADDRESSES", ["127.0.0.1", "::1"])
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the meta tag, not the cookie

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"] if DEBUG else ["'self'", "wss:"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Portal -----------------------------------------------------------------------------
# The access log's signed heads (accesslog/heads.py): published every 5 minutes to
# ACCESS_LOG_HEADS_DIR (outside the database; make it append-only or ship it elsewhere),
# signed with the Ed25519 key in ACCESS_LOG_SIGNING_KEY, which only the process running
# the checkpoint task may read (deploy/Procfile `signer`, queue ACCESS_LOG_QUEUE).
# ACCESS_LOG_PUBLIC_KEY pins the key verify_access_log checks with. Embedded: under var/.
_var = BASE_DIR / "var"
ACCESS_LOG_HEADS_DIR = os.environ.get("ACCESS_LOG_HEADS_DIR") or (
    "" if TESTING else str(_var / "accesslog-heads") if DEBUG else ""
)
if not DEBUG and not ACCESS_LOG_HEADS_DIR:
    raise ImproperlyConfigured("ACCESS_LOG_HEADS_DIR must be set in production (signed access-log heads)")
ACCESS_LOG_SIGNING_KEY = os.environ.get("ACCESS_LOG_SIGNING_KEY") or (
    str(_var / "accesslog-signing-key.pem") if DEBUG and not TESTING else ""
)
ACCESS_LOG_PUBLIC_KEY = os.environ.get("ACCESS_LOG_PUBLIC_KEY", "")
ACCESS_LOG_QUEUE = env_str("ACCESS_LOG_QUEUE", "celery")
CELERY_TASK_ROUTES = {"portal.tasks.checkpoint_access_log": {"queue": ACCESS_LOG_QUEUE}}

PORTAL_SERVICES_LABEL = ("PostgreSQL" if IS_POSTGRES else "SQLite") + (
    " + Redis" if REDIS_URL else " + in-memory layers"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO" if not TESTING else "WARNING")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "daphne": {"level": "WARNING"},
        "celery": {"level": "WARNING"},
    },
}
MFA_ADAPTER = "web.auth_adapter.PortalMFAAdapter"

# --- Swedish eID for families (OpenID Connect, Swedish profile: portal/eid) ------------------
# Families are identified by https://id.oidc.se/claim/personalIdentityNumber, never by
# e-mail; sign-in by e-mail code stays. Where eID is on, a family member's consent
# decision is confirmed by a fresh eID authentication instead of an e-mailed code.
PORTAL_EID_ISSUER = os.environ.get("PORTAL_EID_ISSUER", "")
PORTAL_EID_ENABLED = env_bool("PORTAL_EID_ENABLED", bool(PORTAL_EID_ISSUER))
PORTAL_EID_CLIENT_ID = os.environ.get("PORTAL_EID_CLIENT_ID", "")
PORTAL_EID_CLIENT_SECRET = os.environ.get("PORTAL_EID_CLIENT_SECRET", "")
PORTAL_EID_NAME = env_str("PORTAL_EID_NAME", "BankID")
# Accepted levels of assurance (acr); all are asked for. Default: LoA 3 (BankID, Freja+).
PORTAL_EID_ACR = env_list("PORTAL_EID_ACR", ["http://id.elegnamnden.se/loa/1.0/loa3"])
# A step-up authentication older than this many seconds does not confirm a decision.
PORTAL_EID_FRESH_SECONDS = env_int("PORTAL_EID_FRESH_SECONDS", 120)
if PORTAL_EID_ENABLED and not (PORTAL_EID_ISSUER and PORTAL_EID_CLIENT_ID and PORTAL_EID_CLIENT_SECRET):
    raise ImproperlyConfigured("PORTAL_EID_ENABLED needs PORTAL_EID_ISSUER, PORTAL_EID_CLIENT_ID and _CLIENT_SECRET")
if PORTAL_EID_ENABLED:
    # Sign-in and step-up are form posts answered by a redirect to the provider, which
    # the browser checks against form-action.
    _eid = urlsplit(PORTAL_EID_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_eid.scheme}://{_eid.netloc}")
# One adapter for both: staff IdPs (agencies/idp) and families' eID (portal/eid).
SOCIALACCOUNT_ADAPTER = "web.auth_adapter.PortalSocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never sign anyone in by a matching address
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_QUERY_EMAIL = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False

if TESTING:
    # Fast hashing in tests only; production keeps Django's default (PBKDF2).
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MFA_TOTP_TOLERANCE = 1  # one period of clock skew either way
