"""get()'s SELECT read without a Result (``Connection._execute_rows``): what it must keep."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

import pytest

from corral import DateTime, Engine, Integer, Numeric, String, event, exc, select, update
from corral.engine.compiled_call import PLAN_ATTR
from corral.engine.result import Result
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Reading(Base):
    __tablename__ = "get_rows_reading"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    label: Mapped[str] = mapped_column(String(40))
    taken: Mapped[datetime.datetime] = mapped_column(DateTime)
    value: Mapped[decimal.Decimal] = mapped_column(Numeric(10, 2))


TAKEN = datetime.datetime(2026, 12, 6, 17, 30, 15)


def _one_reading(engine: Engine) -> None:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Reading(id=1, label="first", taken=TAKEN, value=decimal.Decimal("12.50")))
        session.commit()


def test_get_converts_values_as_a_query_does(engine: Engine) -> None:
    """Columns whose type converts stored values (DateTime, Numeric) come back converted."""
    _one_reading(engine)
    with Session(engine) as session:
        reading = session.get(Reading, 1)
        assert reading is not None
        queried = session.execute(select(Reading.taken, Reading.value)).one()
    assert (reading.taken, reading.value) == (TAKEN, decimal.Decimal("12.50"))
    assert (type(reading.taken), type(reading.value)) == (datetime.datetime, decimal.Decimal)
    assert (reading.taken, reading.value) == tuple(queried)


def test_execute_listeners_still_receive_the_result_of_get(engine: Engine) -> None:
    """An after_execute listener gets get()'s SELECT and a Result, as for any execute()."""
    _one_reading(engine)
    seen: list[tuple[str, type]] = []

    def after_execute(
        conn: Any, statement: Any, multi: Any, params: Any, options: Any, result: Any
    ) -> None:
        seen.append((type(statement).__name__, type(result)))

    event.listen(engine, "after_execute", after_execute)
    with Session(engine) as session:
        reading = session.get(Reading, 1)
        assert reading is not None and reading.label == "first"
    assert seen == [("Select", Result)]


def test_rows_of_a_statement_without_rows_are_refused(engine: Engine) -> None:
    """``_execute_rows`` of an UPDATE raises as ``execute(...).raw_rows()`` does."""
    _one_reading(engine)
    with engine.connect() as connection:
        statement = update(Reading).where(Reading.id == 1).values(label="changed")
        with pytest.raises(exc.ResourceClosedError, match="does not return rows"):
            connection._execute_rows(statement, None)
        assert connection.execute(select(Reading.label)).scalar_one() == "changed"
        rows = connection._execute_rows(select(Reading.id, Reading.label), None)
        assert [tuple(row) for row in rows] == [(1, "changed")]


def test_get_compiles_its_select_once_per_dialect(engine: Engine) -> None:
    """The second get() runs the SELECT the first compiled (kept on the frozen statement for
    this dialect), with the same converted values; a statement derived from it keeps none."""
    _one_reading(engine)
    with Session(engine) as session:
        assert session.get(Reading, 1) is not None
    statement = Reading.__mapper__.get_statement
    assert statement is not None
    plan = statement.__dict__[PLAN_ATTR]
    assert plan.dialect is engine.dialect and plan.keys == ("corral_pk_0",)
    with Session(engine) as session:
        reading = session.get(Reading, 1)
        assert reading is not None and session.get(Reading, 2) is None
        assert session.stats.rows_fetched == 1 and session.stats.objects_loaded == 1
    assert (reading.taken, reading.value) == (TAKEN, decimal.Decimal("12.50"))
    assert (type(reading.taken), type(reading.value)) == (datetime.datetime, decimal.Decimal)
    assert PLAN_ATTR not in statement.where(Reading.id > 0).__dict__


def test_a_connection_with_execution_options_compiles_as_usual(engine: Engine) -> None:
    """A get() on a connection with execution options (a compiled_cache here) takes the
    general way, which honours them, even once the statement has its compiled plan."""
    _one_reading(engine)
    with Session(engine) as session:
        assert session.get(Reading, 1) is not None
    cache: dict[Any, Any] = {}
    with Session(engine.execution_options(compiled_cache=cache)) as session:
        reading = session.get(Reading, 1)
        assert reading is not None and reading.label == "first"
    assert any("get_rows_reading" in compiled.sql for compiled in cache.values())
