"""``python -m corral bench``: corral against the raw driver and the peers, as ratios.

Each (workload, implementation) cell runs in a fresh Python process (see
``corral.cli.benchmark.worker``) so one library's caches, imports and garbage never
weigh on another's. The same table goes to the terminal and, as Markdown and JSON, to
the output folder.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

from corral.cli.benchmark import report
from corral.cli.benchmark.database import Fixture, Target
from corral.cli.benchmark.report import Cell, Run
from corral.cli.benchmark.worker import RESULT_MARKER, CellSpec
from corral.cli.benchmark.workloads import (
    IMPLEMENTATIONS,
    PEERS,
    RAW,
    WORKLOADS,
    measured,
)

POSTGRESQL_URL_VARIABLE = "CORRAL_BENCH_POSTGRESQL_URL"
CELL_TIMEOUT_SECONDS = 1800
_DISTRIBUTIONS = {
    "corral": "corral",
    "sqlalchemy": "SQLAlchemy",
    "peewee": "peewee",
    "pony": "pony",
    "django": "Django",
    "tortoise": "tortoise-orm",
}


def _names(known: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise argparse.ArgumentTypeError(
                f"unknown name(s) {', '.join(unknown)}; choose from {', '.join(known)}"
            )
        return names

    return parse


def _scale(text: str) -> float:
    value = float(text)
    if not 0 < value <= 10:
        raise argparse.ArgumentTypeError("the scale is a fraction of the full counts, in (0, 10]")
    return value


def _repeat(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("repeat at least once")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    workloads = [workload.name for workload in WORKLOADS]
    parser.add_argument(
        "--url",
        help="benchmark this database only (sqlite:///FILE or postgresql://user@host/db); "
        f"default: SQLite in a temporary folder, plus ${POSTGRESQL_URL_VARIABLE} when set",
    )
    parser.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        help="fraction of the full row counts (default 1; 0.01 for a smoke run)",
    )
    parser.add_argument("--repeat", type=_repeat, default=5, help="timed runs per cell (default 5)")
    parser.add_argument(
        "--only",
        type=_names(workloads),
        default=workloads,
        metavar="WORKLOAD[,...]",
        help=f"workloads to run (default all: {', '.join(workloads)})",
    )
    parser.add_argument(
        "--peers",
        type=_names(PEERS),
        default=list(PEERS),
        metavar="PEER[,...]",
        help=f"peer ORMs to compare (default every installed one: {', '.join(PEERS)}); '' for none",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("benchmarks/results"),
        help="folder for the Markdown and JSON results (default benchmarks/results)",
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print only the tables, not each cell's progress"
    )


def _targets(url: str | None, folder: str) -> list[Target]:
    if url:
        return [Target.from_url(url)]
    targets = [Target.from_url("sqlite:///" + os.path.join(folder, "bench.db"))]
    server = os.environ.get(POSTGRESQL_URL_VARIABLE)
    if server:
        targets.append(Target.from_url(server))
    return targets


def _versions(implementations: Sequence[str]) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in implementations:
        if name in _DISTRIBUTIONS:
            try:
                versions[name] = importlib.metadata.version(_DISTRIBUTIONS[name])
            except importlib.metadata.PackageNotFoundError:
                versions[name] = "?"
    for driver in ("psycopg", "psycopg2-binary"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[driver] = importlib.metadata.version(driver)
    return versions


def _machine() -> dict[str, str]:
    processor = platform.processor() or platform.machine()
    cpus = os.cpu_count() or 0
    # Other work on the machine slows every cell alike only on average: note how busy it was.
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    return {
        "description": f"{platform.system()} {platform.machine()}, {cpus} CPUs, "
        f"Python {platform.python_version()}, load average {load:.1f} at the start",
        "processor": processor,
    }


def run_cell(spec: CellSpec) -> Cell:
    """Run one cell in a fresh interpreter; a crash or timeout becomes the cell's error."""
    command = [sys.executable, "-m", "corral.cli.benchmark.worker", json.dumps(asdict(spec))]
    cell = Cell(spec.workload, spec.implementation, times=[])
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=CELL_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        cell.error = f"timed out after {CELL_TIMEOUT_SECONDS} s"
        return cell
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if not lines:
        tail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        cell.error = f"worker exited with status {completed.returncode}: {tail}"
        return cell
    data = json.loads(lines[-1][len(RESULT_MARKER) :])
    cell.times = data["times"]
    cell.peak_memory = data["peak_memory"]
    cell.error = data["error"]
    if data.get("detail"):
        print(f"{spec.implementation} {spec.workload}:\n{data['detail']}", file=sys.stderr)
    return cell


def chosen(target: Target, args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """The implementations to measure on ``target`` (the raw driver, corral and the peers
    asked for, less those with an API for none of the workloads asked for), and those
    skipped as not installed, with why."""
    wanted = [RAW, "corral", *args.peers]
    implementations, skipped = [], {}
    for info in IMPLEMENTATIONS:
        if info.name not in wanted or not any(measured(w, info.name) for w in args.only):
            continue
        missing = info.missing(target.kind)
        if missing:
            skipped[info.name] = f"not installed ({', '.join(missing)}); pip install -e '.[bench]'"
        else:
            implementations.append(info.name)
    return implementations, skipped


def bench(target: Target, args: argparse.Namespace) -> Run:
    """Measure every chosen cell on ``target``."""
    implementations, skipped = chosen(target, args)
    fixture = Fixture(target)
    try:
        server = fixture.server_version()
        fixture.create_table()
    finally:
        fixture.close()
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    run = Run(
        database=target.kind,
        server=server,
        scale=args.scale,
        repeat=args.repeat,
        started=started,
        machine=_machine(),
        versions=_versions(implementations),
        workloads=list(args.only),
        implementations=implementations,
        skipped=skipped,
    )
    try:
        for workload in args.only:
            for name in implementations:
                if not measured(workload, name):
                    continue  # no API for it to measure
                spec = CellSpec(workload, name, target.url, args.scale, args.repeat, memory=True)
                cell = run_cell(spec)
                run.cells[(workload, name)] = cell
                if not args.quiet:
                    median = cell.median
                    outcome = cell.error or (f"{median:.4f} s" if median is not None else "")
                    print(f"  {target.kind:10} {workload:15} {name:11} {outcome}", file=sys.stderr)
    finally:
        fixture = Fixture(target)
        try:
            fixture.drop_table()
        finally:
            fixture.close()
    return run


def write_results(run: Run, folder: Path) -> list[Path]:
    """Write ``bench-<database>.md`` and ``.json`` into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    markdown_path = folder / f"bench-{run.database}.md"
    json_path = folder / f"bench-{run.database}.json"
    markdown_path.write_text(report.markdown(run), encoding="utf-8")
    json_path.write_text(report.dumps(run), encoding="utf-8")
    return [markdown_path, json_path]


def run(args: argparse.Namespace) -> int:
    """The command: 0 when every cell ran, 1 when some failed (the tables still print)."""
    failed = False
    with tempfile.TemporaryDirectory(prefix="corral-bench-") as folder:
        try:
            targets = _targets(args.url, folder)
        except ValueError as error:
            print(f"corral bench: {error}", file=sys.stderr)
            return 2
        for target in targets:
            result = bench(target, args)
            paths = write_results(result, args.output)
            print(report.terminal(result))
            print(f"\nwritten: {', '.join(str(path) for path in paths)}\n")
            failed = failed or bool(result.errors())
    return 1 if failed else 0
