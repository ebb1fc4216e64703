"""Private PostgreSQL and MariaDB servers that tests may stop and restart.

The shared servers (127.0.0.1:5432 and :3306) serve every test run on the
machine, so a test that restarts a server gets its own: a throwaway data
directory in a temporary folder, a free loopback port, trust authentication,
started once per test session and removed at the end. Startup takes about a
second each (``initdb --no-sync`` / ``mariadb-install-db``, then the server).

Missing server binaries skip the tests that need them, with the reason; with
``CORRAL_REQUIRE_SERVERS=1`` (CI) they fail instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corral.engine import URL, make_url

#: Seconds a private server gets to start or stop.
STARTUP_LIMIT = 30.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _missing(what: str) -> None:
    message = f"{what} not installed: the private-server tests need it"
    if os.environ.get("CORRAL_REQUIRE_SERVERS") == "1":
        pytest.fail(message + " (CORRAL_REQUIRE_SERVERS=1)")
    pytest.skip(message)


def _wait_until(ready: Any, what: str) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT
    while not ready():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not become ready within {STARTUP_LIMIT} s")
        time.sleep(0.05)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateServer:
    """A database server of this test session's own; ``restart()`` stops and starts it."""

    backend: str
    url: URL
    startup_seconds: float

    def start(self) -> None:
        raise NotImplementedError

    def stop(self, *, crash: bool = False) -> None:
        """Shut down cleanly, or with ``crash`` kill the server without a word to clients."""
        raise NotImplementedError

    def restart(self, *, crash: bool = False) -> None:
        """Stop the server (dropping every connection to it) and start it again."""
        self.stop(crash=crash)
        self.start()


class PrivatePostgreSQL(PrivateServer):
    """PostgreSQL in a temporary data directory, run as the ``postgres`` user when root."""

    backend = "postgresql"

    def __init__(self, bindir: str, folder: Path) -> None:
        self.bindir = bindir
        self.folder = folder
        self.port = free_port()
        self.data = folder / "data"
        self.url = make_url(f"postgresql://root@127.0.0.1:{self.port}/postgres")
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "root", "--no-sync")
        self.start()

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as, os.path.join(self.bindir, program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=STARTUP_LIMIT)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, *, crash: bool = False) -> None:
        mode = "immediate" if crash else "fast"
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


class PrivateMariaDB(PrivateServer):
    """MariaDB in a temporary data directory, root without a password, database ``test``."""

    backend = "mysql"

    def __init__(self, install: str, server: str, folder: Path) -> None:
        self.server = server
        self.folder = folder
        self.port = free_port()
        self.url = make_url(f"mysql://root@127.0.0.1:{self.port}/test")
        self._process: subprocess.Popen[bytes] | None = None
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(
            [
                install,
                "--no-defaults",
                f"--datadir={folder / 'data'}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *user,
            ],
            check=True,
            capture_output=True,
            timeout=STARTUP_LIMIT,
        )
        self.start()
        import pymysql

        connection = pymysql.connect(host="127.0.0.1", port=self.port, user="root")
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE test")
        connection.close()

    def start(self) -> None:
        folder = self.folder
        user = ["--user=root"] if os.geteuid() == 0 else []
        command = [
            self.server,
            "--no-defaults",
            f"--datadir={folder / 'data'}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--socket={folder / 'mysqld.sock'}",
            f"--pid-file={folder / 'mysqld.pid'}",
            "--skip-log-bin",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M",
            *user,
        ]
        with open(folder / "server.log", "ab") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=log)
        _wait_until(lambda: _accepts(self.port), "the private MariaDB")

    def stop(self, *, crash: bool = False) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.send_signal(signal.SIGKILL if crash else signal.SIGTERM)
        try:
            process.wait(STARTUP_LIMIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _postgresql_bindir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def _private(make: Any) -> Iterator[PrivateServer]:
    folder = Path(tempfile.mkdtemp(prefix="corral-server-"))
    began = time.monotonic()
    server: PrivateServer | None = None
    try:
        server = make(folder)
        assert server is not None
        server.startup_seconds = time.monotonic() - began
        yield server
    finally:
        if server is not None:
            with contextlib.suppress(Exception):  # already stopped by a failed restart
                server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def private_postgresql() -> Iterator[PrivateServer]:
    """A PostgreSQL server of this test session's own, which tests may restart."""
    bindir = _postgresql_bindir()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        _missing("PostgreSQL's server (initdb, pg_ctl)")
    pytest.importorskip("psycopg")
    yield from _private(lambda folder: PrivatePostgreSQL(str(bindir), folder))


@pytest.fixture(scope="session")
def private_mariadb() -> Iterator[PrivateServer]:
    """A MariaDB server of this test session's own, which tests may restart."""
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    server = shutil.which("mariadbd") or (
        "/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None
    )
    if install is None or server is None:
        _missing("MariaDB's server (mariadb-install-db, mariadbd)")
    pytest.importorskip("pymysql")
    yield from _private(lambda folder: PrivateMariaDB(str(install), str(server), folder))
