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

REQUIREMENT = "sqlalchemy>=2.0,<2.1"
SDIST_NAME = re.compile(r"^sqlalchemy-(2\.0\.\d+)\.tar\.gz$", re.IGNORECASE)
WANTED = ("lib/", "doc/build/", "examples/")


class SourceUnavailable(Exception):
    """pip could not provide the source distribution."""


def download(cache: Path) -> Path:
    """The newest cached sdist, downloading one with pip when the cache has none.

    ``--no-binary sqlalchemy`` asks for the source distribution; unlike ``:all:`` it lets pip
    use wheels for the build tools it needs to read the sdist's metadata, which saves minutes.
    """
    cache.mkdir(parents=True, exist_ok=True)
    found = cached_sdists(cache)
    if found:
        return found[-1]
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--no-binary", "sqlalchemy", REQUIREMENT, "-d", str(cache),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    found = cached_sdists(cache)
    if result.returncode != 0 or not found:
        raise SourceUnavailable(
            f"`{' '.join(command)}` failed (exit {result.returncode}):\n{result.stderr[-2000:]}"
        )
    return found[-1]


def cached_sdists(cache: Path) -> list[Path]:
    """Cached 2.0 sdists, oldest version first."""
    matches = [(SDIST_NAME.match(path.name), path) for path in cache.iterdir()]
    versioned = [(int(m[1].rsplit(".", 1)[1]), path) for m, path in matches if m]
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


def version_of(root: Path) -> str:
    """The SQLAlchemy version an unpacked sdist holds, from its directory name."""
    return root.name.split("-", 1)[-1]
