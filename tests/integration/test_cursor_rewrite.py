"""A ``before_cursor_execute`` listener (``retval=True``) that rewrites table names from an
execution option of the engine in use, as SQLAlchemy's ``sharding/separate_tables.py`` does:
DDL, ORM flushes and loads all pass through it, and the log shows the SQL as sent. On
SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from typing import Any

from corral import Engine, String, event, select
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.integration.orm_models import recorded_sql
from tests.integration.relationship_models import rows


class PrefixBase(DeclarativeBase):
    pass


class Item(PrefixBase):
    """Stored in ``<prefix>_item``: the table name is completed per engine."""

    __tablename__ = "_prefix__item"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


def _listen(engine: Engine) -> list[str]:
    """Rewrite ``_prefix_`` from the ``table_prefix`` option; return the prefixes seen."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def rewrite(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> tuple[str, Any]:
        prefix = context.execution_options.get("table_prefix")
        if prefix:
            seen.append(prefix)
            statement = statement.replace("_prefix_", prefix)
        return statement, parameters

    return seen


def test_each_option_engine_writes_its_own_table(engine: Engine) -> None:
    """Tables made and rows flushed through two option engines land in two tables, and
    the log records the rewritten statements."""
    seen = _listen(engine)
    east = engine.execution_options(table_prefix="east")
    west = engine.execution_options(table_prefix="west")
    with recorded_sql() as sql:
        for shard, names in ((east, ["e1", "e2"]), (west, ["w1"])):
            PrefixBase.metadata.create_all(shard, checkfirst=False)
            with Session(shard) as session:
                session.add_all([Item(name=name) for name in names])
                session.commit()
    assert rows(engine, "SELECT name FROM east_item ORDER BY name") == [("e1",), ("e2",)]
    assert rows(engine, "SELECT name FROM west_item") == [("w1",)]
    assert {"east", "west"} <= set(seen)
    assert not [s for s in sql if "_prefix_" in s]
    assert any(s.startswith("INSERT INTO west_item") for s in sql)


def test_loads_read_the_rewritten_table(engine: Engine) -> None:
    """A query through an option engine reads that engine's table; the plain engine's
    statements pass through unchanged."""
    _listen(engine)
    north = engine.execution_options(table_prefix="north")
    PrefixBase.metadata.create_all(north, checkfirst=False)
    with Session(north) as session:
        session.add(Item(id=7, name="n7"))
        session.commit()
    with Session(north) as session:
        item = session.scalars(select(Item).where(Item.id == 7)).one()
        assert item.name == "n7"
        assert session.get(Item, 8) is None
    assert rows(engine, "SELECT id, name FROM north_item") == [(7, "n7")]
