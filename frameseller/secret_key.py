"""The development secret key, made once per checkout, and what makes a key unfit for production."""

import os
import secrets
import tempfile
from pathlib import Path

DEV_KEY_FILE = "dev-secret-key"
# Django's own mark of a key not meant for production (startproject writes it, check --deploy warns).
INSECURE_PREFIX = "django-insecure"
# Django's thresholds for a key too weak to sign anything (its security.W009 warning).
MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5


def dev_secret_key(var_dir: Path) -> str:
    """Return this checkout's development key from `var_dir`, making it on first use (owner-only file)."""
    path = var_dir / DEV_KEY_FILE
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd, draft = tempfile.mkstemp(dir=var_dir, prefix=f".{DEV_KEY_FILE}-")  # mode 0600
        try:
            with os.fdopen(fd, "w") as file:
                file.write(f"{INSECURE_PREFIX}-{secrets.token_urlsafe(50)}\n")
            # A link never replaces a key: two first starts at once end up with the same one.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft)
    return path.read_text().strip()


def secret_key_weakness(key: str, *, var_dir: Path) -> str:
    """Return why `key` must not sign anything in production, or "" when nothing is known against it."""
    dev_key = var_dir / DEV_KEY_FILE
    if dev_key.exists() and key == dev_key.read_text().strip():
        return "it is this checkout's development key"
    if key.startswith(INSECURE_PREFIX):
        return f'it is a development key (it starts with "{INSECURE_PREFIX}")'
    if len(key) < MIN_LENGTH or len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return f"it has fewer than {MIN_LENGTH} characters or fewer than {MIN_UNIQUE_CHARACTERS} different ones"
    return ""
