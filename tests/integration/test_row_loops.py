"""Loads through the compiled per-row loops (loading/row_loops.py), the lean flush of changed
objects and the eager loaders built on them: the same objects, values and identity keys as the
general path, on every database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import (
    Engine,
    ForeignKey,
    Integer,
    Mapped,
    Session,
    String,
    event,
    inspect,
    joinedload,
    load_only,
    mapped_column,
    relationship,
    select,
    selectinload,
)
from corral.orm import DeclarativeBase
from tests.integration.orm_models import dml, recorded_sql


class Base(DeclarativeBase):
    pass


class Box(Base):
    __tablename__ = "rl_boxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(30))
    items: Mapped[list[Item]] = relationship(order_by="Item.id")


class Item(Base):
    __tablename__ = "rl_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("rl_boxes.id"))
    name: Mapped[str] = mapped_column(String(30))


class Cell(Base):
    """A composite primary key: the loop builds a two-value identity."""

    __tablename__ = "rl_cells"

    row: Mapped[int] = mapped_column(Integer, primary_key=True)
    col: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(String(30))


@pytest.fixture
def filled(engine: Engine) -> Iterator[Engine]:
    """Boxes 1..4 (box 4 empty), items 10*box+1..3; cells (r, c) for r, c in 1..3."""
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Box(id=i, label=f"b{i}", note=None) for i in range(1, 5)])
        session.flush()
        pairs = [(a, b) for a in (1, 2, 3) for b in (1, 2, 3)]
        session.add_all([Item(id=10 * b + k, box_id=b, name=f"i{b}.{k}") for b, k in pairs])
        session.add_all([Cell(row=r, col=c, value=f"{r}x{c}") for r, c in pairs])
        session.commit()
    yield engine
    Base.metadata.drop_all(engine)


@pytest.mark.parametrize("weak", [True, False], ids=["weak_map", "strong_map"])
def test_reload_returns_the_same_objects_and_keeps_changes(filled: Engine, weak: bool) -> None:
    """A second load of the same rows returns the objects of the first, with their unflushed
    change kept; the state is persistent with the row's identity key."""
    with Session(filled, weak_identity_map=weak, autoflush=False) as session:
        first = session.scalars(select(Box).order_by(Box.id)).all()
        first[0].label = "changed"
        again = session.scalars(select(Box).order_by(Box.id)).all()
        assert [a is b for a, b in zip(first, again, strict=True)] == [True] * 4
        assert again[0].label == "changed"
        assert [b.label for b in again[1:]] == ["b2", "b3", "b4"]
        state = inspect(again[1])
        assert state.persistent and state.identity == (2,)
        assert state.key == (Box, (2,), None)  # SQLAlchemy's form: (class, key, token)


def test_populate_existing_overwrites_the_change(filled: Engine) -> None:
    """populate_existing: the reload's values replace the unflushed change (the control for
    the test above), and the object is no longer dirty."""
    with Session(filled, autoflush=False) as session:
        box = session.get(Box, 1)
        assert box is not None
        box.label = "changed"
        statement = select(Box).where(Box.id == 1).execution_options(populate_existing=True)
        assert session.scalars(statement).one() is box
        assert box.label == "b1"
        assert box not in session.dirty


def test_composite_key_identity(filled: Engine) -> None:
    """A two-column key: each object's identity is (row, col) and a get() finds it without
    a query."""
    with Session(filled) as session:
        cells = session.scalars(select(Cell).order_by(Cell.row, Cell.col)).all()
        assert [inspect(c).identity for c in cells][:3] == [(1, 1), (1, 2), (1, 3)]
        with recorded_sql() as statements:
            assert session.get(Cell, (2, 3)) is cells[5]
        assert dml(statements) == []
        assert cells[5].value == "2x3"


def test_partial_columns_load_the_rest_on_access(filled: Engine) -> None:
    """load_only(): the loop fills the loaded columns only; the others load when read."""
    with Session(filled) as session:
        boxes = session.scalars(select(Box).options(load_only(Box.label)).order_by(Box.id)).all()
        assert "note" not in boxes[0].__dict__ and boxes[0].__dict__["label"] == "b1"
        assert boxes[0].note is None
        assert "note" in boxes[0].__dict__


def test_one_compiled_loop_per_row_shape(filled: Engine) -> None:
    """Two loads of the same shape share one compiled loop; another shape adds one."""
    Box.__mapper__.row_loops.clear()
    with Session(filled) as session:
        session.scalars(select(Box)).all()
        session.expunge_all()
        session.scalars(select(Box).where(Box.id > 2)).all()
        assert len(Box.__mapper__.row_loops) == 1
        session.scalars(select(Box).options(load_only(Box.label))).all()
        assert len(Box.__mapper__.row_loops) == 2


@pytest.mark.parametrize("populate", [False, True], ids=["plain", "populate_existing"])
def test_joinedload_groups_children_and_keeps_parent_changes(
    filled: Engine, populate: bool
) -> None:
    """joinedload: each box gets its items in order, the empty box an empty list; a box
    changed before the query keeps its change unless populate_existing overwrites it."""
    with Session(filled, autoflush=False) as session:
        first = session.get(Box, 1)
        assert first is not None
        first.label = "changed"
        statement = select(Box).options(joinedload(Box.items)).order_by(Box.id)
        if populate:
            statement = statement.execution_options(populate_existing=True)
        boxes = session.scalars(statement).unique().all()
        assert boxes[0] is first
        assert first.label == ("b1" if populate else "changed")
        assert [[i.name for i in b.items] for b in boxes] == [
            ["i1.1", "i1.2", "i1.3"],
            ["i2.1", "i2.2", "i2.3"],
            ["i3.1", "i3.2", "i3.3"],
            [],
        ]


def test_joinedload_refresh_events_with_populate_existing(filled: Engine) -> None:
    """populate_existing refreshes a box already in the session on each of its rows (its
    ``refresh`` listener hears it), and a plain joinedload of the same box does not."""
    heard: list[int] = []

    def refreshed(target: Box, context: object, attrs: object) -> None:
        heard.append(target.id)

    event.listen(Box, "refresh", refreshed)
    try:
        with Session(filled) as session:
            session.get(Box, 1)
            statement = select(Box).options(joinedload(Box.items)).where(Box.id == 1)
            session.scalars(statement).unique().all()
            assert heard == []
            session.scalars(statement.execution_options(populate_existing=True)).unique().all()
            assert heard and set(heard) == {1}
    finally:
        event.remove(Box, "refresh", refreshed)


def test_selectinload_files_each_item_once(filled: Engine) -> None:
    """selectinload: one query for the items, each under its own box, the empty box empty."""
    with Session(filled) as session:
        with recorded_sql() as statements:
            boxes = session.scalars(
                select(Box).options(selectinload(Box.items)).order_by(Box.id)
            ).all()
        assert len(dml(statements)) == 2
        assert [[i.id for i in b.items] for b in boxes] == [
            [11, 12, 13],
            [21, 22, 23],
            [31, 32, 33],
            [],
        ]


def test_flush_of_changed_objects(filled: Engine) -> None:
    """Changed objects flush as one UPDATE executed for all rows in key order, only those
    whose value differs; afterwards nothing is dirty and the rows hold the new values."""
    with Session(filled) as session:
        boxes = session.scalars(select(Box).order_by(Box.id.desc())).all()
        for box in boxes:
            box.label = box.label + "!" if box.id != 2 else "b2"  # box 2: set to the same value
        with recorded_sql() as statements:
            session.flush()
        updates = [s for s in dml(statements) if s.startswith("UPDATE")]
        assert len(updates) == 1 and "rl_boxes" in updates[0]
        assert session.dirty == []
        session.commit()
    with Session(filled) as session:
        labels = session.execute(select(Box.id, Box.label).order_by(Box.id)).all()
        assert [tuple(r) for r in labels] == [(1, "b1!"), (2, "b2"), (3, "b3!"), (4, "b4!")]
