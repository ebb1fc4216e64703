"""A two-node MariaDB Galera cluster on loopback, for the multi-master tests.

Built from Debian's ``galera-4`` (the wsrep provider ``libgalera_smm.so``) and the
``mariadbd`` of ``mariadb-server``: two data directories made by ``mariadb-install-db``
in a temporary folder, node 1 started with ``--wsrep-new-cluster``, node 2 joining it
over ``gcomm://127.0.0.1:PORT`` and receiving its copy of the data by an rsync state
transfer (SST). Every port (SQL, group communication, incremental and full state
transfer) is a free loopback port of its own. Started once per test session (about 10 s,
most of it node 2's state transfer) and stopped, with the folder removed, at the end, also
when starting failed halfway.

Run as root, the servers run as the ``mysql`` user: the rsync daemon of the state transfer
runs as ``nobody`` under root and could not write a root-owned data directory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from corral.engine import URL, make_url
from tests.integration.private_servers import STARTUP_LIMIT, _missing, free_port

#: Where Debian's galera-4 puts the wsrep provider.
PROVIDERS = ("/usr/lib/galera/libgalera_smm.so", "/usr/lib/galera-4/libgalera_smm.so")
#: Seconds node 2 gets to join (the state transfer copies node 1's data directory).
JOIN_LIMIT = 90.0


class GaleraNode:
    """One mariadbd of the cluster, with its four ports."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.port = free_port()
        self.gcomm_port = free_port()
        self.ist_port = free_port()
        self.sst_port = free_port()
        self.url = make_url(f"mysql://root@127.0.0.1:{self.port}/test")
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, server: str, provider: str, user: str, cluster: str) -> list[str]:
        folder = self.folder
        provider_options = (
            f"gmcast.listen_addr=tcp://127.0.0.1:{self.gcomm_port};"
            f"ist.recv_addr=127.0.0.1:{self.ist_port};gcache.size=16M"
        )
        return [
            server,
            "--no-defaults",
            f"--datadir={folder / 'data'}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--socket={folder / 'mysqld.sock'}",
            f"--pid-file={folder / 'mysqld.pid'}",
            f"--log-error={folder / 'error.log'}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M",
            f"--user={user}",
            "--wsrep-on=ON",
            f"--wsrep-provider={provider}",
            f"--wsrep-cluster-address={cluster}",
            "--wsrep-cluster-name=corral_test",
            f"--wsrep-node-name={self.name}",
            f"--wsrep-node-address=127.0.0.1:{self.gcomm_port}",
            f"--wsrep-node-incoming-address=127.0.0.1:{self.port}",
            f"--wsrep-provider-options={provider_options}",
            f"--wsrep-sst-receive-address=127.0.0.1:{self.sst_port}",
            "--wsrep-sst-method=rsync",
            # What Galera requires: row-based replication, InnoDB, interleaved auto-increment.
            "--binlog-format=ROW",
            "--default-storage-engine=InnoDB",
            "--innodb-autoinc-lock-mode=2",
        ]

    def synced(self) -> bool:
        """Whether the node is up, in the primary component and synced with the others."""
        import pymysql

        try:
            connection = pymysql.connect(
                host="127.0.0.1", port=self.port, user="root", connect_timeout=2
            )
        except pymysql.Error:
            return False
        try:
            with connection.cursor() as cursor:
                cursor.execute("SHOW STATUS LIKE 'wsrep_local_state_comment'")
                row = cursor.fetchone()
            return row is not None and row[1] == "Synced"
        finally:
            connection.close()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STARTUP_LIMIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class GaleraCluster:
    """Two Galera nodes replicating each other synchronously (``nodes[0]``, ``nodes[1]``)."""

    def __init__(self, install: str, server: str, provider: str, folder: Path) -> None:
        self.install = install
        self.server = server
        self.provider = provider
        self.folder = folder
        self.user = "mysql" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        if os.geteuid() == 0:
            shutil.chown(folder, self.user)
        self.nodes = [GaleraNode(name, folder / name) for name in ("node1", "node2")]
        self.startup_seconds = 0.0

    @property
    def urls(self) -> list[URL]:
        return [node.url for node in self.nodes]

    def start(self) -> None:
        began = time.monotonic()
        first, second = self.nodes
        for node in self.nodes:
            node.folder.mkdir()
            if os.geteuid() == 0:
                shutil.chown(node.folder, self.user)
            self._install(node)
        self._start(first, "gcomm://", "--wsrep-new-cluster", limit=STARTUP_LIMIT)
        import pymysql

        connection = pymysql.connect(host="127.0.0.1", port=first.port, user="root")
        with connection.cursor() as cursor:
            cursor.execute("CREATE DATABASE test")
        connection.close()
        self._start(second, f"gcomm://127.0.0.1:{first.gcomm_port}", limit=JOIN_LIMIT)
        self.startup_seconds = time.monotonic() - began

    def _install(self, node: GaleraNode) -> None:
        subprocess.run(
            [
                self.install,
                "--no-defaults",
                f"--datadir={node.folder / 'data'}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                f"--user={self.user}",
            ],
            check=True,
            capture_output=True,
            timeout=STARTUP_LIMIT,
        )

    def _start(self, node: GaleraNode, cluster: str, *extra: str, limit: float) -> None:
        command = [*node.command(self.server, self.provider, self.user, cluster), *extra]
        with open(self.folder / f"{node.name}.out", "ab") as out:
            node.process = subprocess.Popen(command, stdout=out, stderr=out)
        deadline = time.monotonic() + limit
        while not node.synced():
            if node.process.poll() is not None or time.monotonic() > deadline:
                log = node.folder / "error.log"
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"Galera {node.name} did not reach Synced:\n{tail}")
            time.sleep(0.1)

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()


def _galera_binaries() -> tuple[str, str, str]:
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    server = shutil.which("mariadbd") or (
        "/usr/sbin/mariadbd" if os.path.exists("/usr/sbin/mariadbd") else None
    )
    provider = next((path for path in PROVIDERS if os.path.exists(path)), None)
    if install is None or server is None:
        _missing("MariaDB's server (mariadb-install-db, mariadbd)")
    if provider is None:
        _missing("Galera's wsrep provider (Debian package galera-4)")
    if shutil.which("rsync") is None:
        _missing("rsync (Galera's state transfer to the second node)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("mysql")
        except KeyError:
            _missing("The mysql user (made by the mariadb-server package)")
    pytest.importorskip("pymysql")
    return str(install), str(server), str(provider)


@pytest.fixture(scope="session")
def galera_cluster() -> Iterator[GaleraCluster]:
    """A two-node MariaDB Galera cluster of this test session's own."""
    install, server, provider = _galera_binaries()
    folder = Path(tempfile.mkdtemp(prefix="corral-galera-"))
    cluster = GaleraCluster(install, server, provider, folder)
    try:
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(Exception):  # a node that never started
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
