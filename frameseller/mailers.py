"""Email: Django's MAILERS setting for one EMAIL_URL (django-environ's syntax)."""

from pathlib import Path

import environ

_SMTP = "django.core.mail.backends.smtp.EmailBackend"
_FILE = "django.core.mail.backends.filebased.EmailBackend"


def mailer_config(url: str, *, timeout: int) -> dict:
    """Return the MAILERS entry for `url`: smtp://, smtp+tls://, smtp+ssl://, consolemail://, filemail://…"""
    config = environ.Env.email_url_config(url)
    backend = config["EMAIL_BACKEND"]
    if backend == _FILE:
        return {"BACKEND": backend, "OPTIONS": {"file_path": config["EMAIL_FILE_PATH"]}}
    if backend != _SMTP:
        return {"BACKEND": backend}
    options = {
        "host": config.get("EMAIL_HOST") or "localhost",
        "port": config.get("EMAIL_PORT") or 25,
        "username": config.get("EMAIL_HOST_USER") or "",
        "password": config.get("EMAIL_HOST_PASSWORD") or "",
        "use_tls": bool(config.get("EMAIL_USE_TLS")),
        "use_ssl": bool(config.get("EMAIL_USE_SSL")),
        "timeout": timeout,
    }
    return {"BACKEND": backend, "OPTIONS": options}


def file_mailer_config(path: Path) -> dict:
    """Return a MAILERS entry that keeps every mail as a file in `path` (a local run)."""
    return {"BACKEND": _FILE, "OPTIONS": {"file_path": str(path)}}
