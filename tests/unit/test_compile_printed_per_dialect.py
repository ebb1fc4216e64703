"""SQL printed by ``statement.compile(dialect=...)``, as SQLAlchemy prints it for each dialect
(Oracle included, which corral compiles but cannot connect to)."""

from __future__ import annotations

import pytest

from corral import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    cast,
    create_engine,
    exc,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from corral.dialects import mysql, oracle, postgresql, sqlite
from corral.sql.compiler.compiled import Compiled
from corral.sql.elements import ClauseElement
from tests.unit.compile_helpers import sql

metadata = MetaData()
users = Table(
    "user_account",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(30)),
    Column("flag", Boolean),
    Column("data", JSON),
)
addresses = Table(
    "address",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("user_account.id")),
)
DIALECTS = {
    "postgresql": postgresql.dialect,
    "mysql": mysql.dialect,
    "sqlite": sqlite.dialect,
    "oracle": oracle.dialect,
}


def printed(statement: ClauseElement, name: str) -> Compiled:
    return statement.compile(dialect=DIALECTS[name]())


# -- functions and labels -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("postgresql", "SELECT now() AS now_1"),
        ("mysql", "SELECT now() AS now_1"),
        ("sqlite", "SELECT CURRENT_TIMESTAMP AS now_1"),
        ("oracle", "SELECT CURRENT_TIMESTAMP AS now_1 FROM DUAL"),
    ],
)
def test_now_is_labelled_and_spelled_per_dialect(name: str, expected: str) -> None:
    """select(func.now()) prints now() or CURRENT_TIMESTAMP, labelled now_1."""
    assert str(printed(select(func.now()), name)) == expected


def test_function_and_expression_columns_get_anonymous_labels() -> None:
    """Unnamed columns are labelled (count_1, anon_1) in every dialect's printed SQL."""
    statement = select(func.count(users.c.id), users.c.name + "x", literal(1))
    assert str(printed(statement, "postgresql")) == (
        "SELECT count(user_account.id) AS count_1, user_account.name || %(name_1)s AS anon_1, "
        "%(param_1)s AS anon_2 \nFROM user_account"
    )
    assert str(printed(statement, "mysql")) == (
        "SELECT count(user_account.id) AS count_1, concat(user_account.name, %s) AS anon_1, "
        "%s AS anon_2 \nFROM user_account"
    )


def test_json_element_is_labelled_on_mysql() -> None:
    """A JSON element in a SELECT list is labelled anon_1 (MySQL: JSON_EXTRACT)."""
    statement = select(users.c.data["a"])
    assert str(printed(statement, "mysql")) == (
        "SELECT JSON_EXTRACT(user_account.data, %s) AS anon_1 \nFROM user_account"
    )
    assert str(printed(statement, "postgresql")) == (
        "SELECT user_account.data -> %(data_1)s AS anon_1 \nFROM user_account"
    )


# -- parameters -----------------------------------------------------------------------------


def test_postgresql_prints_pyformat_parameters_and_is_not_positional() -> None:
    """PostgreSQL prints %(name)s; Compiled.positional is False and positiontup None."""
    statement = update(users).where(users.c.id == 5).values(name="b")
    compiled = printed(statement, "postgresql")
    assert str(compiled) == "UPDATE user_account SET name=%(name)s WHERE user_account.id = %(id_1)s"
    assert (compiled.positional, compiled.positiontup) == (False, None)
    assert compiled.params == {"name": "b", "id_1": 5}


def test_positional_dialects_report_the_parameter_order() -> None:
    """MySQL (%s) and SQLite (?) are positional, with positiontup in placeholder order."""
    statement = select(users.c.id).where(users.c.name == "x").limit(3).offset(2)
    my = printed(statement, "mysql")
    assert str(my).endswith("WHERE user_account.name = %s \n LIMIT %s, %s")
    assert my.positiontup == ["name_1", "param_1", "param_2"]
    assert my.params == {"name_1": "x", "param_1": 2, "param_2": 3}
    lite = printed(statement, "sqlite")
    assert str(lite).endswith("WHERE user_account.name = ?\n LIMIT ? OFFSET ?")
    assert lite.positiontup == ["name_1", "param_1", "param_2"]
    assert lite.positional is True


def test_printed_insert_returns_the_qualified_key() -> None:
    """PostgreSQL's printed INSERT shows its implicit RETURNING as SQLAlchemy does."""
    statement = insert(users).values(name="a")
    assert str(printed(statement, "postgresql")) == (
        "INSERT INTO user_account (name) VALUES (%(name)s) RETURNING user_account.id"
    )
    assert sql(statement, "postgresql") == (
        "INSERT INTO user_account (name) VALUES (%s) RETURNING id"
    )


def test_printing_does_not_change_what_runs() -> None:
    """compile() for a dialect leaves the executed SQL (positional, one line) as it was."""
    statement = select(func.now()).where(users.c.id == 1)
    dialect = postgresql.dialect()
    printed_first = str(statement.compile(dialect=dialect))
    executed = statement._compile_for(dialect)[0]
    assert printed_first.startswith("SELECT now() AS now_1 \nFROM user_account")
    assert executed.sql == ("SELECT CURRENT_TIMESTAMP FROM user_account WHERE user_account.id = %s")
    assert executed.positional is True


# -- Oracle -----------------------------------------------------------------------------------


def test_oracle_limit_and_offset_are_fetch_first_and_offset_rows() -> None:
    """limit()/offset() print as OFFSET ... ROWS FETCH FIRST ... ROWS ONLY."""
    statement = select(users.c.id).order_by(users.c.id).limit(3).offset(2)
    compiled = printed(statement, "oracle")
    assert str(compiled) == (
        "SELECT user_account.id \nFROM user_account ORDER BY user_account.id"
        "\n OFFSET __[POSTCOMPILE_param_1] ROWS\n FETCH FIRST __[POSTCOMPILE_param_2] ROWS ONLY"
    )
    assert compiled.params == {"param_1": 2, "param_2": 3}
    assert compiled.positional is False


def test_oracle_names_aliases_without_as_and_selects_from_dual() -> None:
    """Oracle aliases a FROM without AS; a SELECT with no FROM reads FROM DUAL."""
    aliased = users.alias()
    statement = select(aliased.c.id).join(addresses, aliased.c.id == addresses.c.user_id)
    assert str(printed(statement, "oracle")) == (
        "SELECT user_account_1.id \nFROM user_account user_account_1 "
        "JOIN address ON user_account_1.id = address.user_id"
    )
    subquery = select(users.c.id).subquery()
    assert str(printed(select(subquery.c.id), "oracle")) == (
        "SELECT anon_1.id \nFROM (SELECT user_account.id AS id \nFROM user_account) anon_1"
    )
    assert str(printed(select(exists().where(users.c.id == 1)), "oracle")) == (
        "SELECT EXISTS (SELECT * \nFROM user_account \nWHERE user_account.id = :id_1) "
        "AS anon_1 FROM DUAL"
    )


def test_oracle_column_valued_function() -> None:
    """column_valued() prints TABLE (f(...)) name and name.COLUMN_VALUE."""
    statement = select(func.scalar_strings(5).column_valued("s"))
    assert str(printed(statement, "oracle")) == (
        "SELECT s.COLUMN_VALUE \nFROM TABLE (scalar_strings(:scalar_strings_1)) s"
    )


def test_oracle_spells_mod_types_and_reserved_words() -> None:
    """% is mod(), String(n) casts to VARCHAR2(n CHAR), reserved names are quoted."""
    statement = select(users.c.id % 2, cast(users.c.id, String(10)))
    assert str(printed(statement, "oracle")) == (
        "SELECT mod(user_account.id, :id_1) AS anon_1, "
        "CAST(user_account.id AS VARCHAR2(10 CHAR)) AS id \nFROM user_account"
    )
    level = Table("user", MetaData(), Column("level", Integer))
    assert str(printed(select(level), "oracle")) == 'SELECT "user"."level" \nFROM "user"'


def test_oracle_cannot_make_an_engine() -> None:
    """create_engine() refuses an Oracle URL, saying corral only prints Oracle's SQL."""
    for url in ("oracle://scott@localhost/xe", "oracle+oracledb://scott@localhost/xe"):
        with pytest.raises(exc.ArgumentError, match="cannot connect to Oracle Database"):
            create_engine(url)


def test_oracle_returning_goes_into_out_parameters() -> None:
    """Oracle prints RETURNING ... INTO :ret_0, implicit for a generated key, as SQLAlchemy."""
    compiled = printed(insert(users).values(name="a"), "oracle")
    assert str(compiled) == (
        "INSERT INTO user_account (name) VALUES (:name) RETURNING user_account.id INTO :ret_0"
    )
    assert compiled.params == {"name": "a", "ret_0": None}
    explicit = printed(update(users).values(name="b").returning(users.c.id, users.c.name), "oracle")
    assert str(explicit) == (
        "UPDATE user_account SET name=:name RETURNING user_account.id, user_account.name "
        "INTO :ret_0, :ret_1"
    )


def test_sqlite_prints_limit_and_offset_as_parameters() -> None:
    """SQLite's printed LIMIT always has an OFFSET (0 when none given) and an OFFSET alone a
    LIMIT of -1, each a parameter with its value, as SQLAlchemy prints them."""
    from corral import Integer, column, select, table

    t = table("t", column("x", Integer))
    for statement, params in [
        (select(t.c.x).limit(2), {"param_1": 2, "param_2": 0}),
        (select(t.c.x).offset(3), {"param_1": -1, "param_2": 3}),
        (select(t.c.x).limit(2).offset(3), {"param_1": 2, "param_2": 3}),
    ]:
        printed = statement.compile(dialect=sqlite.dialect())
        assert " ".join(str(printed).split()) == "SELECT t.x FROM t LIMIT ? OFFSET ?"
        assert printed.params == params
    assert "OFFSET" not in str(select(t.c.x).limit(2))
