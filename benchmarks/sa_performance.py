"""SQLAlchemy's own ORM benchmark suite (``examples/performance``) on SQLAlchemy and on corral.

The suite is not in this repository: SQLAlchemy 2.0's source distribution is fetched with
pip into ``.cache/`` at run time (as ``tests/compat`` does) and its ``examples/`` copied to
a temporary folder. Each test runs in a fresh Python process per library, once with
SQLAlchemy (the installed package, C extensions included) and once with corral through the
import hook of ``tests/compat`` (``hook.py``) (``import sqlalchemy`` gives corral). The suite's own
timing line is read from each run (the fastest of ``--repeat`` runs, the libraries taking
turns), and a table printed: test, SQLAlchemy seconds, corral seconds, corral / SQLAlchemy
(below 1: corral is faster).

    python benchmarks/sa_performance.py --fraction 0.1
    python benchmarks/sa_performance.py --dburl postgresql+psycopg://root@127.0.0.1/bench

``--fraction`` scales every suite's default ``--num`` (bulk_inserts 100,000 rows, ...).
On PostgreSQL use a database of your own: each setup drops and creates ``customer``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from tests.compat import source  # noqa: E402  (the repository root is on the path now)

SUITES = ("bulk_inserts", "bulk_updates", "large_resultsets", "short_selects", "single_inserts")
DEFAULT_NUM = re.compile(r"Profiler\.init\(\s*\"(\w+)\",\s*num=(\d+)\s*\)")
TEST_NAME = re.compile(r"@Profiler\.profile\s+def (test_\w+)\(")
TIMING = re.compile(r"^(test_\w+) : .*?total time ([0-9.]+) sec", re.MULTILINE | re.DOTALL)
#: Runs the suite with corral's import hook installed (``tests/compat/hook.py``).
WITH_HOOK = (
    "import runpy, sys; from tests.compat import hook; hook.install(); "
    "sys.argv[0] = 'examples.performance'; "
    "runpy.run_module('examples.performance', run_name='__main__', alter_sys=True)"
)


@dataclass
class Outcome:
    seconds: float | None
    error: str = ""


def suite_tests(examples: Path, suite: str) -> tuple[int, list[str]]:
    """The suite's default ``--num`` and its test names, in the suite's order."""
    text = (examples / "performance" / f"{suite}.py").read_text()
    found = DEFAULT_NUM.search(text)
    if found is None:
        raise SystemExit(f"{suite}: no Profiler.init(...) found")
    return int(found[2]), TEST_NAME.findall(text)


def bytecode_env(workdir: Path) -> dict[str, str]:
    """The environment of every run: Python bytecode read from (and written to) a cache in
    ``workdir``, never into the repository.

    SQLAlchemy is installed with its modules compiled; corral runs from ``src/``. With
    ``PYTHONDONTWRITEBYTECODE`` set (as on the development machines), each corral module a
    test imports inside its timed part (a lazy import) would be compiled from source on
    every run, a cost no installed package has. ``compile_sources`` fills the cache first.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    env["PYTHONWARNINGS"] = "ignore"
    return env


def compile_sources(workdir: Path) -> None:
    """Compile corral and the copied examples into the bytecode cache of ``bytecode_env``."""
    command = [sys.executable, "-m", "compileall", "-q", str(REPOSITORY / "src"), str(workdir)]
    subprocess.run(command, env=bytecode_env(workdir), check=True, capture_output=True)


def run_one(
    workdir: Path, library: str, suite: str, test: str, num: int, dburl: str, timeout: float
) -> Outcome:
    """One test in a fresh process; its time as the suite reports it, or the error."""
    paths = [str(workdir)]
    command = [sys.executable, "-m", "examples.performance"]
    if library == "corral":
        paths = [str(REPOSITORY / "src"), str(REPOSITORY), *paths]
        command = [sys.executable, "-c", WITH_HOOK]
    env = {**bytecode_env(workdir), "PYTHONPATH": os.pathsep.join(paths)}
    command += [suite, "--test", test, "--num", str(num), "--dburl", dburl]
    try:
        done = subprocess.run(
            command,
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Outcome(None, f"timed out after {timeout:.0f} s")
    for name, seconds in TIMING.findall(done.stdout):
        if name == test:
            return Outcome(float(seconds))
    lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
    return Outcome(None, lines[-1][:120] if lines else f"exit {done.returncode}, no timing")


def fastest(outcomes: list[Outcome]) -> Outcome:
    """The fastest run; an error if any run failed (a test must pass every time)."""
    failed = [o for o in outcomes if o.seconds is None]
    if failed:
        return failed[0]
    return min(outcomes, key=lambda o: o.seconds or 0.0)


def fresh_sqlite(url: str) -> None:
    """Remove a SQLite file left by the previous run (each setup recreates its table)."""
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dburl", help="database URL (default: a SQLite file in a temp dir)")
    parser.add_argument("--fraction", type=float, default=0.1, help="of each default --num")
    parser.add_argument("--suites", default=",".join(SUITES), help="comma-separated")
    parser.add_argument("--tests", default="", help="comma-separated test names (default all)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per test run")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per test and library; the fastest counts"
    )
    options = parser.parse_args(argv)

    root = source.unpack(source.download(REPOSITORY / ".cache" / "sa_compat"))
    with tempfile.TemporaryDirectory(prefix="sa_performance_") as scratch:
        workdir = Path(scratch)
        shutil.copytree(root / "examples", workdir / "examples")
        compile_sources(workdir)
        examples = workdir / "examples"
        dburl = options.dburl or f"sqlite:///{workdir / 'profile.db'}"
        wanted = {t for t in options.tests.split(",") if t}
        rows: list[tuple[str, str, int, Outcome, Outcome]] = []
        print(f"SQLAlchemy {source.version_of(root)} examples/performance on {dburl}, "
              f"--num at {options.fraction:g} of each suite's default, fastest of "
              f"{options.repeat} runs", flush=True)  # fmt: skip
        for suite in options.suites.split(","):
            default, tests = suite_tests(examples, suite)
            num = max(1, round(default * options.fraction))
            for test in tests:
                if wanted and test not in wanted:
                    continue
                runs: dict[str, list[Outcome]] = {"sqlalchemy": [], "corral": []}
                for _ in range(options.repeat):  # alternating, so both meet the same load
                    for library, done in runs.items():
                        fresh_sqlite(dburl)
                        done.append(
                            run_one(workdir, library, suite, test, num, dburl, options.timeout)
                        )
                outcomes = [fastest(done) for done in runs.values()]
                rows.append((suite, test, num, outcomes[0], outcomes[1]))
                print(_row(*rows[-1]), flush=True)
    print()
    print(table(rows))
    return 0 if all(a.seconds is not None and b.seconds is not None for *_, a, b in rows) else 1


def _cell(outcome: Outcome) -> str:
    return f"{outcome.seconds:.3f}" if outcome.seconds is not None else f"error: {outcome.error}"


def _row(suite: str, test: str, num: int, sa: Outcome, corral: Outcome) -> str:
    ratio = "-"
    if sa.seconds and corral.seconds is not None:
        ratio = f"{corral.seconds / sa.seconds:.2f}"
    return f"| {suite} | {test} | {num} | {_cell(sa)} | {_cell(corral)} | {ratio} |"


def table(rows: list[tuple[str, str, int, Outcome, Outcome]]) -> str:
    """A Markdown table of the run."""
    head = "| suite | test | num | SQLAlchemy s | corral s | corral / SQLAlchemy |\n"
    head += "| --- | --- | ---: | ---: | ---: | ---: |\n"
    return head + "\n".join(_row(*row) for row in rows)


if __name__ == "__main__":
    raise SystemExit(main())
