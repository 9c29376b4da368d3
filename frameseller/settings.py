"""Settings for FrameSeller, read from the environment (12-factor).

Every value has an embedded default so that a fresh checkout runs as is: a SQLite
file, the local Stripe emulator, DEBUG off unless asked for.  Production values
come from environment variables; Elastic Beanstalk sets them, including its
``RDS_*`` variables.  ``.env.example`` lists every variable read here.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from frameseller import staticfiles

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("FRAMESELLER_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if env_bool("DJANGO_HTTPS", False) or os.environ.get("RDS_HOSTNAME"):
        # It also signs the shoppers' tokens: a public default would let anyone forge them.
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: this looks like a production environment.")
    # Only good for a local checkout (check --deploy flags it).
    SECRET_KEY = "django-insecure-local-development-key-change-me"
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
if env_bool("DJANGO_ALLOW_EC2_PRIVATE_IP", False):
    # The load balancer's health checker calls the instance by its private IP.
    import socket

    try:
        ALLOWED_HOSTS.append(socket.gethostbyname(socket.gethostname()))
    except OSError:
        pass

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "frameseller",
    "accounts",
    "catalog",
    "orders",
]

MIDDLEWARE = [
    # First, so that every answer, errors included, carries CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    "frameseller.middleware.JsonErrorMiddleware",
    "frameseller.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "frameseller.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "frameseller.urls"
WSGI_APPLICATION = "frameseller.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

CONN_MAX_AGE = env_int("DJANGO_CONN_MAX_AGE", 600)


def _database_from_env() -> dict:
    if os.environ.get("RDS_HOSTNAME"):
        config = {
            "ENGINE": "django.db.backends.mysql",
            "NAME": os.environ.get("RDS_DB_NAME", "ebdb"),
            "USER": os.environ.get("RDS_USERNAME", ""),
            "PASSWORD": os.environ.get("RDS_PASSWORD", ""),
            "HOST": os.environ["RDS_HOSTNAME"],
            "PORT": os.environ.get("RDS_PORT", "3306"),
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    else:
        default_url = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
        config = dj_database_url.parse(
            os.environ.get("DATABASE_URL") or default_url,
            conn_max_age=CONN_MAX_AGE,
            conn_health_checks=True,
        )
    engine = config["ENGINE"]
    if engine == "django.db.backends.mysql":
        config.setdefault("OPTIONS", {}).update(
            {
                "charset": "utf8mb4",
                # Strict mode turns silent truncation into errors.
                "init_command": "SET sql_mode='STRICT_TRANS_TABLES'",
                "isolation_level": "read committed",
            }
        )
        config["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    elif engine == "django.db.backends.sqlite3":
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        config.setdefault("OPTIONS", {}).update(
            {
                # Take the write lock when a transaction starts, wait for it
                # instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
        # A file, not shared memory, so that concurrent test threads and the
        # live server see the same data and can wait on its locks; one per
        # test run, so that two runs in one checkout don't collide.
        config["TEST"] = {"NAME": str(VAR_DIR / f"test_db_{os.getpid()}.sqlite3")}
    return config


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling state is shared through it) --------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
# Without Redis, DJANGO_CACHE=db keeps the cache in the database (run
# `manage.py createcachetable`), shared by every worker and instance; the
# local-memory default is per process, fine for one developer's server.
CACHE_BACKEND = "redis" if REDIS_URL else os.environ.get("DJANGO_CACHE", "locmem")
if CACHE_BACKEND == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "frameseller",
        }
    }
elif CACHE_BACKEND == "db":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "frameseller_cache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts and passwords --------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation ----------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files (the admin's, and the shop's site in development) ---------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The built single-page site, served at / by the API server in development.
FRONTEND_DIST_DIR = Path(os.environ.get("FRONTEND_DIST_DIR", BASE_DIR / "frontend" / "dist"))
SERVE_FRONTEND = env_bool("SERVE_FRONTEND", True)

# --- REST framework, JWT, API documentation ---------------------------------

THROTTLE_RATES = {
    "login_ip": os.environ.get("THROTTLE_LOGIN_IP", "20/min"),
    "login_account": os.environ.get("THROTTLE_LOGIN_ACCOUNT", "10/min"),
    "signup_ip": os.environ.get("THROTTLE_SIGNUP_IP", "10/min"),
    "signup_account": os.environ.get("THROTTLE_SIGNUP_ACCOUNT", "5/min"),
    "order_user": os.environ.get("THROTTLE_ORDER_USER", "30/min"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["frameseller.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["frameseller.parsers.JSONObjectParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "frameseller.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Number of proxies in front of the app whose X-Forwarded-For entries are
    # trusted (2 on Elastic Beanstalk: the load balancer, then nginx).  0 ignores the
    # header, so a client cannot forge its way around a throttle.
    "NUM_PROXIES": env_int("DJANGO_NUM_PROXIES", 0),
    "COERCE_DECIMAL_TO_STRING": False,
}

SIMPLE_JWT = {
    # Sliding tokens: one token, renewable at /api/api-token-refresh/ until
    # its refresh window closes, the shape older clients expect.
    "AUTH_TOKEN_CLASSES": ("rest_framework_simplejwt.tokens.SlidingToken",),
    "AUTH_HEADER_TYPES": ("JWT", "Bearer"),
    "SLIDING_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_LIFETIME_MINUTES", 60)),
    "SLIDING_TOKEN_REFRESH_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": os.environ.get("JWT_SIGNING_KEY", SECRET_KEY),
    "UPDATE_LAST_LOGIN": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "FrameSeller API",
    "DESCRIPTION": (
        "Buy photos with Stripe.  Authenticate with `Authorization: JWT <token>` "
        "(or `Bearer`); a missing or invalid token answers 403."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the installed sidecar package: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- CORS: the S3 site calls the API from another origin --------------------

CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS", "")
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "idempotency-key",
    "origin",
    "x-requested-with",
)

# --- Request limits ----------------------------------------------------------

# API bodies are small JSON documents; anything bigger is refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_MAX_BODY_BYTES", 64 * 1024)

# --- HTTPS and security headers ------------------------------------------------

# Behind the Elastic Beanstalk load balancer, which terminates TLS.
HTTPS = env_bool("DJANGO_HTTPS", False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # The load balancer's health check speaks plain HTTP to the instance.
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a one-way commitment for the whole domain that an
    # operator makes by submitting it to browsers' lists; not ours to make.
    "security.W021",
]

# --- Stripe --------------------------------------------------------------------

STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "sk_test_frameseller_local")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "pk_test_frameseller_local")
# Empty means the real Stripe API; the default is the local emulator.
STRIPE_API_BASE = os.environ.get(
    "STRIPE_API_BASE",
    "" if os.environ.get("STRIPE_SECRET_KEY") else f"http://127.0.0.1:{os.environ.get('STRIPE_EMULATOR_PORT', '8420')}",
)
STRIPE_JS_URL = os.environ.get(
    "STRIPE_JS_URL",
    f"{STRIPE_API_BASE}/js.stripe.com/v3/wrapped.js" if STRIPE_API_BASE else "https://js.stripe.com/v3/",
)
STRIPE_API_VERSION = "2026-10-28.endive"
STRIPE_TIMEOUT_SECONDS = env_float("STRIPE_TIMEOUT_SECONDS", 8.0)
STRIPE_MAX_NETWORK_RETRIES = env_int("STRIPE_MAX_NETWORK_RETRIES", 1)
# Prefix of every idempotency key sent to Stripe: set one per deployment when
# several databases share one Stripe account (ids would otherwise collide).
STRIPE_IDEMPOTENCY_PREFIX = os.environ.get("STRIPE_IDEMPOTENCY_PREFIX", "")
# UNPAID orders older than this are settled by `manage.py reconcile_orders`.
RECONCILE_AFTER_SECONDS = env_int("RECONCILE_AFTER_SECONDS", 300)

# The API base URL the single-page site calls ("" = same origin).
FRONTEND_API_BASE_URL = os.environ.get("FRONTEND_API_BASE_URL", "")

# --- Logging: to stdout, for gunicorn and the platform to collect -------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},
    },
}

if SERVE_FRONTEND:
    # WhiteNoise serves the built site at / (index.html for "/").
    WHITENOISE_ROOT = FRONTEND_DIST_DIR
    WHITENOISE_INDEX_FILE = True
WHITENOISE_IMMUTABLE_FILE_TEST = staticfiles.immutable_file_test
WHITENOISE_ADD_HEADERS_FUNCTION = staticfiles.add_headers

# --- Issue 11 (login security, log size): one block, appended to merge as is -----
# The admin's login form is throttled like the API's login, on the same counters.
MIDDLEWARE = [*MIDDLEWARE, "frameseller.middleware.AdminLoginThrottleMiddleware"]
# No log line grows with what a client sent: messages and traceback lines are cut (frameseller.logs).
LOGGING["filters"] = {**LOGGING.get("filters", {}), "cap_length": {"()": "frameseller.logs.CapLength"}}
for _handler in LOGGING.get("handlers", {}).values():
    _handler["filters"] = [*_handler.get("filters", []), "cap_length"]
