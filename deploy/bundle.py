"""Build the Elastic Beanstalk source bundle from a commit: the API's code and its platform configuration.

An allow-list of top-level paths, taken from the commit HEAD points at, so that the bundle is
exactly that commit and its version label (frameseller-<commit>) says what shipped. A working
tree with changes in those paths is refused; with allow_dirty it is bundled as it is (tracked
files, and new ones git does not ignore) and labelled -dirty-<time>. Local databases, secrets and
caches never ship either way.
"""

import io
import subprocess
import tarfile
import time
import zipfile
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "build" / "frameseller-bundle.zip"
REVISION_FILE = "REVISION"

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


class DirtyTree(Exception):
    """Files that ship differ from the commit: the bundle would not be what its label says."""


@dataclass(frozen=True)
class Source:
    """The bundle's files, name -> (mode, bytes), and what they are: a commit, perhaps with changes."""

    files: dict[str, tuple[int, bytes]]
    commit: str | None
    dirty: bool

    @property
    def label(self) -> str:
        """The application version label: frameseller-<commit>, or -dirty-<UTC time> for uncommitted changes."""
        label = f"frameseller-{(self.commit or 'nocommit')[:12]}"
        return f"{label}-dirty-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}" if self.dirty else label


@dataclass(frozen=True)
class Bundle:
    path: Path
    files: tuple[str, ...]
    size: int
    label: str
    commit: str | None


def bundle_source(*, root: Path | None = None, allow_dirty: bool = False) -> Source:
    """The files to bundle: HEAD's, or the working tree's when it has changes and allow_dirty says so."""
    root = root or ROOT
    changed = _changed(root)
    if not changed:
        return _commit(root)
    if not allow_dirty:
        shown = ", ".join(changed[:5]) + (f" and {len(changed) - 5} more" if len(changed) > 5 else "")
        raise DirtyTree(
            f"files that ship differ from the last commit ({shown}): commit them, so that the version "
            "label says what shipped, or pass --allow-dirty to bundle the working tree, labelled -dirty"
        )
    return _working_tree(root)


def bundle_build(*, output: Path = DEFAULT_OUTPUT, root: Path | None = None, allow_dirty: bool = False) -> Bundle:
    """Write the source bundle zip; keep file modes so that platform hooks stay executable."""
    source = bundle_source(root=root, allow_dirty=allow_dirty)
    label = source.label
    files = {name: entry for name, entry in source.files.items() if not _excluded(name)}
    missing = [name for name in ("manage.py", "requirements.txt", "Procfile") if name not in files]
    if missing:
        raise FileNotFoundError(f"the bundle would lack {', '.join(missing)}")
    revision = f"label: {label}\ncommit: {source.commit or 'none'}\nuncommitted changes: {source.dirty}\n"
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, (mode, body) in sorted({**files, REVISION_FILE: (0o644, revision.encode())}.items()):
            info = zipfile.ZipInfo(name, date_time=time.gmtime()[:6])
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, body)
    return Bundle(
        path=output, files=tuple(sorted(files)), size=output.stat().st_size, label=label, commit=source.commit
    )


def _commit(root: Path) -> Source:
    """The allow-listed files as HEAD has them."""
    commit = _head(root)
    tops = _git(root, "ls-tree", "--name-only", "-z", commit, "--", *INCLUDE).decode().split("\0")
    tar = _git(root, "archive", "--format=tar", commit, "--", *[top for top in tops if top])
    files = {}
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        for member in archive.getmembers():
            if member.isfile():
                files[member.name] = (member.mode & 0o777, archive.extractfile(member).read())
    return Source(files=files, commit=commit, dirty=False)


def _working_tree(root: Path) -> Source:
    """The allow-listed files git knows about (tracked, or new and not ignored), as they are on disk."""
    try:
        listed = _git(root, "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", *INCLUDE)
        names = list(filter(None, listed.decode().split("\0")))
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (an exported tarball): walk the allow-list instead.
        names = [
            path.relative_to(root).as_posix()
            for top in INCLUDE
            for path in ([root / top] if (root / top).is_file() else (root / top).rglob("*"))
        ]
    files = {}
    for name in names:
        path = root / name
        if path.is_file():
            files[name] = (path.stat().st_mode & 0o777, path.read_bytes())
    return Source(files=files, commit=_head(root), dirty=True)


def _changed(root: Path) -> list[str]:
    """Shipped paths that differ from HEAD: modified, staged, deleted, or new and not ignored."""
    if not _head(root):
        return ["(no commit to bundle: not a git checkout, or no commit yet)"]
    status = _git(root, "status", "--porcelain", "-z", "--no-renames", "--untracked-files=all", "--", *INCLUDE)
    return [entry[3:] for entry in status.decode().split("\0") if len(entry) > 3 and not _excluded(entry[3:])]


def _head(root: Path) -> str | None:
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}").decode().strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def _excluded(name: str) -> bool:
    return any(fnmatch(name, pattern) for pattern in EXCLUDE)


def _git(root: Path, *args: str) -> bytes:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True).stdout
