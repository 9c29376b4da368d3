"""System checks for the project's own settings."""

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
