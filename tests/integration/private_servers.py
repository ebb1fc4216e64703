"""Private PostgreSQL and MariaDB servers that tests may stop and restart.

The shared servers (127.0.0.1:5432 and :3306) serve every test run on the
machine, so a test that restarts a server gets its own: a throwaway data
directory in a temporary folder, a free loopback port, trust authentication,
started once per test session and removed at the end. Startup takes about a
second each (``initdb --no-sync`` / ``mariadb-install-db``, then the server).

The ``tls_postgresql`` and ``tls_mariadb`` variants also serve TLS with a server
certificate signed by a CA made at test time (``openssl``, see ``Certificates``); only
the TLS tests use them.

Missing server binaries skip the tests that need them, with the reason; with
``CORRAL_REQUIRE_SERVERS=1`` (CI) they fail instead.
"""

from __future__ import annotations

import contextlib
import functools
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
    #: The TLS variants' certificates (None: the server does not serve TLS).
    tls: Certificates | None = None

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

    def __init__(
        self, bindir: str, folder: Path, tls: Certificates | None = None, settings: str = ""
    ) -> None:
        self.bindir = bindir
        #: Extra ``-c name=value`` server settings (``max_prepared_transactions=10``, say).
        self.settings = settings
        self.tls = tls
        self.folder = folder
        self.port = free_port()
        self.data = folder / "data"
        self.url = make_url(f"postgresql://root@127.0.0.1:{self.port}/postgres")
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(folder, "postgres")
            if tls is not None:  # the server reads its key as itself, and only from a 0600 file
                shutil.chown(tls.server_key, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "root", "--no-sync")
        self.start()

    def _run(self, program: str, *args: str) -> None:
        command = [*self._as, os.path.join(self.bindir, program), *args]
        subprocess.run(command, check=True, capture_output=True, timeout=STARTUP_LIMIT)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        options += self.settings
        if self.tls is not None:
            options += (
                f" -c ssl=on -c ssl_cert_file={self.tls.server_cert}"
                f" -c ssl_key_file={self.tls.server_key}"
            )
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", log, "-w", "start")

    def stop(self, *, crash: bool = False) -> None:
        mode = "immediate" if crash else "fast"
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def replicate_synchronously(self) -> None:
        """Have every commit wait until a replica has flushed it (``synchronous_standby_names
        = '*'``), so that a replica promoted after a crash holds every acknowledged commit."""
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="root", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute("ALTER SYSTEM SET synchronous_standby_names = '*'")
            connection.execute("SELECT pg_reload_conf()")


class PrivatePostgreSQLReplica(PrivatePostgreSQL):
    """A streaming replica of a private PostgreSQL: ``pg_basebackup -R`` of its data into a
    directory of its own, started on another port (read-only until ``promote()``)."""

    def __init__(self, primary: PrivatePostgreSQL, folder: Path) -> None:
        self.bindir = primary.bindir
        self.settings = " -c hot_standby=on"
        self.folder = folder
        self.port = free_port()
        self.data = folder / "data"
        self.url = make_url(f"postgresql://root@127.0.0.1:{self.port}/postgres")
        self._as = primary._as
        if self._as:
            shutil.chown(folder, "postgres")
        host = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "root"]
        self._run("pg_basebackup", *host, "-D", str(self.data), "-R", "-X", "stream", "-c", "fast")
        self.start()

    def promote(self) -> None:
        """Make the replica a primary (it stops following and accepts writes)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "promote")


class PrivateMariaDB(PrivateServer):
    """MariaDB in a temporary data directory, root without a password, database ``test``."""

    backend = "mysql"

    def __init__(
        self, install: str, server: str, folder: Path, tls: Certificates | None = None
    ) -> None:
        self.server = server
        self.tls = tls
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

        connection = pymysql.connect(
            host="127.0.0.1", port=self.port, user="root", ssl_disabled=True
        )
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
        if self.tls is not None:
            command += [
                f"--ssl-ca={self.tls.ca}",
                f"--ssl-cert={self.tls.server_cert}",
                f"--ssl-key={self.tls.server_key}",
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


class Certificates:
    """A test CA, a server certificate it signed for 127.0.0.1 and localhost, and a second,
    unrelated CA (``wrong_ca``) that did not sign it; made with the ``openssl`` command."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        self.ca = folder / "ca.pem"
        self.wrong_ca = folder / "wrong-ca.pem"
        self.server_cert = folder / "server.pem"
        self.server_key = folder / "server.key"
        self._make_ca("corral test CA", self.ca, folder / "ca.key")
        self._make_ca("corral unrelated CA", self.wrong_ca, folder / "wrong-ca.key")
        request = folder / "server.csr"
        self._openssl("req", "-new", *self._new_key(self.server_key), "-subj", "/CN=localhost",
                      "-out", str(request))  # fmt: skip
        extensions = folder / "server.ext"
        extensions.write_text(
            "subjectAltName = IP:127.0.0.1, DNS:localhost\n"
            "basicConstraints = critical, CA:FALSE\n"
            "keyUsage = critical, digitalSignature, keyEncipherment\n"
            "extendedKeyUsage = serverAuth\n"
            "authorityKeyIdentifier = keyid\n"
            "subjectKeyIdentifier = hash\n"
        )
        self._openssl("x509", "-req", "-in", str(request), "-CA", str(self.ca),
                      "-CAkey", str(folder / "ca.key"), "-CAcreateserial", "-days", "2",
                      "-extfile", str(extensions), "-out", str(self.server_cert))  # fmt: skip
        self.server_key.chmod(0o600)

    @staticmethod
    def _new_key(path: Path) -> list[str]:
        """openssl req options making a new P-256 key (fast) without a passphrase at ``path``."""
        key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        return [*key, "-keyout", str(path)]

    def _make_ca(self, name: str, cert: Path, key: Path) -> None:
        self._openssl("req", "-x509", *self._new_key(key), "-subj", f"/CN={name}", "-days", "2",
                      "-addext", "basicConstraints = critical, CA:TRUE",
                      "-addext", "keyUsage = critical, keyCertSign, cRLSign",
                      "-out", str(cert))  # fmt: skip

    @staticmethod
    def _openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=STARTUP_LIMIT)


def _certificates(folder: Path) -> Certificates:
    if shutil.which("openssl") is None:
        _missing("The openssl command (to make the TLS tests' certificates)")
    return Certificates(folder / "tls")


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
def twophase_postgresql() -> Iterator[PrivateServer]:
    """A private PostgreSQL that allows prepared transactions (the shared one may not)."""
    bindir = _postgresql_bindir()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        _missing("PostgreSQL's server (initdb, pg_ctl)")
    pytest.importorskip("psycopg")
    yield from _private(
        lambda folder: PrivatePostgreSQL(
            str(bindir), folder, settings=" -c max_prepared_transactions=10"
        )
    )


@pytest.fixture(scope="session")
def replicated_postgresql() -> Iterator[tuple[PrivateServer, PrivatePostgreSQLReplica]]:
    """A private PostgreSQL primary and a streaming replica of it (``pg_basebackup``)."""
    bindir = _postgresql_bindir()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        _missing("PostgreSQL's server (initdb, pg_ctl, pg_basebackup)")
    pytest.importorskip("psycopg")
    for primary in _private(lambda folder: PrivatePostgreSQL(str(bindir), folder)):
        assert isinstance(primary, PrivatePostgreSQL)
        make = functools.partial(PrivatePostgreSQLReplica, primary)
        for replica in _private(make):
            assert isinstance(replica, PrivatePostgreSQLReplica)
            yield primary, replica


@pytest.fixture
def failover_postgresql() -> Iterator[tuple[PrivatePostgreSQL, PrivatePostgreSQLReplica]]:
    """A private PostgreSQL primary and a replica it replicates to synchronously (a commit
    returns once the replica has it), for a test to crash the one and promote the other:
    made afresh for each test that asks (about 3 s)."""
    bindir = _postgresql_bindir()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        _missing("PostgreSQL's server (initdb, pg_ctl, pg_basebackup)")
    pytest.importorskip("psycopg")
    for primary in _private(lambda folder: PrivatePostgreSQL(str(bindir), folder)):
        assert isinstance(primary, PrivatePostgreSQL)
        make = functools.partial(PrivatePostgreSQLReplica, primary)
        for replica in _private(make):
            assert isinstance(replica, PrivatePostgreSQLReplica)
            primary.replicate_synchronously()
            yield primary, replica


@pytest.fixture(scope="session")
def tls_postgresql() -> Iterator[PrivateServer]:
    """A private PostgreSQL serving TLS with a certificate of ``server.tls`` (``Certificates``)."""
    bindir = _postgresql_bindir()
    if bindir is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        _missing("PostgreSQL's server (initdb, pg_ctl)")
    pytest.importorskip("psycopg")
    yield from _private(
        lambda folder: PrivatePostgreSQL(str(bindir), folder, tls=_certificates(folder))
    )


def _mariadb_binaries() -> tuple[str, str]:
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    server = shutil.which("mariadbd") or (
        "/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None
    )
    if install is None or server is None:
        _missing("MariaDB's server (mariadb-install-db, mariadbd)")
    pytest.importorskip("pymysql")
    return str(install), str(server)


@pytest.fixture(scope="session")
def private_mariadb() -> Iterator[PrivateServer]:
    """A MariaDB server of this test session's own, which tests may restart."""
    install, server = _mariadb_binaries()
    yield from _private(lambda folder: PrivateMariaDB(install, server, folder))


@pytest.fixture(scope="session")
def tls_mariadb() -> Iterator[PrivateServer]:
    """A private MariaDB serving TLS with a certificate of ``server.tls`` (``Certificates``)."""
    install, server = _mariadb_binaries()
    yield from _private(
        lambda folder: PrivateMariaDB(install, server, folder, tls=_certificates(folder))
    )
