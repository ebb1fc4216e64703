"""Which UPDATEs compile with a form for many parameter sets joined to a VALUES list
(``Compiled.many_update``), and what that form is; and when the engine may use it
(``update_many.applies``)."""

from __future__ import annotations

import pytest

from corral import CHAR
from corral.engine import update_many
from corral.sql.dml import update
from corral.sql.elements import bindparam
from corral.sql.functions import func
from corral.sql.schema import Column, MetaData, Table
from corral.sql.types import Integer, Numeric, String
from tests.unit.compile_helpers import compiled

metadata = MetaData()
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(30)),
    Column("price", Numeric(10, 2)),
    Column("code", CHAR(2)),
    Column("version", Integer),
)
BY_ID = update(items).where(items.c.id == bindparam("k"))


def test_an_update_by_key_gets_its_joined_form_on_postgresql() -> None:
    """The set columns, then the compared ones, each value cast to its type without
    modifiers; the key's position among the values."""
    form = compiled(BY_ID, "postgresql", ("name", "price", "k")).many_update
    assert form == (
        "UPDATE items SET name=corral_rows.p0, price=corral_rows.p1 FROM (VALUES ",
        "(CAST(%s AS VARCHAR), CAST(%s AS NUMERIC), CAST(%s AS INTEGER))",
        ") AS corral_rows (p0, p1, p2) WHERE items.id = corral_rows.p2",
        (2,),
    )


@pytest.mark.parametrize("dialect", ["sqlite", "mysql"])
def test_other_databases_keep_the_executemany(dialect: str) -> None:
    assert compiled(BY_ID, dialect, ("name", "k")).many_update is None


def test_a_version_the_set_moves_on_is_compared_but_no_key() -> None:
    """``WHERE id = ? AND version = ?`` with ``version`` set: only ``id`` tells the rows
    apart (a set's new version could be another set's old one)."""
    statement = update(items).where(items.c.id == bindparam("k"), items.c.version == bindparam("v"))
    form = compiled(statement, "postgresql", ("name", "version", "k", "v")).many_update
    assert form is not None
    assert form[2].endswith("WHERE items.id = corral_rows.p2 AND items.version = corral_rows.p3")
    assert form[3] == (2,)


@pytest.mark.parametrize(
    ("statement", "keys"),
    [
        (BY_ID, ("id", "k")),  # the SET moves the only key: a set could reach another's row
        (BY_ID, ("code", "k")),  # CHAR alone is CHAR(1): no cast keeps its values
        (BY_ID.values(name=func.upper(bindparam("n"))), ("n", "k")),  # a SET of an expression
        (BY_ID.returning(items.c.id), ("name", "k")),
        (update(items).where(items.c.id > bindparam("k")), ("name", "k")),
        (update(items), ("name",)),
    ],
    ids=["key_set", "char", "expression", "returning", "not_equal", "no_where"],
)
def test_other_updates_have_no_joined_form(statement: object, keys: tuple[str, ...]) -> None:
    assert compiled(statement, "postgresql", keys).many_update is None  # type: ignore[arg-type]


def test_sets_join_only_when_no_two_reach_one_row() -> None:
    """Two or more sets whose key values all differ; a repeated key, a single set or a key
    value that cannot be hashed keeps the executemany."""
    assert update_many.applies([("a", 1), ("b", 2)], (1,))
    assert not update_many.applies([("a", 1), ("b", 1)], (1,))
    assert not update_many.applies([("a", 1)], (1,))
    assert update_many.applies([("a", 1, 1), ("b", 1, 2)], (1, 2))
    assert not update_many.applies([("a", [1]), ("b", [2])], (1,))
