"""SQLAlchemy 2.0's source distribution, fetched with pip into a cache and unpacked there.

Only the parts the harness uses are unpacked: ``lib/`` (SQLAlchemy itself, run as pure Python
for the reference side), ``doc/build/`` and ``examples/``. The cache lives under ``.cache/`` in
the repository, which git ignores; nothing of SQLAlchemy is committed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from pathlib import Path

#: Where sdists are downloaded and unpacked (git ignores ``.cache/``).
CACHE = Path(__file__).resolve().parents[2] / ".cache" / "sa_compat"
#: The release under test; older series only lend documentation pages (plan.DocGroup.series).
SERIES = "2.0"
SDIST_NAME = re.compile(r"^sqlalchemy-(\d+\.\d+)\.(\d+)\.tar\.gz$", re.IGNORECASE)
WANTED = ("lib/", "doc/build/", "examples/")


def requirement(series: str) -> str:
    """The pip requirement for the newest release of ``series`` (``2.0``, ``1.4``)."""
    major, minor = (int(part) for part in series.split("."))
    return f"sqlalchemy>={major}.{minor},<{major}.{minor + 1}"


class SourceUnavailable(Exception):
    """pip could not provide the source distribution."""


def download(cache: Path, series: str = SERIES) -> Path:
    """The newest cached sdist of ``series``, downloading one with pip when the cache has none.

    ``--no-binary sqlalchemy`` asks for the source distribution; unlike ``:all:`` it lets pip
    use wheels for the build tools it needs to read the sdist's metadata, which saves minutes.
    """
    cache.mkdir(parents=True, exist_ok=True)
    found = cached_sdists(cache, series)
    if found:
        return found[-1]
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--no-binary", "sqlalchemy", requirement(series), "-d", str(cache),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    found = cached_sdists(cache, series)
    if result.returncode != 0 or not found:
        raise SourceUnavailable(
            f"`{' '.join(command)}` failed (exit {result.returncode}):\n{result.stderr[-2000:]}"
        )
    return found[-1]


def cached_sdists(cache: Path, series: str = SERIES) -> list[Path]:
    """Cached sdists of ``series``, oldest version first."""
    matches = [(SDIST_NAME.match(path.name), path) for path in cache.iterdir()]
    versioned = [(int(m[2]), path) for m, path in matches if m and m[1] == series]
    return [path for _, path in sorted(versioned)]


def unpack(sdist: Path) -> Path:
    """The directory holding the sdist's ``lib/``, ``doc/build/`` and ``examples/``."""
    root = sdist.parent / sdist.name.removesuffix(".tar.gz")
    done = root / ".unpacked"
    if done.exists():
        return root
    with tarfile.open(sdist) as archive:
        members = []
        for member in archive.getmembers():
            _, _, inner = member.name.partition("/")
            if inner.startswith(WANTED):
                member.name = inner
                members.append(member)
        archive.extractall(root, members=members, filter="data")
    done.touch()
    return root


def docs_root(root: Path, series: str) -> Path:
    """Where the documentation of ``series`` is unpacked: ``root`` (the release under test,
    or the tree given with ``--source``) for 2.0, else the cached sdist of that series."""
    if series == SERIES:
        return root
    return unpack(download(CACHE, series))


def version_of(root: Path) -> str:
    """The SQLAlchemy version an unpacked sdist holds, from its directory name."""
    return root.name.split("-", 1)[-1]
