"""Build the Elastic Beanstalk source bundle: the API's code and its platform configuration.

An allow-list of top-level paths, and within them only the files git knows about (tracked, or
new and not ignored), so a developer's local databases, secrets and caches never ship.
"""

import subprocess
import zipfile
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "build" / "frameseller-bundle.zip"

# What Beanstalk needs to install and run the API.
INCLUDE = (
    "manage.py",
    "requirements.txt",
    "Procfile",
    "gunicorn.conf.py",
    ".ebextensions",
    ".platform",
    "frameseller",
    "accounts",
    "catalog",
    "orders",
)
# Never shipped, even when tracked or untracked-but-not-ignored.
EXCLUDE = (
    "*/__pycache__/*",
    "*.pyc",
    "*.sqlite3",
    "*.sqlite3-*",
    "*.pickle",
    ".env",
    "*/.env",
    ".env.*",
    "*/.env.*",
    "*.log",
    "*/.DS_Store",
)


@dataclass(frozen=True)
class Bundle:
    path: Path
    files: tuple[str, ...]
    size: int


def bundle_files(root: Path = ROOT) -> list[str]:
    """Return the bundle's files, relative to ``root``, sorted."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *INCLUDE],
            cwd=root,
            check=True,
            capture_output=True,
        ).stdout.decode()
        candidates = [name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (an exported tarball): walk the allow-list instead.
        candidates = [
            path.relative_to(root).as_posix()
            for top in INCLUDE
            for path in ([root / top] if (root / top).is_file() else (root / top).rglob("*"))
            if path.is_file()
        ]
    return sorted(
        {
            name
            for name in candidates
            if (root / name).is_file() and not any(fnmatch(name, pattern) for pattern in EXCLUDE)
        }
    )


def bundle_build(*, output: Path = DEFAULT_OUTPUT, root: Path = ROOT) -> Bundle:
    """Write the source bundle zip; keep file modes so that platform hooks stay executable."""
    files = bundle_files(root)
    missing = [name for name in ("manage.py", "requirements.txt", "Procfile") if name not in files]
    if missing:
        raise FileNotFoundError(f"the bundle would lack {', '.join(missing)}")
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in files:
            path = root / name
            info = zipfile.ZipInfo.from_file(path, arcname=name)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return Bundle(path=output, files=tuple(files), size=output.stat().st_size)
