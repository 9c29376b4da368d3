"""`check --deploy` refuses a production environment that cannot work, and says what to set.

The release script runs it before migrating (.platform/scripts/release.sh), so each of these fails
the deployment before anything changes. Each case starts a process with a complete production
environment, one thing taken out or wrong.
"""

import pytest

from tests.test_settings import PRODUCTION, STRIPE_KEYS, start

COMPLETE = {
    **PRODUCTION,
    **STRIPE_KEYS,
    "DJANGO_HTTPS": "1",
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "PHOTOS_STORAGE": "s3",
    "PHOTOS_ORIGINALS_BUCKET": "frameseller-originals",
    "PHOTOS_PUBLIC_BUCKET": "frameseller-media",
    "REDIS_URL": "redis://cache.example.com:6379/0",
    "STRIPE_WEBHOOK_SECRET": "whsec_" + "k" * 32,
    "EMAIL_URL": "smtp+tls://AKIAEXAMPLE:smtp-password@email-smtp.eu-west-1.amazonaws.com:587",
    "DEFAULT_FROM_EMAIL": "FrameSeller <receipts@shop.example.com>",
    "SHOP_URL": "https://shop.example.com/",
}


def check_deploy(tmp_path, **env: str):
    # SQLite: the model checks of a MySQL database would connect to it.
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    return start(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING", **{**env, **database})


def without(*names: str, **changed: str) -> dict:
    return {**{name: value for name, value in COMPLETE.items() if name not in names}, **changed}


def test_a_complete_production_environment_passes(tmp_path):
    result = check_deploy(tmp_path, **COMPLETE)

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("env", "error", "hint"),
    [
        (
            without("PHOTOS_STORAGE", "PHOTOS_ORIGINALS_BUCKET", "PHOTOS_PUBLIC_BUCKET"),
            "(frameseller.E003) Photos are kept on this instance's disk",
            "Set PHOTOS_STORAGE=s3, PHOTOS_ORIGINALS_BUCKET and PHOTOS_PUBLIC_BUCKET",
        ),
        (
            without("REDIS_URL"),
            "(frameseller.E004) The cache (locmem) is not shared by every instance",
            "Set REDIS_URL",
        ),
        (
            without("REDIS_URL", DJANGO_CACHE="db"),
            "(frameseller.E004) The cache (db) is not safely bounded",
            "Set REDIS_URL",
        ),
        (
            without("STRIPE_WEBHOOK_SECRET"),
            "(frameseller.E005) STRIPE_WEBHOOK_SECRET is not set",
            "python -m deploy stripe-webhook",
        ),
        (
            without("EMAIL_URL"),
            "(frameseller.E006) No mail service: receipts would go to localhost:25",
            "Set EMAIL_URL",
        ),
        (
            without(EMAIL_URL="consolemail://"),
            "(frameseller.E006) No mail service: receipts would go to the console",
            "Set EMAIL_URL",
        ),
        (
            without("SHOP_URL"),
            "(frameseller.E007) SHOP_URL is not set",
            "Set SHOP_URL to the shop's public address",
        ),
        (
            without(SHOP_URL="http://127.0.0.1:8000/"),
            "(frameseller.E007) SHOP_URL is not a public address",
            "Set SHOP_URL to the shop's public address",
        ),
        (
            without("DEFAULT_FROM_EMAIL"),
            "(frameseller.E008) DEFAULT_FROM_EMAIL is not set",
            "Set DEFAULT_FROM_EMAIL",
        ),
    ],
    ids=[
        "filesystem photos",
        "no shared cache",
        "database cache",
        "no webhook secret",
        "no mail service",
        "console mail",
        "no shop URL",
        "loopback shop URL",
        "no sender",
    ],
)
def test_check_deploy_refuses_what_cannot_work_in_production_and_says_what_to_set(tmp_path, env, error, hint):
    result = check_deploy(tmp_path, **env)

    assert result.returncode != 0
    assert error in result.stderr
    assert hint in result.stderr
