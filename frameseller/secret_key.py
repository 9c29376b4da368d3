"""The development secret key, made once per checkout."""

import os
import secrets
import tempfile
from pathlib import Path

DEV_KEY_FILE = "dev-secret-key"
# Django's own mark of a key not meant for production (startproject writes it, check --deploy warns).
INSECURE_PREFIX = "django-insecure"


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
