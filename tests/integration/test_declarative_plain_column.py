"""A plain ``Column`` in a declarative class body is mapped like ``mapped_column()``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Optional

import pytest

from corral import (
    Column,
    DeclarativeBase,
    Engine,
    ForeignKey,
    Integer,
    Mapped,
    Session,
    String,
    Text,
    deferred,
    mapped_column,
    select,
    text,
)
from tests.integration.orm_models import recorded_sql


class PlainBase(DeclarativeBase):
    pass


class Gadget(PlainBase):
    __tablename__ = "gadget"

    id: Mapped[int] = mapped_column(primary_key=True)
    size = Column(Integer)
    label = Column("label_text", String(20), nullable=False)
    # No type: it takes the type of maker.id, a table declared further down.
    maker_id = Column(ForeignKey("maker.id"))
    # SQLAlchemy's spelling; to a type checker a Column is not a Mapped[...].
    weight: Mapped[Optional[int]] = Column(Integer)  # type: ignore[assignment]  # noqa: UP045


class Maker(PlainBase):
    __tablename__ = "maker"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


class Audited:
    """A mixin whose plain Column each mapped class gets a copy of."""

    audited_by = Column(String(20), default="system")


class Invoice(Audited, PlainBase):
    __tablename__ = "invoice"

    id: Mapped[int] = mapped_column(primary_key=True)
    total = Column(Integer)


class Receipt(Audited, PlainBase):
    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(primary_key=True)


@pytest.fixture
def plain(engine: Engine) -> Iterator[Engine]:
    PlainBase.metadata.create_all(engine)
    yield engine


def _words(sql: str) -> str:
    """The statement without identifier quotes, for comparing across dialects."""
    return re.sub(r"[`\"]", "", sql)


def test_create_table_has_every_plain_column(engine: Engine) -> None:
    """CREATE TABLE emits the plain Columns, their names, types and the adopted FK type."""
    with recorded_sql() as statements:
        PlainBase.metadata.create_all(engine)
    (create,) = [_words(s) for s in statements if s.startswith("CREATE TABLE gadget")]
    assert "size INTEGER" in create
    assert "label_text VARCHAR(20) NOT NULL" in create
    assert "maker_id INTEGER" in create
    assert "weight INTEGER" in create
    assert "REFERENCES maker (id)" in create
    (invoice,) = [_words(s) for s in statements if s.startswith("CREATE TABLE invoice")]
    (receipt,) = [_words(s) for s in statements if s.startswith("CREATE TABLE receipt")]
    assert "audited_by VARCHAR(20)" in invoice
    assert "audited_by VARCHAR(20)" in receipt


def test_plain_column_values_are_inserted_and_read_back(plain: Engine) -> None:
    """Gadget(size=..., label=..., ...) writes every value, and the rows read back equal."""
    with Session(plain) as session:
        session.add(Maker(id=7, name="acme"))
        session.flush()
        with recorded_sql() as statements:
            # Plain Columns are not dataclass-style fields to a type checker.
            session.add(Gadget(size=3, label="small", maker_id=7, weight=None))  # type: ignore[call-arg]
            session.flush()
        session.commit()
    (insert,) = [_words(s) for s in statements if s.startswith("INSERT")]
    assert insert.startswith("INSERT INTO gadget (size, label_text, maker_id, weight) VALUES")
    with plain.connect() as connection:
        rows = connection.execute(
            text("SELECT size, label_text, maker_id, weight FROM gadget")
        ).all()
    assert [tuple(row) for row in rows] == [(3, "small", 7, None)]
    with Session(plain) as session:
        # To a type checker a plain Column attribute is a Column, not its value.
        gadget: Any = session.scalars(select(Gadget)).one()
        assert (gadget.size, gadget.label, gadget.maker_id, gadget.weight) == (3, "small", 7, None)
        gadget.size = 4
        with recorded_sql() as statements:
            session.commit()
    (update,) = [_words(s) for s in statements if s.startswith("UPDATE")]
    assert update.startswith("UPDATE gadget SET size=")
    with plain.connect() as connection:
        assert connection.execute(text("SELECT size FROM gadget")).scalar_one() == 4


def test_mixin_plain_column_is_copied_for_each_class(plain: Engine) -> None:
    """A mixin's Column becomes one column per class, each with the mixin's default."""
    with Session(plain) as session:
        with recorded_sql() as statements:
            session.add_all([Invoice(total=10), Receipt(audited_by="ada")])  # type: ignore[call-arg]
            session.flush()
        session.commit()
    inserts = sorted(_words(s) for s in statements if s.startswith("INSERT"))
    assert inserts[0].startswith("INSERT INTO invoice (total, audited_by) VALUES")  # mixin last
    assert inserts[1].startswith("INSERT INTO receipt (audited_by) VALUES")
    assert Invoice.__table__.c.audited_by is not Receipt.__table__.c.audited_by
    with plain.connect() as connection:
        invoice = connection.execute(text("SELECT total, audited_by FROM invoice")).all()
        receipt = connection.execute(text("SELECT audited_by FROM receipt")).all()
    assert [tuple(r) for r in invoice] == [(10, "system")]
    assert [tuple(r) for r in receipt] == [("ada",)]


def test_class_of_plain_columns_only(engine: Engine) -> None:
    """A class whose every attribute, primary key included, is a plain Column maps and writes."""

    class OnlyColumns(DeclarativeBase):
        pass

    class Sensor(OnlyColumns):
        __tablename__ = "sensor"

        id = Column(Integer, primary_key=True)
        reading = Column("reading_value", Integer, nullable=False)

    with recorded_sql() as statements:
        OnlyColumns.metadata.create_all(engine)
        with Session(engine) as session:
            session.add_all([Sensor(reading=5), Sensor(reading=6)])
            session.commit()
    (create,) = [_words(s) for s in statements if s.startswith("CREATE TABLE sensor")]
    assert "reading_value INTEGER NOT NULL" in create
    inserts = [_words(s) for s in statements if s.startswith("INSERT")]
    # PostgreSQL fetches a batch's keys from the sequence first, then sends them.
    assert inserts and all(
        re.match(r"INSERT INTO sensor \((id, )?reading_value\) VALUES", s) for s in inserts
    )
    with Session(engine) as session:
        found: list[Any] = session.scalars(select(Sensor).order_by(Sensor.id)).all()
        assert [(s.id is not None, s.reading) for s in found] == [(True, 5), (True, 6)]
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT reading_value FROM sensor ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(5,), (6,)]


def test_deferred_plain_column_loads_when_read(engine: Engine) -> None:
    """``deferred(Column(Text))`` is written, left out of the SELECT, and loaded when read."""

    class DeferredColumns(DeclarativeBase):
        pass

    class Memo(DeferredColumns):
        __tablename__ = "memo"

        id = Column(Integer, primary_key=True)
        body = deferred(Column(Text))

    DeferredColumns.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(Memo(id=1, body="long text"))
        session.commit()
    with Session(engine) as session, recorded_sql() as statements:
        memo = session.scalars(select(Memo)).one()
        assert "body" not in memo.__dict__
        assert memo.body == "long text"
    selects = [_words(s) for s in statements if s.startswith("SELECT")]
    assert selects[0].startswith("SELECT memo.id FROM memo")
    assert selects[1].startswith("SELECT memo.body FROM memo WHERE memo.id =")
    with engine.connect() as connection:
        assert connection.execute(text("SELECT body FROM memo")).scalar_one() == "long text"
