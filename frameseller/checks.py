"""System checks for the project's own settings."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

from frameseller.secret_key import secret_key_weakness

NEW_KEY_HINT = 'Generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'


@register(Tags.security, deploy=True)
def check_signing_keys(app_configs, **kwargs):
    """Refuse a known or guessable signing key: whoever has it can forge a token for any account."""
    errors = []
    weakness = secret_key_weakness(settings.SECRET_KEY, var_dir=settings.VAR_DIR)
    if weakness:
        errors.append(
            Error(
                f"SECRET_KEY must not be used in production: {weakness}.",
                hint=f"Set DJANGO_SECRET_KEY to a long random string. {NEW_KEY_HINT}",
                id="frameseller.E001",
            )
        )
    jwt_key = settings.SIMPLE_JWT["SIGNING_KEY"]
    weakness = secret_key_weakness(jwt_key, var_dir=settings.VAR_DIR) if jwt_key != settings.SECRET_KEY else ""
    if weakness:
        errors.append(
            Error(
                f"The JWT signing key must not be used in production: {weakness}.",
                hint=f"Set JWT_SIGNING_KEY to a long random string, or unset it to sign with DJANGO_SECRET_KEY. "
                f"{NEW_KEY_HINT}",
                id="frameseller.E002",
            )
        )
    return errors


# --- What production needs: shared photos, a shared bounded cache, webhooks, mail ---------------

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}  # noqa: S104 - names, not a bind
_NOT_A_MAIL_SERVICE = {
    "django.core.mail.backends.console.EmailBackend": "the console",
    "django.core.mail.backends.filebased.EmailBackend": "files on this instance",
    "django.core.mail.backends.locmem.EmailBackend": "memory",
    "django.core.mail.backends.dummy.EmailBackend": "nowhere",
}
_SMTP = "django.core.mail.backends.smtp.EmailBackend"


@register(Tags.compatibility, deploy=True)
def check_production_services(app_configs, **kwargs):
    """Refuse what cannot work with several instances: local photos, a per-instance cache, no webhooks or mail."""
    return [
        *_photos_errors(),
        *_cache_errors(),
        *_webhook_errors(),
        *_mail_errors(),
    ]


def _photos_errors() -> list[Error]:
    if settings.PHOTOS_STORAGE == "s3":
        return []
    return [
        Error(
            "Photos are kept on this instance's disk (PHOTOS_STORAGE=filesystem): the other instances answer "
            "404 for them, and every deployment replaces the folder, losing the photos added since.",
            hint="Set PHOTOS_STORAGE=s3, PHOTOS_ORIGINALS_BUCKET and PHOTOS_PUBLIC_BUCKET "
            "(and PHOTOS_S3_REGION, PHOTOS_CDN_DOMAIN): docs/deploy.md, step 5.",
            id="frameseller.E003",
        )
    ]


def _cache_errors() -> list[Error]:
    backend = settings.CACHE_BACKEND
    if backend == "redis":
        return []
    hint = "Set REDIS_URL to an ElastiCache (Redis OSS or Valkey) endpoint: docs/deploy.md, step 4."
    if backend == "db":
        # Django's database cache counts its rows on every write and, past MAX_ENTRIES (300), deletes a
        # third of them in key order, live throttle counters and the catalog's version included: a login
        # limit that resets under load. A large MAX_ENTRIES makes every write count a large table instead.
        message = (
            "The cache (db) is not safely bounded: past 300 entries it deletes a third of them in key order, "
            "live login throttle counters included, and a larger bound makes every write count the table."
        )
    else:
        message = (
            f"The cache ({backend}) is not shared by every instance: each worker would keep its own throttle "
            "counters (a login limit per process is no limit) and its own catalog version."
        )
    return [Error(message, hint=hint, id="frameseller.E004")]


def _webhook_errors() -> list[Error]:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if secret and secret != "whsec_frameseller_local_development":
        return []
    return [
        Error(
            "STRIPE_WEBHOOK_SECRET is not set (or is the local development secret): Stripe's events (refunds, "
            "disputes, payments settled late) would all be refused.",
            hint="Register the endpoint and store its secret with `python -m deploy stripe-webhook` "
            "(docs/deploy.md, step 6), then reference it as an environment secret.",
            id="frameseller.E005",
        )
    ]


def _mail_errors() -> list[Error]:
    errors = []
    mailer = settings.MAILERS["default"]
    backend, options = mailer["BACKEND"], mailer.get("OPTIONS", {})
    where = _NOT_A_MAIL_SERVICE.get(backend)
    # The default without EMAIL_URL: no mail server listens there on an instance. (Another port on the
    # loopback is a relay or a test's server, taken as meant.)
    if where is None and backend == _SMTP and options.get("host") in _LOOPBACK_HOSTS and options.get("port") == 25:
        where = f"{options['host']}:25, where no mail server listens on an instance"
    if where:
        errors.append(
            Error(
                f"No mail service: receipts would go to {where}.",
                hint="Set EMAIL_URL, e.g. smtp+tls://USER:PASSWORD@email-smtp.REGION.amazonaws.com:587 for "
                "Amazon SES (docs/deploy.md, step 3).",
                id="frameseller.E006",
            )
        )
    shop = urlsplit(settings.SHOP_URL)
    if not settings.SHOP_URL:
        errors.append(_shop_url_error("SHOP_URL is not set: the links in receipts and password resets go nowhere."))
    elif shop.scheme not in ("http", "https") or not shop.hostname or shop.hostname in _LOOPBACK_HOSTS:
        errors.append(_shop_url_error(f"SHOP_URL is not a public address: {settings.SHOP_URL!r}."))
    if not settings.DEFAULT_FROM_EMAIL:
        errors.append(
            Error(
                "DEFAULT_FROM_EMAIL is not set: receipts need a sender.",
                hint="Set DEFAULT_FROM_EMAIL to an address of an identity verified in Amazon SES, "
                'e.g. "FrameSeller <receipts@shop.example.com>".',
                id="frameseller.E008",
            )
        )
    return errors


def _shop_url_error(message: str) -> Error:
    return Error(
        message, hint="Set SHOP_URL to the shop's public address, e.g. https://shop.example.com/", id="frameseller.E007"
    )
