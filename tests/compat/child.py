"""Run one group of pages, or one example program, in this interpreter and write the outcomes.

Started by the harness as ``python -m tests.compat.child LIBRARY SOURCE_ROOT KIND NAME OUT``
with ``sqlalchemy`` importable (LIBRARY ``sqlalchemy``: the sdist's ``lib/`` first on the
path) or with ``corral`` importable (LIBRARY ``corral``: the import hook is installed first).
A fresh interpreter per group keeps mappings, logging handlers and connections from leaking
between groups and between the two libraries.
"""

from __future__ import annotations
import __future__

import builtins
import contextlib
import io
import json
import logging
import signal
import sys
import traceback
import unittest
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import CodeType, FrameType, ModuleType
from typing import Any, TextIO

from tests.compat import hook, plan, source
from tests.compat.compare import Outcome, Status
from tests.compat.extract import Block, extract_blocks

BLOCK_SECONDS = 60
"""A block running longer than this is stopped and counted as an error."""


class SplitStdout(io.TextIOBase):
    """Stands in for ``sys.stdout``: text written while a log record is handled goes apart.

    ``echo=True`` handlers are created with whatever ``sys.stdout`` is at the time, so this
    object is installed once for the whole run and routes by what is writing, not by swapping.
    """

    def __init__(self) -> None:
        self.printed: list[str] = []
        self.logged: list[str] = []
        self.logging_depth = 0

    def write(self, text: str) -> int:
        """Keep ``text`` as log output when a log record is being handled, else as printed."""
        (self.logged if self.logging_depth else self.printed).append(text)
        return len(text)

    def flush(self) -> None:
        """Nothing is buffered."""

    def take_printed(self) -> str:
        """The printed text since the last call, and forget the log text."""
        text = "".join(self.printed)
        self.printed.clear()
        self.logged.clear()
        return text


@contextmanager
def routed_logging(stdout: SplitStdout) -> Iterator[None]:
    """Mark every log record's handling, so handlers writing to stdout are told apart."""
    original = logging.Logger.handle

    def handle(self: logging.Logger, record: logging.LogRecord) -> None:
        stdout.logging_depth += 1
        try:
            original(self, record)
        finally:
            stdout.logging_depth -= 1

    logging.Logger.handle = handle  # type: ignore[method-assign]
    try:
        yield
    finally:
        logging.Logger.handle = original  # type: ignore[method-assign]


ENGINE_OBJECT_SUFFIXES = ("Engine", "Connection", "Transaction", "Result", "Pool")


def display(value: object) -> None:
    """``sys.displayhook`` for the blocks: as Python's, but engine objects show as one text.

    An expression's value is echoed as its repr. The reprs of engine objects (engine,
    connection, transaction, result, pool) name classes and addresses that legitimately differ
    and say nothing about results, so those of either library print as ``<engine object>``.
    """
    if value is None:
        return
    builtins._ = None  # type: ignore[attr-defined]
    kind = type(value)
    library = kind.__module__.split(".", 1)[0]
    if library in {"sqlalchemy", "corral"} and kind.__name__.endswith(ENGINE_OBJECT_SUFFIXES):
        text = "<engine object>"
    else:
        text = repr(value)
    sys.stdout.write(text + "\n")
    builtins._ = value  # type: ignore[attr-defined]


class BlockTimeout(Exception):
    """A block ran past ``BLOCK_SECONDS``."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise ``BlockTimeout`` in the running code after ``seconds``."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise BlockTimeout(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def future_flags(namespace: dict[str, Any]) -> int:
    """Compiler flags for the ``from __future__`` imports a namespace has run (as doctest does)."""
    flags = 0
    for name in __future__.all_feature_names:
        feature = namespace.get(name)
        if feature is getattr(__future__, name):
            flags |= feature.compiler_flag
    return flags


def run_code(code: CodeType | str, namespace: dict[str, Any], stdout: SplitStdout) -> Outcome:
    """Execute one block's code in ``namespace`` and record what it printed or raised."""
    stdout.take_printed()
    try:
        with time_limit(BLOCK_SECONDS):
            exec(code, namespace)
    except (Exception, SystemExit) as error:
        printed = stdout.take_printed()
        frames = traceback.extract_tb(error.__traceback__)
        where = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        return Outcome(
            status=Status.ERROR,
            printed=printed,
            error_type=type(error).__name__,
            error_names=[cls.__name__ for cls in type(error).__mro__],
            error_message=str(error).strip().splitlines()[0] if str(error).strip() else "",
            error_where=where,
        )
    return Outcome(status=Status.OK, printed=stdout.take_printed())


def run_group(root: Path, group: plan.DocGroup, stdout: SplitStdout) -> list[dict[str, Any]]:
    """Run a group's pages in order in one namespace; one record per block."""

    docs = source.docs_root(root, group.series)

    def read(page: str) -> str:
        return (docs / "doc" / "build" / page).read_text(encoding="utf-8")

    namespace: dict[str, Any] = {"print_function": print}
    records = []
    for page in group.pages:
        for block in extract_blocks(page, read):
            records.append(_record(block, run_block(block, namespace, stdout)))
    return records


def run_block(block: Block, namespace: dict[str, Any], stdout: SplitStdout) -> Outcome:
    """One block, compiled as doctest compiles it (an expression's value is echoed)."""
    if block.skip:
        return Outcome(status=Status.SKIPPED)
    filename = f"<{block.page}:{block.lineno}>"
    try:
        code = compile(block.source, filename, "single", future_flags(namespace), True)
    except SyntaxError as error:
        return Outcome(
            status=Status.ERROR,
            error_type="SyntaxError",
            error_names=["SyntaxError"],
            error_message=str(error),
        )
    return run_code(code, namespace, stdout)


def _record(block: Block, outcome: Outcome) -> dict[str, Any]:
    """A block's identity and outcome as JSON."""
    return {
        "page": block.page,
        "index": block.index,
        "lineno": block.lineno,
        "digest": block.digest,
        "source": block.source,
        "expects_error": block.expects_error,
        **outcome.to_json(),
    }


def run_example(
    root: Path, example: plan.Example, postgresql_url: str, stdout: SplitStdout
) -> list[dict[str, Any]]:
    """Run an example program as ``__main__``; one record for the whole program.

    It runs as SQLAlchemy runs its examples, ``python -m examples.<folder>.<program>``: a
    module of the package ``examples.<folder>``, so relative imports of its siblings work
    (``vertical/dictlike-polymorphic.py`` imports ``.dictlike``), and its folder is not on
    ``sys.path``, where a sibling could shadow a standard module (``sharding/asyncio.py``).
    """
    path = root / "examples" / example.path
    source = path.read_text(encoding="utf-8")
    if example.postgresql_url:
        source = source.replace(example.postgresql_url, postgresql_url)
    examples = ModuleType("examples")  # the package, without importing anything else at root
    examples.__path__ = [str(root / "examples")]
    sys.modules["examples"] = examples
    package = ".".join(["examples", *Path(example.path).parent.parts])
    module = ModuleType("__main__")
    module.__file__ = str(path)
    module.__package__ = package
    sys.modules["__main__"] = module  # annotations are resolved through the class's module
    code = compile(source, str(path), "exec")
    if example.unittest:
        outcome = run_code(*_test_run(code, module), stdout)
    else:
        outcome = run_code(code, module.__dict__, stdout)
    return [
        {
            "page": "examples/" + example.path,
            "index": 0,
            "lineno": 1,
            "digest": "",
            "source": "",
            "expects_error": False,
            **outcome.to_json(),
        }
    ]


def _test_run(code: CodeType, module: ModuleType) -> tuple[str, dict[str, Any]]:
    """Code, and its namespace, that runs a test module's tests and prints one line per test.

    The module's code runs (without its ``unittest.main()``: its ``__name__`` is not
    ``"__main__"``) and its tests run under ``unittest``; what they print and the runner's
    report are discarded. Each line is a test's id and its outcome: ``ok``, ``FAIL`` (an
    assertion failed) or the class of the error it raised.
    """
    module.__dict__["__name__"] = "__compat_tests__"
    sys.modules["__compat_tests__"] = module  # its classes' module, for their annotations
    return "_run_tests(code, module)", {"_run_tests": _run_tests, "code": code, "module": module}


def _run_tests(code: CodeType, module: ModuleType) -> None:
    exec(code, module.__dict__)
    suite = unittest.defaultTestLoader.loadTestsFromModule(module)
    outcomes = {test.id(): "ok" for test in _tests_of(suite)}  # (a run drops its tests)
    result = _OutcomeResult(outcomes)
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        suite.run(result)
    for test_id, outcome in sorted(outcomes.items()):
        print(f"{test_id.removeprefix('__compat_tests__.')}: {outcome}")


class _OutcomeResult(unittest.TestResult):
    """Records ``FAIL`` for a failed assertion, the error's class name for an error (only the
    name: ``sqlalchemy.exc.X`` and ``corral.exc.X`` are one outcome)."""

    def __init__(self, outcomes: dict[str, str]) -> None:
        super().__init__()
        self.outcomes = outcomes

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:
        super().addFailure(test, err)
        self.outcomes[test.id()] = "FAIL"

    def addError(self, test: unittest.TestCase, err: Any) -> None:
        super().addError(test, err)
        self.outcomes[test.id()] = err[0].__name__


def _tests_of(suite: unittest.TestSuite) -> Iterator[unittest.TestCase]:
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            yield from _tests_of(test)
        else:
            yield test


def main(argv: list[str]) -> int:
    """Entry point; see the module docstring for the arguments."""
    library, root_text, kind, name, out, postgresql_url = [*argv, ""][:6]
    root = Path(root_text)
    stdout = SplitStdout()
    real_stdout = sys.stdout
    sys.stdout = stdout
    sys.displayhook = display
    with routed_logging(stdout):
        return _run(library, root, kind, name, out, postgresql_url, stdout, real_stdout)


def _run(
    library: str,
    root: Path,
    kind: str,
    name: str,
    out: str,
    postgresql_url: str,
    stdout: SplitStdout,
    real_stdout: TextIO,
) -> int:
    """Import the library, run the group or example, write the records."""
    if library == "corral":
        hook.install()
    import sqlalchemy

    loaded_from = str(Path(sqlalchemy.__file__ or "").resolve())
    if library == "sqlalchemy" and not loaded_from.startswith(str(root.resolve())):
        real_stdout.write(f"sqlalchemy was imported from {loaded_from}, not from {root}\n")
        return 2
    if kind == "group":
        group = next(group for group in plan.DOC_GROUPS if group.name == name)
        records = run_group(root, group, stdout)
    else:
        example = next(example for example in plan.EXAMPLES if example.path == name)
        records = run_example(root, example, postgresql_url, stdout)
    sys.stdout = real_stdout
    Path(out).write_text(json.dumps(records), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
