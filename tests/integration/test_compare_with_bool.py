"""``column == True`` is ``column = true`` (``= 1`` on SQLite), as in SQLAlchemy, and runs the
same on every database: in SQL, and in the Python evaluation of a bulk UPDATE."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Boolean, DeclarativeBase, Engine, Mapped, Session, mapped_column, select, update
from corral.orm.base import STATE_ATTR
from tests.integration.orm_models import dml, recorded_sql


class FlagBase(DeclarativeBase):
    pass


class Task(FlagBase):
    __tablename__ = "flag_tasks"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    done: Mapped[bool] = mapped_column(Boolean)
    urgent: Mapped[bool] = mapped_column(Boolean)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    FlagBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all(
            [
                Task(id=1, done=True, urgent=False),
                Task(id=2, done=False, urgent=True),
                Task(id=3, done=True, urgent=True),
            ]
        )
        session.commit()
        yield session
    FlagBase.metadata.drop_all(engine)


def test_equals_a_bool_is_written_as_the_constant(session: Session, engine: Engine) -> None:
    """== True / != False select the right rows; the constant is in the SQL, not a parameter."""
    statement = select(Task.id).where(Task.done == True, Task.urgent != False)  # noqa: E712
    with recorded_sql() as statements:
        assert session.scalars(statement.order_by(Task.id)).all() == [3]
    true, false = ("1", "0") if engine.dialect.name == "sqlite" else ("true", "false")
    assert dml(statements)[-1].endswith(
        f"WHERE flag_tasks.done = {true} AND flag_tasks.urgent != {false} ORDER BY flag_tasks.id"
    )


def test_bulk_update_evaluates_a_bool_comparison_in_python(session: Session) -> None:
    """synchronize_session='evaluate' applies ``done == False`` to the objects in the session."""
    tasks = session.scalars(select(Task).order_by(Task.id)).all()
    session.execute(
        update(Task).where(Task.done == False).values(urgent=False),  # noqa: E712
        execution_options={"synchronize_session": "evaluate"},
    )
    assert [t.urgent for t in tasks] == [False, False, True]
    session.commit()
    assert session.scalars(select(Task.id).where(Task.urgent == True)).all() == [3]  # noqa: E712


def test_loaded_object_keeps_its_state_under_sqlalchemys_key(session: Session) -> None:
    """A loaded object's __dict__ holds its state under '_sa_instance_state'."""
    task = session.scalars(select(Task).where(Task.id == 1)).one()
    assert STATE_ATTR == "_sa_instance_state"
    assert task.__dict__["_sa_instance_state"].key is not None
