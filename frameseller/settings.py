"""Settings for FrameSeller, read from the environment (12-factor) with django-environ.

One switch, ``DJANGO_ENV``, chooses the defaults:

* ``local`` (``make run``, ``make test``, the test suite): a SQLite file, the local Stripe
  emulator, and a development secret key made once per checkout in ``var/`` (kept out of git);
* ``production``, also when ``DJANGO_ENV`` is unset: the secret key, the database and the Stripe
  keys must be given; nothing falls back to a development value.

The server logs the resulting mode in one line when it loads the application (``frameseller.wsgi``).
``.env.example`` lists every variable read here.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from frameseller import databases, mailers, secret_key, staticfiles

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# An empty variable counts as unset, as the `NAME=` lines of .env.example mean.
env.ENVIRON = {name: value for name, value in os.environ.items() if value}


def env_choice(name: str, choices: tuple[str, ...], *, default: str) -> str:
    value = env.str(name, default=default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be {' or '.join(choices)}, not {value!r}.")
    return value


def env_secret(name: str) -> str:
    # Read as given: django-environ takes a value starting with "$" for the name of another
    # variable, and a generated key or password may well start with one.
    return env.ENVIRON.get(name, "")


# --- Mode: a local run or production -----------------------------------------

DJANGO_ENV = env_choice("DJANGO_ENV", ("local", "production"), default="production")
VAR_DIR = Path(env.str("FRAMESELLER_VAR_DIR", default=str(BASE_DIR / "var")))

# --- Secret key ----------------------------------------------------------------

# It signs the shoppers' tokens: whoever knows it can forge a token for any account. Only a
# local run falls back to a key made for this checkout; `check --deploy` refuses that key and
# any weak one (frameseller.checks).
SECRET_KEY = env_secret("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if DJANGO_ENV != "local":
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY to a long random string (it signs the shoppers' tokens), "
            "or DJANGO_ENV=local for a development run."
        )
    SECRET_KEY = secret_key.dev_secret_key(VAR_DIR)

# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", cast=str.strip, default=["127.0.0.1", "localhost", "[::1]"])
if env.bool("DJANGO_ALLOW_EC2_PRIVATE_IP", default=False):
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
    # Background tasks kept in the database (django.tasks' backend; its worker and retries: frameseller.tasks).
    "django_tasks_db",
    "frameseller",
    "accounts",
    "catalog",
    "orders",
]

MIDDLEWARE = [
    # First, so that every answer, errors included, carries CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    # Outside everything that writes a body, so error answers are compressed too.
    "frameseller.compression.TextGZipMiddleware",
    # Outside the JSON error rewriting and WhiteNoise, so that every answer (the site's
    # files and rewritten errors too) carries the security headers.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "frameseller.csp.SiteContentSecurityPolicyMiddleware",
    # A database outage answers 503 JSON everywhere, not a 500 (frameseller/dbdown.py).
    "frameseller.dbdown.DatabaseUnavailableMiddleware",
    "frameseller.middleware.JsonErrorMiddleware",
    # The admin only for ADMIN_ALLOWED_NETWORKS (when set), before a body is read.
    "accounts.middleware.AdminAllowedNetworksMiddleware",
    # Bodies above DATA_UPLOAD_MAX_MEMORY_SIZE answer 413 (frameseller.middleware.RequestBodyLimitMiddleware),
    # except a staff member's photo upload in the admin, let through up to PHOTOS_MAX_UPLOAD_BYTES.
    "catalog.middleware.PhotoUploadBodyLimitMiddleware",
    # The site's page with its runtime settings written in (development), the rest of the site.
    "frameseller.sitepage.SitePageMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "frameseller.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The admin's login form is throttled like the API's login, on the same counters.
    "accounts.middleware.AdminLoginThrottleMiddleware",
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

# --- Database: DATABASE_URL, else Elastic Beanstalk's RDS_* variables, else (local) SQLite

if "DATABASE_URL" in env:
    database_url = env.str("DATABASE_URL")
elif "RDS_HOSTNAME" in env:
    database_url = databases.mysql_url(
        host=env.str("RDS_HOSTNAME"),
        port=env.int("RDS_PORT", default=3306),
        name=env.str("RDS_DB_NAME", default="ebdb"),
        user=env.str("RDS_USERNAME", default=""),
        password=env_secret("RDS_PASSWORD"),
    )
elif DJANGO_ENV == "local":
    database_url = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
else:
    raise ImproperlyConfigured(
        "Set DATABASE_URL (or Elastic Beanstalk's RDS_* variables), or DJANGO_ENV=local for a development run."
    )
DATABASES = {
    "default": databases.database_config(
        database_url,
        conn_max_age=env.int("DJANGO_CONN_MAX_AGE", default=600),
        var_dir=VAR_DIR,
        # TLS to the database, verified: the path of RDS's CA bundle on the instance (docs/deploy.md, step 4).
        mysql_ca=env.str("RDS_CA_BUNDLE", default=""),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling state is shared through it) --------------------------

REDIS_URL = env.str("REDIS_URL", default="")
# Without Redis, DJANGO_CACHE=db keeps the cache in the database (run
# `manage.py createcachetable`), shared by every worker and instance; the
# local-memory default is per process, fine for one developer's server.
CACHE_BACKEND = "redis" if REDIS_URL else env_choice("DJANGO_CACHE", ("locmem", "db"), default="locmem")
CACHES = {
    "default": {
        "redis": {
            "BACKEND": "frameseller.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "frameseller",
        },
        "db": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "frameseller_cache"},
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }[CACHE_BACKEND]
}

# An authenticated request reads its user from the cache rather than the database, for this many
# seconds after the last read (accounts.tokens). Only with Redis: a per-process cache could not be
# told in every worker that a password changed.
TOKEN_USER_CACHE_SECONDS = env.int("TOKEN_USER_CACHE_SECONDS", default=60) if CACHE_BACKEND == "redis" else 0

# --- Accounts and passwords --------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "accounts.hashers.Argon2idPasswordHasher",
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
FRONTEND_DIST_DIR = Path(env.str("FRONTEND_DIST_DIR", default=str(BASE_DIR / "frontend" / "dist")))
SERVE_FRONTEND = env.bool("SERVE_FRONTEND", default=True)
if SERVE_FRONTEND:
    # WhiteNoise serves the built site's files; its page (/, /index.html) comes with this server's
    # runtime settings written in (frameseller/sitepage.py).
    WHITENOISE_ROOT = FRONTEND_DIST_DIR
WHITENOISE_IMMUTABLE_FILE_TEST = staticfiles.immutable_file_test
# The site's files are for the site: no Access-Control-Allow-Origin: * on them.
WHITENOISE_ALLOW_ALL_ORIGINS = False
# The API base URL the single-page site calls ("" = same origin).
FRONTEND_API_BASE_URL = env.str("FRONTEND_API_BASE_URL", default="")

# --- Photos: private originals, public derivatives, download links -------------------------
# A product's original file is private (catalog.storage): locally a folder under var/ that is
# never served, in production a private S3 bucket; a buyer gets it through a short-lived link
# (orders.downloads). Thumbnails and watermarked previews are public: locally served by this
# server at /media/, in production from a public bucket (or the CDN in front of it).
PHOTOS_STORAGE = env_choice("PHOTOS_STORAGE", ("filesystem", "s3"), default="filesystem")
PHOTOS_DIR = Path(env.str("PHOTOS_DIR", default=str(VAR_DIR / "photos")))
MEDIA_URL = "/media/"
if PHOTOS_STORAGE == "filesystem":
    STORAGES["photo_originals"] = {
        "BACKEND": "catalog.storage.PrivateFileSystemStorage",
        "OPTIONS": {"location": PHOTOS_DIR / "originals"},
    }
    STORAGES["photo_derivatives"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PHOTOS_DIR / "public", "base_url": MEDIA_URL},
    }
else:
    PHOTOS_ORIGINALS_BUCKET = env.str("PHOTOS_ORIGINALS_BUCKET", default="")
    PHOTOS_PUBLIC_BUCKET = env.str("PHOTOS_PUBLIC_BUCKET", default="")
    if not (PHOTOS_ORIGINALS_BUCKET and PHOTOS_PUBLIC_BUCKET):
        raise ImproperlyConfigured("PHOTOS_STORAGE=s3 needs PHOTOS_ORIGINALS_BUCKET and PHOTOS_PUBLIC_BUCKET.")
    # Credentials come from boto3's usual chain (the instance role on Elastic Beanstalk).
    _s3 = {
        "region_name": env.str("PHOTOS_S3_REGION", default="") or None,
        "endpoint_url": env.str("PHOTOS_S3_ENDPOINT_URL", default="") or None,
        "signature_version": "s3v4",
        "file_overwrite": False,
    }
    STORAGES["photo_originals"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "bucket_name": PHOTOS_ORIGINALS_BUCKET, "default_acl": None, "querystring_auth": True},
    }
    STORAGES["photo_derivatives"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "bucket_name": PHOTOS_PUBLIC_BUCKET,
            "custom_domain": env.str("PHOTOS_CDN_DOMAIN", default="") or None,
            "querystring_auth": False,
            # Named by content (catalog.photos): cacheable for good.
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
# This server serves the derivatives at MEDIA_URL when they are local files.
PHOTOS_SERVE_DERIVATIVES = PHOTOS_STORAGE == "filesystem"
# A download link works this long after it is issued (and stops at once on a refund, locally).
PHOTOS_DOWNLOAD_LINK_SECONDS = env.int("PHOTOS_DOWNLOAD_LINK_SECONDS", default=300)
# Limits on an original added from the admin or add_photo.
PHOTOS_MAX_UPLOAD_BYTES = env.int("PHOTOS_MAX_UPLOAD_BYTES", default=60 * 1024 * 1024)
PHOTOS_MAX_PIXELS = env.int("PHOTOS_MAX_PIXELS", default=80_000_000)
# A photo whose long edge is shorter than this is refused for sale: a buyer pays for more than the
# free thumbnail and preview show (each at most half the original's long edge: catalog.images).
PHOTOS_MIN_LONG_EDGE = env.int("PHOTOS_MIN_LONG_EDGE", default=1200)
# Where `make starter-photos` puts the starter catalog's photos (a Debian package, unpacked).
STARTER_PHOTOS_DIR = Path(env.str("STARTER_PHOTOS_DIR", default=str(VAR_DIR / "starter-photos")))

# --- REST framework, JWT, API documentation ---------------------------------

THROTTLE_RATES = {
    "login_ip": env.str("THROTTLE_LOGIN_IP", default="20/min"),
    "login_account": env.str("THROTTLE_LOGIN_ACCOUNT", default="10/min"),
    "signup_ip": env.str("THROTTLE_SIGNUP_IP", default="10/min"),
    "signup_account": env.str("THROTTLE_SIGNUP_ACCOUNT", default="5/min"),
    "order_user": env.str("THROTTLE_ORDER_USER", default="30/min"),
    "password_reset_ip": env.str("THROTTLE_PASSWORD_RESET_IP", default="10/min"),
    "password_reset_account": env.str("THROTTLE_PASSWORD_RESET_ACCOUNT", default="3/min"),
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["frameseller.rendering.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["frameseller.parsers.JSONObjectParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "frameseller.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Number of proxies in front of the app whose X-Forwarded-For entries are
    # trusted (2 on Elastic Beanstalk: the load balancer, then nginx).  0 ignores the
    # header, so a client cannot forge its way around a throttle.
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "COERCE_DECIMAL_TO_STRING": False,
}

SIMPLE_JWT = {
    # Sliding tokens: one token, renewable at /api/api-token-refresh/ until
    # its refresh window closes, the shape older clients expect.
    "AUTH_TOKEN_CLASSES": ("accounts.tokens.LoginToken",),
    "AUTH_HEADER_TYPES": ("JWT", "Bearer"),
    "SLIDING_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_LIFETIME_MINUTES", default=60)),
    "SLIDING_TOKEN_REFRESH_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env_secret("JWT_SIGNING_KEY") or SECRET_KEY,
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
    # No badge from validator.swagger.io: the docs' Content-Security-Policy (frameseller/csp.py) allows
    # no outside image, and the page needs nothing from the internet.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None},
    # Ids in paths (<id:…>, frameseller.converters.IdConverter): 1 to 18 digits, no leading zero.
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 1, "maximum": 10**18 - 1}},
    # Answers every operation may give before its view runs (frameseller.openapi).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "frameseller.openapi.postprocess_answers_before_views",
    ],
}

# --- CORS: the S3 site calls the API from another origin --------------------

CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", cast=str.strip, default=[])
# The networks (CIDRs, comma-separated) the admin answers; empty: every network (the default).
ADMIN_ALLOWED_NETWORKS = env.list("ADMIN_ALLOWED_NETWORKS", cast=str.strip, default=[])
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
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_MAX_BODY_BYTES", default=64 * 1024)

# --- HTTPS and security headers ------------------------------------------------

# Behind the Elastic Beanstalk load balancer, which terminates TLS.
HTTPS = env.bool("DJANGO_HTTPS", default=False)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    # The load balancer's health check speaks plain HTTP to the instance.
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", cast=str.strip, default=[])

SILENCED_SYSTEM_CHECKS = [
    # HSTS preload is a one-way commitment for the whole domain that an
    # operator makes by submitting it to browsers' lists; not ours to make.
    "security.W021",
]

# --- Stripe: the local emulator or Stripe itself, as STRIPE_BACKEND says --------

# Chosen by STRIPE_BACKEND, never by a missing key; only a local run defaults to the emulator.
STRIPE_BACKEND = env_choice(
    "STRIPE_BACKEND", ("emulator", "stripe"), default="emulator" if DJANGO_ENV == "local" else "stripe"
)
if STRIPE_BACKEND == "emulator":
    # `make run` starts it on STRIPE_EMULATOR_PORT; the default keys are placeholders for it.
    STRIPE_API_BASE = env.str(
        "STRIPE_API_BASE", default=f"http://127.0.0.1:{env.int('STRIPE_EMULATOR_PORT', default=8420)}"
    )
    STRIPE_JS_URL = env.str("STRIPE_JS_URL", default=f"{STRIPE_API_BASE}/js.stripe.com/v3/wrapped.js")
    STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="sk_test_frameseller_local")
    STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="pk_test_frameseller_local")
else:
    STRIPE_SECRET_KEY = env_secret("STRIPE_SECRET_KEY")
    STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
    if not (STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY):
        raise ImproperlyConfigured(
            "Set STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY for real Stripe, "
            "or DJANGO_ENV=local (or STRIPE_BACKEND=emulator) for the local Stripe emulator."
        )
    # "" = Stripe's own API.
    STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
    STRIPE_JS_URL = env.str("STRIPE_JS_URL", default="https://js.stripe.com/v3/")
STRIPE_API_VERSION = "2026-10-28.endive"
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=8.0)
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=1)
# Prefix of every idempotency key sent to Stripe: set one per deployment when
# several databases share one Stripe account (ids would otherwise collide).
STRIPE_IDEMPOTENCY_PREFIX = env.str("STRIPE_IDEMPOTENCY_PREFIX", default="")
# A Stripe brownout must not hold every thread (orders/capacity.py): at most this many
# purchases per process wait on Stripe; after STRIPE_BREAKER_FAILURES in a row find it
# unavailable, purchases are refused at once for STRIPE_BREAKER_SECONDS.
STRIPE_MAX_CONCURRENT_PURCHASES = env.int("STRIPE_MAX_CONCURRENT_PURCHASES", default=2)
STRIPE_BREAKER_FAILURES = env.int("STRIPE_BREAKER_FAILURES", default=5)
STRIPE_BREAKER_SECONDS = env.float("STRIPE_BREAKER_SECONDS", default=30.0)
# UNPAID orders older than this are settled by `manage.py reconcile_orders`.
RECONCILE_AFTER_SECONDS = env.int("RECONCILE_AFTER_SECONDS", default=300)

# --- Payments for the real Stripe world: flow, webhooks, installation, receipts -----

# How POST /api/order/ pays: "charges" (the 2017 Charge flow, the default) or "payment_intents"
# (PaymentIntents, with 3-D Secure when the bank asks for it: docs/payments.md).
STRIPE_PAYMENT_FLOW = env_choice("STRIPE_PAYMENT_FLOW", ("charges", "payment_intents"), default="charges")
# The signing secret of the webhook endpoint (POST /api/stripe/webhook/). A local run uses the
# development secret `make run` registers with the emulator; production must set Stripe's whsec_….
STRIPE_WEBHOOK_SECRET = env_secret("STRIPE_WEBHOOK_SECRET") or (
    "whsec_frameseller_local_development" if DJANGO_ENV == "local" else ""
)
# Names this installation in the metadata of every charge and PaymentIntent, so that two
# installations sharing one Stripe account never settle an order with the other's payment.
# Default: stable per database (the same database is the same installation).
FRAMESELLER_INSTALLATION = env.str(
    "FRAMESELLER_INSTALLATION",
    default=databases.installation_id(DATABASES["default"]),
)
# Receipts: Django's email framework (MAILERS). EMAIL_URL (django-environ's syntax) chooses the
# service: smtp+tls://USER:PASSWORD@email-smtp.eu-west-1.amazonaws.com:587 for Amazon SES over
# SMTP, any SMTP server, or consolemail://. A local run keeps every mail as a file in var/mail/.
EMAIL_TIMEOUT_SECONDS = env.int("EMAIL_TIMEOUT", default=10)
if "EMAIL_URL" in env:
    MAILERS = {"default": mailers.mailer_config(env_secret("EMAIL_URL"), timeout=EMAIL_TIMEOUT_SECONDS)}
elif DJANGO_ENV == "local":
    MAILERS = {"default": mailers.file_mailer_config(VAR_DIR / "mail")}
else:
    # Nothing listens there on an instance: `check --deploy` refuses it (frameseller.checks).
    MAILERS = {"default": mailers.mailer_config("smtp://localhost:25", timeout=EMAIL_TIMEOUT_SECONDS)}
# Production has no default for these two: `check --deploy` refuses them unset (frameseller.checks).
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="FrameSeller <receipts@frameseller.example>" if DJANGO_ENV == "local" else ""
)
# The shop's public address, for the My orders link in receipts.
SHOP_URL = env.str("SHOP_URL", default="http://127.0.0.1:8000/" if DJANGO_ENV == "local" else "")
# How long a password reset link works (Django's PasswordResetTokenGenerator), in seconds.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=60 * 60)

# --- Background tasks: django.tasks, kept in the database (django-tasks-db) -----
# `manage.py run_worker` (the Procfile's worker, `make run` too) runs them; several workers take
# a task each under a row lock (docs/operations.md#background-tasks).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# A task RUNNING longer than this is taken for lost (its worker died) and run again: above the
# longest task (a mail: a few EMAIL_TIMEOUTs; a photo's derivatives: seconds).
TASKS_LEASE_SECONDS = env.int("TASKS_LEASE_SECONDS", default=300)
# A mail claimed for sending (the receipt's claim) and not recorded sent after this is sent again:
# above the longest an SMTP conversation can take (several EMAIL_TIMEOUTs), below TASKS_LEASE_SECONDS.
EMAIL_SEND_LEASE_SECONDS = env.int("EMAIL_SEND_LEASE_SECONDS", default=120)

# --- Logging: to stdout, for gunicorn and the platform to collect -------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No log line grows with what a client sent: messages and traceback lines are cut.
    "filters": {"cap_length": {"()": "frameseller.logs.CapLength"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["cap_length"]}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "stripe": {"level": "WARNING"},
    },
}
