"""``python -m tests.compat``: run the documentation groups and examples on both libraries,
print a summary, check the known-pass list, optionally rewrite it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.compat import known as known_module
from tests.compat import plan, source
from tests.compat.causes import Failure, root_causes
from tests.compat.compare import PRINTED_DIFFERS, Outcome, cause, judge, runs_on_reference

REPOSITORY = Path(__file__).resolve().parents[2]
CACHE = source.CACHE
CHILD_SECONDS = 600
DEFAULT_POSTGRESQL = "postgresql://root@127.0.0.1:5432/test"
CHILD_CRASHED = "ChildCrashed"
"""The error type of the one record a child interpreter that died (or timed out) stands for."""


@dataclass(frozen=True)
class Job:
    """One group or example, run on one library in a child interpreter."""

    library: str
    kind: str
    name: str


@dataclass
class Result:
    """One block (or example) with both outcomes and the verdict."""

    group: str
    page: str
    block_id: str
    lineno: int
    source: str
    reference: Outcome
    candidate: Outcome
    on_reference: bool
    same: bool
    reason: str
    cause: str
    root_cause: str = ""


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run everything, report; exit 1 on a regression."""
    parser = argparse.ArgumentParser(prog="python -m tests.compat", description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite the known-pass list")
    parser.add_argument("--source", type=Path, help="an unpacked SQLAlchemy 2.0 source tree")
    parser.add_argument("--only", action="append", default=[], help="run only this group")
    parser.add_argument("--failures", type=Path, help="write every failing block here")
    parser.add_argument("--causes", type=int, default=12, help="how many failure causes to list")
    parser.add_argument("--jobs", type=int, default=2, help="child interpreters at once")
    options = parser.parse_args(argv)

    root = (options.source or source.unpack(source.download(CACHE))).resolve()
    version = source.version_of(root) if options.source is None else str(options.source)
    groups = [g for g in plan.DOC_GROUPS if not options.only or g.name in options.only]
    for series in sorted({g.series for g in groups}):
        source.docs_root(root, series)  # downloaded here, not by each child at once
    examples = [e for e in plan.EXAMPLES if not options.only or e.path in options.only]
    with postgresql_databases(bool(any(e.postgresql_url for e in examples))) as databases:
        runnable = [e for e in examples if not e.postgresql_url or databases]
        skipped = [e.path for e in examples if e not in runnable]
        results = run_all(root, groups, runnable, databases, options.jobs)

    crashed = [r for r in results if r.reference.error_type == CHILD_CRASHED]
    for result in crashed:
        print(f"the SQLAlchemy run of {result.group} failed: {result.reference.error_message}")
    print(summary(results, version, skipped))
    print(causes(results, options.causes))
    if options.failures:
        options.failures.write_text(failure_listing(results), encoding="utf-8")
        print(f"every failing block: {options.failures}")

    passing, present = tally(results)
    known = known_module.KnownPass.load()
    if crashed:
        return 1
    if options.update:
        passing.sqlalchemy = version
        passing.examples += [e for e in known.examples if e.removeprefix("examples/") in skipped]
        if options.only:
            passing = merge(known, passing, {g.name for g in groups}, {e.path for e in examples})
        passing.save()
        print(f"known-pass list rewritten: {known_module.KNOWN_PASS}")
        return 0
    ran_groups = {g.name for g in groups}
    ran_examples = {e.path for e in runnable}
    known = known_module.KnownPass(
        known.sqlalchemy,
        {g: pages for g, pages in known.blocks.items() if g in ran_groups},
        [e for e in known.examples if e.removeprefix("examples/") in ran_examples],
    )
    regressions = known_module.check(known, passing, present)
    for label in regressions.stale:
        print(f"stale (no longer in the docs; rewrite the list with --update): {label}")
    for label in regressions.failing:
        print(f"REGRESSION: {label}")
    newly = count_blocks(passing) - count_blocks(known)
    if newly > 0 and not regressions.failing:
        print(f"{newly} more blocks pass than the list records: `make compat COMPAT_ARGS=--update`")
    if skipped and os.environ.get("CORRAL_REQUIRE_SERVERS") == "1":
        print("PostgreSQL is unreachable but CORRAL_REQUIRE_SERVERS=1")
        return 1
    return 1 if regressions.failing else 0


def run_all(
    root: Path,
    groups: list[plan.DocGroup],
    examples: list[plan.Example],
    databases: dict[str, str],
    jobs: int,
) -> list[Result]:
    """Run every job in child interpreters and pair each block's two outcomes."""
    work = [Job(lib, "group", g.name) for g in groups for lib in ("sqlalchemy", "corral")]
    work += [Job(lib, "example", e.path) for e in examples for lib in ("sqlalchemy", "corral")]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outputs = list(pool.map(lambda job: run_child(root, job, databases), work))
    records = dict(zip(work, outputs, strict=True))
    results: list[Result] = []
    for job in work:
        if job.library != "sqlalchemy":
            continue
        group = job.name if job.kind == "group" else "examples"
        mirror = records[Job("corral", job.kind, job.name)]
        by_key = {(r["page"], r["index"], r["digest"]): r for r in mirror}
        for record in records[job]:
            reference = Outcome.from_json(record)
            twin = by_key.get((record["page"], record["index"], record["digest"]))
            candidate = Outcome.from_json(twin) if twin else Outcome.from_json(_crashed(mirror))
            on_reference = runs_on_reference(reference, bool(record["expects_error"]))
            verdict = judge(reference, candidate)
            results.append(
                Result(
                    group=group,
                    page=record["page"],
                    block_id=f"{record['index']}:{record['digest']}"
                    if job.kind == "group"
                    else record["page"],
                    lineno=int(record["lineno"]),
                    source=str(record["source"]),
                    reference=reference,
                    candidate=candidate,
                    on_reference=on_reference,
                    same=on_reference and verdict.same,
                    reason=verdict.reason,
                    cause=cause(reference, candidate, verdict),
                )
            )
    for group in {result.group for result in results}:
        in_group = [r for r in results if r.group == group and r.on_reference]
        failures = [
            Failure(
                r.source,
                not r.same,
                r.cause,
                r.candidate.error_message,
                printed_only=r.reason == PRINTED_DIFFERS,
            )
            for r in in_group
        ]
        for result, first_cause in zip(in_group, root_causes(failures), strict=True):
            result.root_cause = first_cause
    return results


def _crashed(records: list[dict[str, Any]]) -> dict[str, Any]:
    """An outcome for a block the corral run never reached."""
    detail = records[0]["error_message"] if records and records[0].get("crash") else ""
    return {"status": "error", "error_type": "NotRun", "error_message": detail or "not reached"}


def run_child(root: Path, job: Job, databases: dict[str, str]) -> list[dict[str, Any]]:
    """Run one job in a fresh interpreter and read back its records."""
    env = dict(os.environ)
    first = str(root / "lib") if job.library == "sqlalchemy" else str(REPOSITORY / "src")
    env["PYTHONPATH"] = os.pathsep.join([first, str(REPOSITORY)])
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "records.json"
        command = [
            sys.executable, "-m", "tests.compat.child", job.library, str(root), job.kind,
            job.name, str(out), databases.get(job.library, ""),
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command, cwd=scratch, env=env, capture_output=True, text=True,
                timeout=CHILD_SECONDS, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            return [_crash_record(f"{job} ran past {CHILD_SECONDS} s")]
        if done.returncode != 0 or not out.exists():
            output = (done.stdout[-500:] + done.stderr[-1500:]).strip()
            return [_crash_record(f"{job} exited {done.returncode}: {output}")]
        records: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
        return records


def _crash_record(message: str) -> dict[str, Any]:
    """A record standing for a child interpreter that died."""
    return {
        "crash": True, "page": "", "index": -1, "digest": "", "lineno": 0, "source": "",
        "expects_error": False, "status": "error", "error_type": CHILD_CRASHED,
        "error_message": message,
    }  # fmt: skip


@contextmanager
def postgresql_databases(wanted: bool) -> Iterator[dict[str, str]]:
    """A private PostgreSQL database per library for the examples that need one, dropped after."""
    if not wanted:
        yield {}
        return
    base = os.environ.get("CORRAL_TEST_POSTGRESQL_URL", DEFAULT_POSTGRESQL)
    try:
        import psycopg

        admin = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except Exception as error:
        print(f"PostgreSQL unreachable at {base} ({error}); skipping the examples that need it")
        yield {}
        return
    parts = urlsplit(base)
    names = {lib: f"sa_compat_{os.getpid()}_{lib}" for lib in ("sqlalchemy", "corral")}
    with admin:
        for name in names.values():
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield {
                lib: urlunsplit(("postgresql+psycopg", parts.netloc, "/" + name, "", ""))
                for lib, name in names.items()
            }
        finally:
            for name in names.values():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tally(results: list[Result]) -> tuple[known_module.KnownPass, known_module.KnownPass]:
    """The ids that pass, and the ids present, in known-pass form."""
    passing = known_module.KnownPass()
    present = known_module.KnownPass()
    for result in results:
        if result.group == "examples":
            present.examples.append(result.page)
            if result.same:
                passing.examples.append(result.page)
            continue
        present.blocks.setdefault(result.group, {}).setdefault(result.page, []).append(
            result.block_id
        )
        if result.same:
            passing.blocks.setdefault(result.group, {}).setdefault(result.page, []).append(
                result.block_id
            )
    return passing, present


def merge(
    known: known_module.KnownPass,
    passing: known_module.KnownPass,
    groups: set[str],
    examples: set[str],
) -> known_module.KnownPass:
    """The known list with only the groups and examples run this time replaced."""
    merged = {g: pages for g, pages in known.blocks.items() if g not in groups}
    merged.update(passing.blocks)
    blocks = {g.name: merged[g.name] for g in plan.DOC_GROUPS if g.name in merged}
    kept = [e for e in known.examples if e.removeprefix("examples/") not in examples]
    return known_module.KnownPass(passing.sqlalchemy, blocks, kept + passing.examples)


def count_blocks(known: known_module.KnownPass) -> int:
    """How many block ids and examples a list holds."""
    pages = known.blocks.values()
    return sum(len(ids) for group in pages for ids in group.values()) + len(known.examples)


def summary(results: list[Result], version: str, skipped: list[str]) -> str:
    """The per-page table: blocks; how many run on SQLAlchemy; of those, how many run the same on
    corral, and how many at least raise (or not) as on SQLAlchemy, whatever they print."""
    rows: dict[tuple[str, str], list[int]] = {}
    for result in results:
        row = rows.setdefault((result.group, result.page), [0, 0, 0, 0])
        row[0] += result.reference.status.value != "skipped"
        row[1] += result.on_reference
        row[2] += result.same
        row[3] += result.on_reference and (result.same or result.reason == PRINTED_DIFFERS)
    width = max([len(f"{g}: {p}") for g, p in rows] + [10])
    header = ("blocks", "SQLAlchemy", "corral", "no error")
    lines = [
        f"SQLAlchemy {version} documentation and examples, run on SQLAlchemy and on corral",
        f"{'page':<{width}}  " + "  ".join(header),
    ]
    totals = [0, 0, 0, 0]
    for (group, page), row in [*rows.items(), (("total", ""), totals)]:
        if group != "total":
            totals[:] = [a + b for a, b in zip(totals, row, strict=True)]
        label = f"{group}: {page}" if page else group
        cells = "  ".join(f"{n:>{len(h)}}" for n, h in zip(row, header, strict=True))
        lines.append(f"{label:<{width}}  {cells}")
    lines.extend(f"skipped (no PostgreSQL): {path}" for path in skipped)
    return "\n".join(lines)


def causes(results: list[Result], limit: int) -> str:
    """The most frequent reasons corral differs, over blocks that run on SQLAlchemy.

    Each reason counts the blocks that failed for it directly and those that failed after it
    because a name it should have defined was missing.
    """
    failing = [r for r in results if r.on_reference and not r.same]
    direct = Counter(r.cause[:160] for r in failing if r.root_cause == r.cause)
    total = Counter(r.root_cause[:160] for r in failing)
    lines = [f"top {limit} reasons corral differs (blocks in all, of which directly):"]
    lines.extend(
        f"{count:>5} {direct[reason]:>5}  {reason}" for reason, count in total.most_common(limit)
    )
    return "\n".join(lines)


def failure_listing(results: list[Result]) -> str:
    """Every block that runs on SQLAlchemy but not the same on corral, with both outcomes."""
    chunks = []
    for r in results:
        if not r.on_reference or r.same:
            continue
        chunk = [
            f"=== {r.group}: {r.page} block {r.block_id} (line {r.lineno})",
            f"reason: {r.reason}",
        ]
        if r.root_cause != r.cause:
            chunk.append(f"follows from: {r.root_cause}")
        if r.candidate.error_where:
            chunk.append(f"raised at: {r.candidate.error_where}")
        if r.source:
            chunk.append("source:\n" + r.source.rstrip())
        if r.reason == PRINTED_DIFFERS:
            chunk.append("SQLAlchemy printed:\n" + r.reference.printed.rstrip())
            chunk.append("corral printed:\n" + r.candidate.printed.rstrip())
        chunks.append("\n".join(chunk))
    return "\n\n".join(chunks) + "\n"
