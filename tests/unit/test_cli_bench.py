"""The command line and the benchmark's parts that need no database."""

from __future__ import annotations

import argparse
import json

import pytest

from corral.cli import COMMANDS, build_parser, main
from corral.cli.bench import add_arguments
from corral.cli.benchmark import report
from corral.cli.benchmark.database import Target
from corral.cli.benchmark.report import Cell, Run
from corral.cli.benchmark.workloads import (
    IMPLEMENTATIONS,
    PEERS,
    RAW,
    WORKLOADS,
    WORKLOADS_BY_NAME,
    Implementation,
)


def _bench_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench")
    add_arguments(parser)
    return parser


def _run(cells: list[Cell], skipped: dict[str, str] | None = None) -> Run:
    workloads = list(dict.fromkeys(cell.workload for cell in cells))
    implementations = list(dict.fromkeys(cell.implementation for cell in cells))
    run = Run(
        database="sqlite",
        server="SQLite 3",
        scale=1.0,
        repeat=3,
        started="2026-01-01 00:00 UTC",
        machine={"description": "test machine"},
        versions={"python": "3"},
        workloads=workloads,
        implementations=implementations,
        skipped=skipped or {},
    )
    for cell in cells:
        run.cells[(cell.workload, cell.implementation)] = cell
    return run


def test_help_lists_every_command() -> None:
    """`python -m corral --help` names each registered command with its help line."""
    text = build_parser().format_help()
    for command in COMMANDS:
        assert command.name in text
        assert command.help[:30] in text


def test_no_command_prints_usage_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command the CLI prints its help to stderr and returns status 2."""
    assert main([]) == 2
    assert "commands" in capsys.readouterr().err


def test_bench_defaults_run_everything() -> None:
    """By default every workload and every peer is chosen, five repetitions, full scale."""
    args = _bench_parser().parse_args([])
    assert args.only == [workload.name for workload in WORKLOADS]
    assert args.peers == list(PEERS)
    assert (args.repeat, args.scale, args.url) == (5, 1.0, None)


def test_bench_options_parse_lists() -> None:
    """--only and --peers take comma-separated names; an empty --peers means none."""
    args = _bench_parser().parse_args(["--only", "get_by_pk,load_tuples", "--peers", ""])
    assert args.only == ["get_by_pk", "load_tuples"]
    assert args.peers == []


@pytest.mark.parametrize(
    "argv",
    [["--only", "nope"], ["--peers", "hibernate"], ["--scale", "0"], ["--repeat", "0"]],
)
def test_bench_rejects_bad_options(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Unknown workloads or peers, a zero scale and zero repetitions are usage errors."""
    with pytest.raises(SystemExit) as raised:
        _bench_parser().parse_args(argv)
    assert raised.value.code == 2
    assert "bench:" in capsys.readouterr().err


def test_workload_sizes_scale_down_to_one() -> None:
    """The counts scale with --scale and never drop below one."""
    assert WORKLOADS_BY_NAME["load_objects"].size(1.0) == 50_000
    assert WORKLOADS_BY_NAME["bulk_insert"].size(0.01) == 200
    assert WORKLOADS_BY_NAME["get_by_pk"].size(0.0001) == 1


def test_every_implementation_covers_every_workload() -> None:
    """The registry names the raw driver first and each workload is a method of the base."""
    assert IMPLEMENTATIONS[0].name == RAW
    for workload in WORKLOADS:
        assert callable(getattr(Implementation, workload.name))


def test_target_parses_sqlite_and_postgresql() -> None:
    """A SQLite file URL and a PostgreSQL URL become targets with driver-ready forms."""
    sqlite = Target.from_url("sqlite:////tmp/bench.db")
    assert (sqlite.kind, sqlite.sqlite_path) == ("sqlite", "/tmp/bench.db")
    server = Target.from_url("postgresql+psycopg://bob:p%40ss@db.local:6543/shop")
    assert server.kind == "postgresql"
    assert server.libpq_url == "postgresql://bob:p%40ss@db.local:6543/shop"
    assert server.params == {
        "host": "db.local",
        "port": 6543,
        "user": "bob",
        "password": "p@ss",
        "database": "shop",
    }
    assert server.corral_url.startswith("postgresql+psycopg://")


@pytest.mark.parametrize("url", ["sqlite:///:memory:", "mysql://root@localhost/test"])
def test_target_refuses_other_databases(url: str) -> None:
    """An in-memory SQLite database or another server is refused with the URL named."""
    with pytest.raises(ValueError, match=r"sqlite|postgresql"):
        Target.from_url(url)


def test_report_ratios_failures_and_skips() -> None:
    """Ratios divide by the raw driver's median; failures and skipped peers are noted."""
    run = _run(
        [
            Cell("get_by_pk", RAW, [0.1, 0.3, 0.2]),
            Cell("get_by_pk", "corral", [0.5, 0.4, 0.6]),
            Cell("get_by_pk", "sqlalchemy", [], error="ValueError: broken"),
        ],
        skipped={"pony": "not installed (pony)"},
    )
    assert run.ratio("get_by_pk", "corral") == pytest.approx(2.5)
    assert run.ratio("get_by_pk", "sqlalchemy") is None
    table = report.rows(run)
    assert table[0] == ["workload", "raw driver", "corral", "SQLAlchemy"]
    assert table[1] == ["get_by_pk", "1.00 (200.0 ms)", "2.50", "FAILED"]
    text = report.terminal(run)
    assert "Pony skipped: not installed (pony)" in text
    assert "SQLAlchemy failed on get_by_pk: ValueError: broken" in text


def test_report_markdown_and_json_carry_the_same_numbers() -> None:
    """The Markdown table and the JSON hold the ratio and the peak memory."""
    run = _run(
        [
            Cell("load_objects", RAW, [1.0], peak_memory=2**20),
            Cell("load_objects", "corral", [2.0], peak_memory=3 * 2**20),
        ]
    )
    markdown = report.markdown(run)
    assert "| load_objects | 1.00 (1000.0 ms) | 2.00 |" in markdown
    assert "| load_objects peak memory | 1.0 MiB | 3.0 MiB |" in markdown
    data = json.loads(report.dumps(run))
    corral = next(r for r in data["results"] if r["implementation"] == "corral")
    assert corral["ratio_to_raw"] == 2.0
    assert corral["peak_memory_bytes"] == 3 * 2**20


def test_asyncio_workloads_run_only_where_there_is_an_asyncio_api() -> None:
    """The asyncio workloads are measured for the raw driver, corral, SQLAlchemy and
    Tortoise ORM; Tortoise, which has only an asyncio API, runs nothing else."""
    from corral.cli.benchmark.workloads import ASYNCIO_IMPLEMENTATIONS, measured

    asyncio_workloads = {w.name for w in WORKLOADS if w.asyncio}
    assert asyncio_workloads == {"async_get_by_pk", "async_load_objects"}
    assert frozenset({RAW, "corral", "sqlalchemy", "tortoise"}) == ASYNCIO_IMPLEMENTATIONS
    assert "tortoise" in PEERS
    tortoise = {w.name for w in WORKLOADS if measured(w.name, "tortoise")}
    assert tortoise == asyncio_workloads
    assert all(measured(w.name, "sqlalchemy") for w in WORKLOADS)


def test_a_peer_with_nothing_to_measure_gets_no_column() -> None:
    """With only synchronous workloads asked for, Tortoise ORM is left out of the table
    (not reported as skipped); with an asyncio workload it is in, and noted."""
    from corral.cli.bench import chosen

    target = Target.from_url("sqlite:///bench.db")
    sync_only = _bench_parser().parse_args(["--only", "load_objects", "--peers", "tortoise"])
    assert chosen(target, sync_only) == ([RAW, "corral"], {})
    both = _bench_parser().parse_args(
        ["--only", "load_objects,async_load_objects", "--peers", "tortoise"]
    )
    implementations, skipped = chosen(target, both)
    assert "tortoise" in implementations + list(skipped)
    run = _run(
        [
            Cell("load_objects", RAW, [0.1]),
            Cell("async_load_objects", RAW, [0.1]),
            Cell("async_load_objects", "tortoise", [0.3]),
        ]
    )
    assert report.rows(run)[1:3] == [
        ["load_objects", "1.00 (100.0 ms)", "-"],
        ["async_load_objects", "1.00 (100.0 ms)", "3.00"],
    ]
    text = report.terminal(run)
    assert "Tortoise ORM has only an asyncio API: it runs the asyncio workloads." in text


def test_a_workload_without_an_api_is_left_empty_and_noted() -> None:
    """Pony has no INSERT of rows without objects: its bulk_insert_fast cell is not run,
    shows "-", and the notes say why; the asyncio workloads stay the three APIs' own."""
    from corral.cli.benchmark.workloads import measured

    assert not measured("bulk_insert_fast", "pony")
    assert measured("bulk_insert_fast", "peewee") and measured("bulk_insert", "pony")
    assert not measured("async_get_by_pk", "pony") and measured("async_get_by_pk", "corral")
    run = _run([Cell("bulk_insert_fast", RAW, [0.1]), Cell("bulk_insert_fast", "corral", [0.2])])
    run.implementations.append("pony")
    assert report.rows(run)[1] == ["bulk_insert_fast", "1.00 (100.0 ms)", "2.00", "-"]
    text = report.terminal(run)
    assert "Pony has no bulk_insert_fast (it inserts rows only as new entity objects)." in text


def test_the_versions_name_every_library_measured() -> None:
    """The results' versions line names each implementation's installed distribution."""
    from corral.cli.bench import _DISTRIBUTIONS, _versions

    assert set(_DISTRIBUTIONS) == {info.name for info in IMPLEMENTATIONS} - {RAW}
    versions = _versions(["corral"])
    assert versions["corral"] and "python" in versions
