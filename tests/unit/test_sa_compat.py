"""The SQLAlchemy compatibility harness (tests/compat): extraction, comparison, the known-pass
check and the import hook, on small rst snippets written here; no network, no SQLAlchemy."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.compat import child, known
from tests.compat.causes import Failure, bound_names, root_causes
from tests.compat.compare import (
    Outcome,
    Status,
    Verdict,
    cause,
    judge,
    normalise,
    runs_on_reference,
)
from tests.compat.extract import Block, extract_blocks, source_digest

REPOSITORY = Path(__file__).resolve().parents[2]

PAGE = """\
Title
=====

Some prose.

.. sourcecode:: pycon+sql

    >>> total = 1 + 1
    >>> for n in range(2):
    ...     print(n)
    0
    1
    >>> cursor.run("q"){execsql}
    RUN q
    [...] ()
    {stop}'done'

.. sourcecode:: python

    not_run = True

.. doctest-disable:

    >>> hidden = True

.. doctest-enable:

    >>> shown = True  # doctest: +SKIP
    >>> int("x")
    Traceback (most recent call last):
    ValueError: bad
"""

SETUP = """\
    >>> prepared = "setup"
"""

INCLUDING = """\
    >>> before = 1

.. doctest-include _setup.rst

    >>> after = prepared
"""


def reader(pages: dict[str, str]) -> Any:
    """A page reader over an in-memory set of pages."""
    return lambda page: pages[page]


def blocks_of(text: str) -> list[Block]:
    """The blocks of one in-memory page."""
    return extract_blocks("guide/page.rst", reader({"guide/page.rst": text}))


def test_blocks_are_the_prompt_statements_in_order() -> None:
    """Each >>> statement with its ... lines is one block; prose and prompt-less code are not."""
    sources = [block.source for block in blocks_of(PAGE)]
    assert sources == [
        "total = 1 + 1\n",
        "for n in range(2):\n    print(n)\n",
        'cursor.run("q")\n',
        "shown = True  # doctest: +SKIP\n",
        'int("x")\n',
    ]
    assert [block.index for block in blocks_of(PAGE)] == [0, 1, 2, 3, 4]


def test_markers_are_removed_from_source_and_shown_output() -> None:
    """{execsql} and {stop} vanish, so the statement parses and the output is plain text."""
    block = blocks_of(PAGE)[2]
    assert "{" not in block.source
    assert block.shown.splitlines()[-1] == "'done'"


def test_disabled_region_is_not_extracted_and_line_numbers_hold() -> None:
    """Blocks between doctest-disable and doctest-enable are dropped; later lines keep numbers."""
    blocks = blocks_of(PAGE)
    assert all("hidden" not in block.source for block in blocks)
    assert blocks[0].lineno == 8
    assert blocks[3].lineno == PAGE.splitlines().index("    >>> shown = True  # doctest: +SKIP") + 1


def test_skip_directive_and_expected_traceback_are_recognised() -> None:
    """`# doctest: +SKIP` marks a block skipped; a shown traceback marks it as expected to raise."""
    blocks = blocks_of(PAGE)
    assert [block.skip for block in blocks] == [False, False, False, True, False]
    assert [block.expects_error for block in blocks] == [False, False, False, False, True]


def test_include_runs_the_other_page_in_place_under_its_own_name() -> None:
    """doctest-include inserts the included page's blocks at that point, numbered per page."""
    pages = {"guide/main.rst": INCLUDING, "guide/_setup.rst": SETUP}
    blocks = extract_blocks("guide/main.rst", reader(pages))
    assert [(b.page, b.index, b.source) for b in blocks] == [
        ("guide/main.rst", 0, "before = 1\n"),
        ("guide/_setup.rst", 0, 'prepared = "setup"\n'),
        ("guide/main.rst", 1, "after = prepared\n"),
    ]
    assert blocks[2].lineno == 5


def test_block_id_is_index_and_a_digest_that_follows_the_source() -> None:
    """The id changes when the source changes, not when trailing whitespace does."""
    block = blocks_of(PAGE)[0]
    assert block.block_id == f"0:{source_digest('total = 1 + 1')}"
    assert source_digest("total = 1 + 1   \n") == source_digest("total = 1 + 1")
    assert source_digest("total = 1 + 2") != source_digest("total = 1 + 1")


def test_normalise_removes_what_legitimately_differs() -> None:
    """Addresses, library module paths, Engine reprs and whitespace runs do not count."""
    theirs = (
        "<sqlalchemy.engine.base.Thing object at 0x7f00aa>  <class 'sqlalchemy.engine.row.Row'>"
    )
    ours = "<corral.engine.Thing object at 0x55bb>\n<class 'corral.engine.row.Row'>"
    assert normalise(theirs) == normalise(ours)
    assert normalise("Engine(sqlite+pysqlite:///:memory:)") == normalise("Engine(sqlite://)")
    assert normalise("(1, 'spongebob')") != normalise("(1, 'sandy')")


def ok(printed: str = "") -> Outcome:
    """A block that ran and printed ``printed``."""
    return Outcome(Status.OK, printed=printed)


def error(name: str, *bases: str) -> Outcome:
    """A block that raised an exception of class ``name`` (with base class names)."""
    return Outcome(Status.ERROR, error_type=name, error_names=[name, *bases, "Exception"])


def test_judge_same_output_and_no_error_is_the_same() -> None:
    """Equal printed output after normalising, neither raising: the same."""
    assert judge(ok("Row at 0x1\n"), ok("Row at 0x2")) == Verdict(True)


def test_judge_an_error_where_the_reference_ran_differs() -> None:
    """corral raising where SQLAlchemy did not is a difference naming the error."""
    verdict = judge(ok(), Outcome(Status.ERROR, error_type="KeyError", error_message="'x'"))
    assert not verdict.same
    assert verdict.reason == "raised KeyError: 'x'"


def test_judge_errors_compare_by_class_name_through_the_bases() -> None:
    """Both raising is the same when corral's error is, or derives from, a class of that name."""
    assert judge(error("IntegrityError"), error("IntegrityError", "DBAPIError")).same
    assert judge(error("ArgumentError"), error("MappingError", "ArgumentError")).same
    assert not judge(error("IntegrityError"), error("OperationalError")).same
    assert not judge(error("IntegrityError"), ok()).same


def test_judge_different_output_differs() -> None:
    """Different printed results are a difference."""
    assert judge(ok("[(1,)]"), ok("[(2,)]")) == Verdict(False, "printed output differs")


def test_reference_counts_only_blocks_that_behave_as_the_page_says() -> None:
    """A block runs on the reference when it raised exactly when the page shows a traceback."""
    assert runs_on_reference(ok(), expects_error=False)
    assert runs_on_reference(error("ValueError"), expects_error=True)
    assert not runs_on_reference(error("ValueError"), expects_error=False)
    assert not runs_on_reference(Outcome(Status.SKIPPED), expects_error=False)


def test_cause_groups_cascades_and_printed_sql() -> None:
    """NameErrors group as cascades; output differences split into SQL text and values."""
    name_error = Outcome(Status.ERROR, error_type="NameError")
    assert cause(ok(), name_error, judge(ok(), name_error)).startswith("NameError")
    sql = ok("SELECT t.a FROM t WHERE t.a = :a_1")
    assert cause(
        sql, ok("SELECT t.a FROM t WHERE t.a = ?"), Verdict(False, "printed output differs")
    ).startswith("printed SQL")
    assert cause(ok("[1]"), ok("[2]"), Verdict(False, "printed output differs")).startswith(
        "printed value"
    )


def present_and_passing(
    ids: list[str], passing: list[str]
) -> tuple[known.KnownPass, known.KnownPass]:
    """A run's passing and present lists for one page."""
    return (
        known.KnownPass(blocks={"g": {"p.rst": passing}}),
        known.KnownPass(blocks={"g": {"p.rst": ids}}),
    )


def test_known_pass_check_reports_regressions_and_stale_ids() -> None:
    """A known id that is present but fails regresses; one no longer present is only stale."""
    listed = known.KnownPass(blocks={"g": {"p.rst": ["0:aa", "1:bb", "2:cc"]}})
    passing, present = present_and_passing(["0:aa", "1:bb", "2:dd"], ["0:aa"])
    result = known.check(listed, passing, present)
    assert result.failing == ["g: p.rst block 1:bb"]
    assert result.stale == ["g: p.rst block 2:cc"]


def test_known_pass_list_round_trips(tmp_path: Path) -> None:
    """Saving and loading the list keeps its contents."""
    listed = known.KnownPass("2.0.1", {"g": {"p.rst": ["0:aa"]}}, ["ex/a.py"])
    listed.save(tmp_path / "known.json")
    assert known.KnownPass.load(tmp_path / "known.json") == listed


def test_known_pass_list_never_records_a_block_that_passes_by_the_clock(tmp_path: Path) -> None:
    """A block listed as UNSTABLE (its output holds the current time) is left out when saved."""
    group, page, block = sorted(known.UNSTABLE)[0]
    listed = known.KnownPass("2.0.1", {group: {page: ["0:aa", block]}})
    listed.save(tmp_path / "known.json")
    assert known.KnownPass.load(tmp_path / "known.json").blocks == {group: {page: ["0:aa"]}}


def test_run_block_keeps_one_namespace_and_echoes_values() -> None:
    """Blocks share a namespace; an expression's value is shown as the interactive prompt would."""
    stdout = child.SplitStdout()
    namespace: dict[str, Any] = {}
    first, second = blocks_of("    >>> x = 40\n    >>> x + 2\n    42\n")
    saved_stdout, saved_hook = sys.stdout, sys.displayhook
    sys.stdout, sys.displayhook = stdout, child.display
    try:
        outcomes = [child.run_block(b, namespace, stdout) for b in (first, second)]
    finally:
        sys.stdout, sys.displayhook = saved_stdout, saved_hook
    assert [o.status for o in outcomes] == [Status.OK, Status.OK]
    assert outcomes[1].printed == "42\n"


def test_run_code_records_the_error_class_and_its_bases() -> None:
    """A raising block records the class name, its bases' names and the message's first line."""
    outcome = child.run_code("raise KeyError('gone')", {}, child.SplitStdout())
    assert outcome.status is Status.ERROR
    assert outcome.error_type == "KeyError"
    assert "LookupError" in outcome.error_names
    assert outcome.error_message == "'gone'"


def test_log_output_is_kept_apart_from_printed_output() -> None:
    """Text a logging handler writes to stdout is not part of the printed output."""
    stdout = child.SplitStdout()
    logger = logging.getLogger("tests.compat.sample")
    handler = logging.StreamHandler(stdout)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        with child.routed_logging(stdout):
            logger.info("SELECT 1")
            stdout.write("printed\n")
    finally:
        logger.removeHandler(handler)
    assert stdout.take_printed() == "printed\n"


def test_engine_objects_display_alike() -> None:
    """A library engine object's repr is replaced; other values show their repr."""
    engine_like = type("Connection", (), {"__module__": "corral.engine.base"})()
    stdout = child.SplitStdout()
    saved = sys.stdout
    sys.stdout = stdout
    try:
        child.display(engine_like)
        child.display([1])
    finally:
        sys.stdout = saved
    assert stdout.take_printed() == "<engine object>\n[1]\n"


def test_import_hook_makes_sqlalchemy_modules_corral_modules() -> None:
    """Under the hook, sqlalchemy and sqlalchemy.orm are corral's modules; a missing one fails."""
    program = (
        "from tests.compat import hook\n"
        "hook.install()\n"
        "import corral, corral.orm, sqlalchemy, sqlalchemy.orm\n"
        "from sqlalchemy.orm import Session\n"
        "assert sqlalchemy is corral and sqlalchemy.orm is corral.orm\n"
        "assert corral.orm.__spec__.name == 'corral.orm'\n"
        "assert Session is corral.orm.Session\n"
        "try:\n"
        "    import sqlalchemy.no_such_module\n"
        "except ModuleNotFoundError as error:\n"
        "    assert error.name == 'sqlalchemy.no_such_module', error.name\n"
        "else:\n"
        "    raise AssertionError('imported a module corral lacks')\n"
    )
    path = os.pathsep.join([str(REPOSITORY / "src"), str(REPOSITORY)])
    done = subprocess.run(
        [sys.executable, "-c", program],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_bound_names_lists_what_a_block_defines() -> None:
    """Assignments, classes, functions and imports bind names; uses do not."""
    source = "class A(B):\n    x = 1\nimport os.path\nfrom m import n as k\ny, z = f(w)\n"
    assert {"A", "os", "k", "y", "z"} <= bound_names(source)
    assert "w" not in bound_names(source)
    assert bound_names("not python (") == set()


def test_later_failures_count_under_the_failure_they_follow_from() -> None:
    """A NameError or a missing mapped class points back to the block that should have bound it."""
    blocks = [
        Failure("class Address(Base): ...", True, "mapping error", "no type"),
        Failure("a = select(Address)", True, "NameError", "name 'Address' is not defined"),
        Failure("print(a)", True, "NameError", "name 'a' is not defined"),
        Failure("class User(Base): ...", True, "argument", "no mapped class named 'Address'"),
        Failure("x = 1", False, "", ""),
        Failure("print(q)", True, "NameError", "name 'q' is not defined"),
    ]
    assert root_causes(blocks) == [
        "mapping error",
        "mapping error",
        "mapping error",
        "mapping error",
        "",
        "NameError",
    ]


def test_a_name_bound_again_by_a_passing_block_is_no_longer_a_cascade() -> None:
    """Once a later block defines the name successfully, its earlier failure stops counting."""
    blocks = [
        Failure("a = broken()", True, "broken", "boom"),
        Failure("a = 1", False, "", ""),
        Failure("b = a.missing", True, "AttributeError", "no attribute"),
    ]
    assert root_causes(blocks) == ["broken", "", "AttributeError"]


def test_known_pass_check_follows_a_block_whose_index_moved() -> None:
    """A block shifted by an insertion earlier on the page is found by its digest."""
    listed = known.KnownPass(blocks={"g": {"p.rst": ["0:aa", "1:bb", "2:cc"]}})
    passing, present = present_and_passing(["0:aa", "1:new", "2:bb", "3:cc"], ["0:aa", "2:bb"])
    result = known.check(listed, passing, present)
    assert result.failing == ["g: p.rst block 2:cc (now 3:cc)"]
    assert result.stale == []


def test_a_failure_reading_a_stale_name_follows_from_the_failed_binding() -> None:
    """Printing a stale value counts under the failed binding; raising keeps its own reason."""
    blocks = [
        Failure("stmt = select(a)", False, "", ""),
        Failure("stmt = select(b).lateral()", True, "no lateral", "no attribute 'lateral'"),
        Failure("print(stmt)", True, "printed SQL differs", "", printed_only=True),
        Failure("stmt.lateral()", True, "no lateral again", "no attribute 'lateral'"),
    ]
    assert root_causes(blocks) == ["", "no lateral", "no lateral", "no lateral again"]
