"""The benchmark runs end to end at a tiny scale; no ratio is ever asserted."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from corral.cli import bench
from corral.cli.benchmark import worker
from corral.cli.benchmark.database import Fixture, Target
from corral.cli.benchmark.worker import CellSpec, run_cell
from corral.cli.benchmark.workloads import (
    IMPLEMENTATIONS_BY_NAME,
    PEERS,
    WORKLOADS,
    Implementation,
    measured,
)
from corral.engine import URL

from .conftest import Servers

SCALE = 0.002


def test_bench_command_writes_tables(tmp_path: Path) -> None:
    """`python -m corral bench` on SQLite prints the table and writes Markdown and JSON."""
    command = [sys.executable, "-m", "corral", "bench", "--scale", str(SCALE), "--repeat", "1"]
    command += ["--peers", "", "--quiet", "--output", str(tmp_path)]
    env = {**os.environ, "CORRAL_BENCH_POSTGRESQL_URL": ""}
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=120, check=False, env=env
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    for workload in WORKLOADS:
        assert workload.name in completed.stdout
    assert "load_objects peak memory" in completed.stdout
    data = json.loads((tmp_path / "bench-sqlite.json").read_text())
    cells = {(r["workload"], r["implementation"]): r for r in data["results"]}
    assert len(cells) == 2 * len(WORKLOADS)
    assert all(r["error"] is None and r["ratio_to_raw"] is not None for r in cells.values())
    assert "| workload | raw driver | corral |" in (tmp_path / "bench-sqlite.md").read_text()


def _url(backend: str, servers: Servers, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'bench.db'}"
    database = servers.get(backend)
    database.clean()
    url: URL = database.url
    return url.render_as_string(hide_password=False)


@pytest.mark.parametrize("implementation", ["raw", "corral"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_every_workload_checks_out(
    backend: str, implementation: str, servers: Servers, tmp_path: Path
) -> None:
    """Each workload runs and passes the worker's check of the table and the results."""
    url = _url(backend, servers, tmp_path)
    fixture = Fixture(Target.from_url(url))
    fixture.create_table()
    try:
        for workload in WORKLOADS:
            result = run_cell(CellSpec(workload.name, implementation, url, SCALE, 1, memory=True))
            assert result.error is None, result.detail
            assert len(result.times) == 1
            assert (result.peak_memory is not None) == workload.measures_memory
    finally:
        fixture.drop_table()
        fixture.close()


def test_the_raw_driver_runs_on_the_file_mode_corral_runs_on(tmp_path: Path) -> None:
    """The SQLite file is in WAL mode before any cell runs, so the raw driver's first
    cell is not timed on the rollback journal while every later cell runs on the WAL
    that corral's engine turned on."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    control = sqlite3.connect(tmp_path / "control.db")
    assert control.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    control.close()
    fixture = Fixture(Target.from_url(url))
    fixture.create_table()
    fixture.close()
    raw = sqlite3.connect(tmp_path / "bench.db")
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        raw.close()


class _Broken(Implementation):
    def get_by_pk(self, ids: Sequence[int]) -> list[str]:
        return ["somebody else"] * len(ids)


def test_a_wrong_result_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An implementation that returns the wrong rows gets an error in its cell."""
    url = f"sqlite:///{tmp_path / 'bench.db'}"
    fixture = Fixture(Target.from_url(url))
    fixture.create_table()
    fixture.close()

    def broken(name: str, target: Target) -> Implementation:
        return _Broken()

    monkeypatch.setattr(worker, "load_implementation", broken)
    result = run_cell(CellSpec("get_by_pk", "corral", url, SCALE, 1))
    assert result.error is not None
    assert "wrong result" in result.error
    assert result.times == []


NEW_WORKLOADS = (
    "bulk_insert_fast",
    "eager_selectin",
    "eager_joined",
    "web_requests",
    "web_requests_8_threads",
)


def _peer_runs(
    peer: str, workloads: Sequence[str], backend: str, servers: Servers, tmp_path: Path
) -> None:
    """Each of ``workloads`` that ``peer`` has an API for runs at 1% and passes the worker's
    check (skipped where the peer is not installed)."""
    missing = IMPLEMENTATIONS_BY_NAME[peer].missing(backend)
    if missing:
        pytest.skip(f"{peer} needs {', '.join(missing)}")
    url = _url(backend, servers, tmp_path)
    fixture = Fixture(Target.from_url(url))
    fixture.create_table()
    try:
        for workload in [name for name in workloads if measured(name, peer)]:
            cell = bench.run_cell(CellSpec(workload, peer, url, 0.01, 1))
            assert cell.error is None, f"{workload}: {cell.error}"
            assert len(cell.times) == 1
    finally:
        fixture.drop_table()
        fixture.close()


@pytest.mark.parametrize(
    "peer", [peer for peer in PEERS if not IMPLEMENTATIONS_BY_NAME[peer].asyncio_only]
)
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_each_peer_runs_the_bulk_eager_and_web_workloads(
    backend: str, peer: str, servers: Servers, tmp_path: Path
) -> None:
    """Each installed peer runs the bulk-path, eager-loading and web-request workloads it
    has an API for with its own idiom, and passes the worker's check (8 threads writing at
    once included)."""
    _peer_runs(peer, NEW_WORKLOADS, backend, servers, tmp_path)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_tortoise_runs_the_asyncio_workloads(
    backend: str, servers: Servers, tmp_path: Path
) -> None:
    """Tortoise ORM, the asyncio-only peer, runs both asyncio workloads (50 tasks on its
    pool for the gets) and passes the worker's check of names and row counts."""
    _peer_runs("tortoise", ("async_get_by_pk", "async_load_objects"), backend, servers, tmp_path)
