"""The compiled-statement cache, and bad input refused before any SQL is sent."""

from __future__ import annotations

from typing import Any

import pytest

from corral import exc
from corral.sql.dml import insert, update
from corral.sql.schema import Column, ForeignKey, MetaData, Table
from corral.sql.selectable import select
from corral.sql.text import text
from corral.sql.types import Boolean, Integer, String
from tests.unit.compile_helpers import compile_dialect

metadata = MetaData()
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(50)),
    Column("active", Boolean),
)
notes = Table("notes", metadata, Column("id", Integer, primary_key=True), Column("body", String))


def test_same_shape_with_other_values_hits_the_cache() -> None:
    """Building the same statement with new values reuses the compiled SQL."""
    dialect = compile_dialect("postgresql")
    before = dialect.compile_count
    first, first_binds = select(users).where(users.c.id == 1)._compile_for(dialect)
    second, second_binds = select(users).where(users.c.id == 2)._compile_for(dialect)
    assert second is first
    assert dialect.compile_count == before + 1
    assert first.construct_params(first_binds) == (1,)
    assert second.construct_params(second_binds) == (2,)


def test_a_reused_select_computes_its_cache_key_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Executing one Select again reuses its key; a statement derived from it gets its own
    (the key is not copied), and each compiles to its own SQL with its own values."""
    dialect = compile_dialect("sqlite")
    computed: list[int] = []
    original_key = type(select(users))._key

    def counting_key(self: Any, binds: list[Any]) -> Any:
        computed.append(id(self))
        return original_key(self, binds)

    monkeypatch.setattr(type(select(users)), "_key", counting_key)
    statement = select(users).where(users.c.id == 1)
    cache: dict[Any, Any] = {}  # as execution_options(compiled_cache=...) gives
    first, binds = statement._compile_for(dialect, None, cache)
    again, again_binds = statement._compile_for(dialect, None, cache)
    assert computed == [id(statement)]
    assert again is first and again_binds == binds
    derived = statement.where(users.c.name == "x")
    compiled, derived_binds = derived._compile_for(dialect, None, cache)
    assert computed == [id(statement), id(derived)]
    assert compiled.sql != first.sql
    assert compiled.construct_params(derived_binds) == (1, "x")


def test_different_shapes_compile_separately() -> None:
    """A different operator, column or IN-list length is a different shape."""
    dialect = compile_dialect("sqlite")
    shapes = [
        select(users).where(users.c.id == 1),
        select(users).where(users.c.id > 1),
        select(users).where(users.c.name == "a"),
        select(users).where(users.c.id.in_([1, 2])),
        select(users).where(users.c.id.in_([1, 2, 3])),
    ]
    compiled = {id(s._compile_for(dialect)[0]) for s in shapes}
    assert len(compiled) == len(shapes)


def test_unnamed_aliases_of_one_table_never_share_compiled_sql() -> None:
    """Two statements joining two unnamed aliases differently each get their own SQL."""
    dialect = compile_dialect("sqlite")
    tree = Table(
        "tree", MetaData(), Column("id", Integer, primary_key=True), Column("parent_id", Integer)
    )
    a, b = tree.alias(), tree.alias()
    own = select(a.c.id, b.c.id).where(a.c.id == a.c.parent_id)
    cross = select(a.c.id, b.c.id).where(a.c.id == b.c.parent_id)
    own_sql = own._compile_for(dialect)[0].sql
    cross_sql = cross._compile_for(dialect)[0].sql
    assert own_sql.endswith("WHERE anon_1.id = anon_1.parent_id")
    assert cross_sql.endswith("WHERE anon_1.id = anon_2.parent_id")
    named = tree.alias("t1")
    first = select(named.c.id)._compile_for(dialect)[0]
    assert select(tree.alias("t1").c.id)._compile_for(dialect)[0] is first  # named: shared


def test_cache_hit_for_insert_with_same_keys() -> None:
    """Inserts executed with the same parameter keys share one compiled statement."""
    dialect = compile_dialect("mysql")
    a, _ = insert(users)._compile_for(dialect, ("id", "name"))
    b, _ = insert(users)._compile_for(dialect, ("id", "name"))
    c, _ = insert(users)._compile_for(dialect, ("name",))
    assert a is b
    assert c is not a


def test_unknown_column_names_table_and_columns() -> None:
    """An unknown column is an error naming the table and the columns it has."""
    with pytest.raises(
        exc.NoSuchColumnError, match=r"Table 'users' has no column 'nmae'.*id, name"
    ):
        select(users).where(users.c.nmae == "x")


def test_filter_by_unknown_column() -> None:
    """filter_by() with a misspelled name raises instead of ignoring it."""
    with pytest.raises(exc.NoSuchColumnError, match="nmae"):
        select(users).filter_by(nmae="x")


def test_wrong_value_type_names_column_and_type() -> None:
    """Comparing a column with a value of the wrong type names the column and the type."""
    with pytest.raises(
        exc.ArgumentError, match=r"users\.id.*expected an int for Integer, got str 'abc'"
    ):
        select(users).where(users.c.id == "abc")


def test_wrong_value_type_in_insert_values() -> None:
    """insert().values() refuses a value its column cannot hold, naming both."""
    with pytest.raises(exc.ArgumentError, match=r"users\.id: expected an int for Integer, got str"):
        insert(users).values(id="seven")


def test_wrong_value_type_from_execute_parameters() -> None:
    """A wrong-typed value passed at execution fails before the statement is sent."""
    dialect = compile_dialect("sqlite")
    compiled, binds = insert(users)._compile_for(dialect, ("id", "name"))
    with pytest.raises(exc.ArgumentError, match=r"users\.name: expected .* got int 5"):
        compiled.construct_params(binds, {"id": 1, "name": 5})


def test_unknown_parameter_key_for_insert() -> None:
    """A parameter key that is not a column is refused, naming the table's columns."""
    with pytest.raises(exc.NoSuchColumnError, match="'nmae' is not a column of table 'users'"):
        insert(users)._compile_for(compile_dialect("sqlite"), ("nmae",))


def test_operator_on_incompatible_type() -> None:
    """LIKE on a number and arithmetic on a boolean are refused."""
    with pytest.raises(exc.ArgumentError, match="LIKE needs a string"):
        users.c.id.like("1%")
    with pytest.raises(exc.ArgumentError, match=r"Operator \* does not apply to users\.active"):
        users.c.active * 2


def test_missing_text_parameter() -> None:
    """A text() parameter with no value is named before anything is sent."""
    statement = text("SELECT * FROM users WHERE id = :id AND name = :name")
    compiled, binds = statement._compile_for(compile_dialect("postgresql"))
    with pytest.raises(exc.ArgumentError, match="No value for the bind parameter 'name'"):
        compiled.construct_params(binds, {"id": 1})


def test_text_bindparams_rejects_unknown_name() -> None:
    """Attaching a value to a parameter the text does not have is an error."""
    with pytest.raises(exc.ArgumentError, match="no parameter :nme"):
        text("SELECT :name").bindparams(nme="x")


def test_string_where_clause_points_to_text() -> None:
    """where('raw sql') is refused with a pointer to text()."""
    with pytest.raises(exc.ArgumentError, match=r"text\(\)"):
        select(users).where("id = 1")  # type: ignore[arg-type]


def test_python_boolean_operators_are_refused() -> None:
    """Using 'and'/'or' on SQL conditions raises instead of silently dropping one."""
    with pytest.raises(TypeError, match="and_"):
        bool(users.c.id > 1)


def test_join_without_foreign_key_needs_on_clause() -> None:
    """A join with no foreign key between the tables asks for an ON clause."""
    with pytest.raises(exc.ArgumentError, match="Cannot infer the join condition"):
        select(users).join(notes)


def test_ambiguous_join_needs_on_clause() -> None:
    """Two foreign keys between the same tables make the join ambiguous."""
    md = MetaData()
    Table("people", md, Column("id", Integer, primary_key=True))
    transfers = Table(
        "transfers",
        md,
        Column("id", Integer, primary_key=True),
        Column("sender", Integer, ForeignKey("people.id")),
        Column("receiver", Integer, ForeignKey("people.id")),
    )
    with pytest.raises(exc.ArgumentError, match="2 foreign keys"):
        select(md.tables["people"]).join(transfers)


def test_update_without_values_is_refused() -> None:
    """An UPDATE with nothing to SET is an error naming the table."""
    with pytest.raises(exc.ArgumentError, match="no values to SET"):
        update(users)._compile_for(compile_dialect("sqlite"))


def test_misspelled_quoted_name_is_never_a_string_on_sqlite() -> None:
    """SQLite quotes names with backticks, which it never reads as a string literal."""
    md = MetaData()
    odd = Table("odd", md, Column("user name", String))
    compiled, _ = (
        select(odd).where(odd.c["user name"] == "x")._compile_for(compile_dialect("sqlite"))
    )
    assert compiled.sql == "SELECT odd.`user name` FROM odd WHERE odd.`user name` = ?"


def test_values_inside_a_cte_reached_through_its_columns() -> None:
    """A CTE used only through its columns still takes its values from the new statement."""
    dialect = compile_dialect("sqlite")

    def build(limit: int) -> Any:
        high = select(users.c.id).where(users.c.id > limit).cte("high")
        return select(high.c.id)

    first, first_binds = build(1)._compile_for(dialect)
    second, second_binds = build(7)._compile_for(dialect)
    assert second is first
    assert first.construct_params(first_binds) == (1,)
    assert second.construct_params(second_binds) == (7,)
