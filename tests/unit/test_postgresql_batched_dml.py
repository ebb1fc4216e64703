"""psycopg2's batched UPDATE / DELETE texts and PostgreSQL's array text, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from corral import exc
from corral.dialects.postgresql import batched_dml
from corral.dialects.postgresql.array_text import parse_array


class FakeCursor:
    """Binds like psycopg2's ``mogrify`` for ``%s`` and ints."""

    def mogrify(self, sql: str, args: Any = None) -> bytes:
        return (sql if args is None else sql % tuple(args)).encode()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE t SET a=%s WHERE t.id = %s", True),
        ("DELETE FROM t WHERE t.id = %s", True),
        ("UPDATE t SET a=%s WHERE t.id = %s RETURNING t.a", False),
        ("UPDATE t SET a=%s; UPDATE u SET b=1", False),
        ("UPDATE t SET a=%s -- why", False),
        ("UPDATE t SET a=%s /* why */", False),
        ("INSERT INTO t (a) VALUES (%s)", False),
        ("WITH x AS (SELECT 1) UPDATE t SET a=%s", False),
    ],
)
def test_only_one_plain_update_or_delete_is_batched(sql: str, expected: bool) -> None:
    """The WITH wrapping is used only where it keeps the statement whole."""
    assert batched_dml.batchable(sql) is expected


def test_round_trips_are_one_per_page_or_one_per_set() -> None:
    """250 sets of an UPDATE cost 3 texts; of anything else, 250 executemany statements."""
    per = batched_dml.SETS_PER_TEXT
    assert batched_dml.round_trips("UPDATE t SET a=%s", 2 * per + 50) == 3
    assert batched_dml.round_trips("UPDATE t SET a=%s", 1) == 1
    assert batched_dml.round_trips("UPDATE t SET a=%s -- x", 250) == 250


def test_texts_chain_the_matched_count_and_lead_with_the_controls() -> None:
    """Each set is its own statement; the first of a text starts the count, the rest add."""
    sets = [[i] for i in range(batched_dml.SETS_PER_TEXT + 2)]
    texts = batched_dml.texts(FakeCursor(), ["BEGIN"], "DELETE FROM t WHERE id = %s", sets)
    assert len(texts) == 2
    first = texts[0].split(b"; ")
    assert first[0] == b"BEGIN" and len(first) == 1 + batched_dml.SETS_PER_TEXT
    assert first[1] == (
        b"WITH corral_matched AS (DELETE FROM t WHERE id = 0 RETURNING 1) SELECT "
        b"set_config('corral.matched', count(*)::text, true) FROM corral_matched"
    )
    assert b"current_setting('corral.matched')::bigint + count(*)" in first[2]
    second = texts[1].split(b"; ")
    assert len(second) == 2 and b"id = 101 RETURNING" in second[1]
    assert b"current_setting" not in second[0]  # each text counts from zero


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", []),
        ("{a,b}", ["a", "b"]),
        ("{a,NULL,null}", ["a", None, None]),
        (
            '{"two words","x,y","say \\"hi\\"","back\\\\slash","{br}","NULL",""}',
            ["two words", "x,y", 'say "hi"', "back\\slash", "{br}", "NULL", ""],
        ),
        ('{{a,b},{NULL,"c d"}}', [["a", "b"], [None, "c d"]]),
        ("{{}}", [[]]),
        ("[0:1]={a,b}", ["a", "b"]),
        ('[1:1][1:2]={{a,"b c"}}', [["a", "b c"]]),
    ],
)
def test_array_text_reads_as_lists(text: str, expected: list[Any]) -> None:
    """Quoted items, escapes, NULL, nesting and explicit bounds come back as PostgreSQL meant."""
    assert parse_array(text) == expected


@pytest.mark.parametrize("text", ["{a,b", '{"a}', "{a}}", "a,b", "{a}x"])
def test_malformed_array_text_is_a_data_error(text: str) -> None:
    """Text that is not an array is refused, naming it."""
    with pytest.raises(exc.DataError, match="not PostgreSQL's array text"):
        parse_array(text)
