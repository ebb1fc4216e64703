"""The ticket-sales demo runs on each database, holds its invariants and traces a request."""

from __future__ import annotations

import argparse
import io
import random

import pytest

from corral import URL, Session, create_engine, select, update
from corral.cli import demo
from corral.cli.demo_models import Event


def _args(url: URL, *extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    return parser.parse_args(["--url", url.render_as_string(hide_password=False), *extra])


def test_demo_report_and_invariants(db_url: URL, capsys: pytest.CaptureFixture[str]) -> None:
    """A small run exits 0 and reports orders, retries, invariants and one request's life."""
    status = demo.run(_args(db_url, "--workers", "4", "--orders", "60"))
    report = capsys.readouterr().out
    assert status == 0
    assert "orders placed" in report
    assert "[ok] no event is oversold" in report
    assert "FAILED" not in report
    life = report.split("the life of one request", 1)[1]
    steps = ["session created", "connection checked out", "BEGIN", "autoflush", "INSERT INTO"]
    if create_engine(db_url).dialect.begins_at_first_write():  # SQLite: BEGIN at the first write
        steps[2:4] = ["autoflush", "first write: the database transaction begins", "BEGIN"]
    steps += ["COMMIT", "connection returned", "session removed"]
    positions = [life.index(step) for step in steps]
    assert positions == sorted(positions)


def test_quiet_prints_only_the_verdict(db_url: URL, capsys: pytest.CaptureFixture[str]) -> None:
    """--quiet prints one line."""
    assert demo.run(_args(db_url, "--workers", "2", "--orders", "10", "--quiet")) == 0
    assert capsys.readouterr().out.strip() == "corral demo: every invariant held"


def test_a_broken_invariant_fails_the_verdict(db_url: URL) -> None:
    """Seats sold with no order lines behind them fail the verdict."""
    engine = create_engine(db_url)
    try:
        demo._setup(engine, random.Random(1))
        with Session(engine) as session:
            session.execute(
                update(Event).where(Event.id == 1).values(seats_sold=3),
                execution_options={"synchronize_session": False},
            )
            session.commit()
            assert session.scalar(select(Event.seats_sold).where(Event.id == 1)) == 3
        checks = dict(demo._check(engine, demo.Outcome(placed=-1)))
        assert checks["seats sold equal the order lines"] is False
        assert checks["no event is oversold"] is True
    finally:
        engine.dispose()


def test_bad_options_are_refused() -> None:
    """--workers 0 is refused with status 2."""
    parser = argparse.ArgumentParser()
    demo.add_arguments(parser)
    assert demo.run(parser.parse_args(["--workers", "0", "--quiet"])) == 2


def test_demo_is_a_listed_command(capsys: pytest.CaptureFixture[str]) -> None:
    """python -m corral --help lists the demo."""
    from corral.cli import main

    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_progress_lines_without_a_terminal() -> None:
    """Written to a file, progress is a line per quarter, not a redrawn bar."""
    stream = io.StringIO()
    progress = demo.Progress(8, stream)
    for _ in range(8):
        progress.advance()
    lines = stream.getvalue().splitlines()
    assert [line.split("] ")[1] for line in lines] == [
        "2/8 requests",
        "4/8 requests",
        "6/8 requests",
        "8/8 requests",
    ]


def test_asyncio_mode_holds_the_invariants(db_url: URL, capsys: pytest.CaptureFixture[str]) -> None:
    """--asyncio sells from tasks through AsyncSession and keeps every invariant."""
    status = demo.run(_args(db_url, "--workers", "4", "--orders", "60", "--asyncio"))
    report = capsys.readouterr().out
    assert status == 0
    assert "[ok] no event is oversold" in report
    assert "[ok] orders placed equal orders stored" in report
    assert "FAILED" not in report
    assert "asyncio: 4 tasks; the loop's worst stall" in report
