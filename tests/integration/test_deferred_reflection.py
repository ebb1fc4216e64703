"""DeferredReflection: declarative classes mapped to tables read at prepare(engine)."""

from __future__ import annotations

from typing import Any

import pytest

from corral import Engine, exc, inspect, select
from corral.ext.declarative import DeferredReflection
from corral.orm import DeclarativeBase, Session, mapped_column, relationship


def _tables(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE writers (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(50) NOT NULL)"
        )
        connection.exec_driver_sql(
            "CREATE TABLE novels (id INTEGER NOT NULL PRIMARY KEY, "
            "writer_id INTEGER NOT NULL REFERENCES writers (id), title VARCHAR(80))"
        )


def test_prepare_maps_the_waiting_classes_to_the_tables_read(engine: Engine) -> None:
    """Before prepare() the classes are not mapped; after it, their columns and
    relationships are those of the tables, and they load and flush."""
    _tables(engine)

    class Base(DeclarativeBase):
        pass

    class Reflected(DeferredReflection):
        __abstract__ = True

    class Writer(Reflected, Base):
        __tablename__ = "writers"
        novels = relationship("Novel", back_populates="writer")

    class Novel(Reflected, Base):
        __tablename__ = "novels"
        writer = relationship("Writer", back_populates="novels")

    assert "__mapper__" not in Writer.__dict__
    Reflected.prepare(engine)
    assert inspect(Novel).columns.keys() == ["id", "writer_id", "title"]
    writer: Any = Writer(id=1, name="Le Guin")
    writer.novels.append(Novel(id=7, title="The Lathe of Heaven"))
    with Session(engine) as session:
        session.add(writer)
        session.commit()
        novel: Any = session.scalars(select(Novel)).one()
        assert (novel.title, novel.writer.name) == ("The Lathe of Heaven", "Le Guin")


def test_prepare_refuses_declared_columns(engine: Engine) -> None:
    """A DeferredReflection class that declares a column raises at prepare(), naming it."""
    _tables(engine)

    class Base(DeclarativeBase):
        pass

    class Reflected(DeferredReflection):
        __abstract__ = True

    class Writer(Reflected, Base):
        __tablename__ = "writers"
        name = mapped_column()

    with pytest.raises(exc.MappingError, match="Writer declares name, but DeferredReflection"):
        Reflected.prepare(engine)
