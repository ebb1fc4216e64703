"""A program importing from SQLAlchemy's module paths (renamed to corral) runs on every database."""

from __future__ import annotations

import pytest

from corral.engine import Engine
from corral.exc import IntegrityError, SQLAlchemyError
from corral.future import select
from corral.orm.exc import NoResultFound
from corral.orm.session import Session
from corral.schema import Column, MetaData, Table, UniqueConstraint
from corral.sql.expression import and_, literal
from corral.types import Integer, String


def test_a_program_using_sqlalchemy_paths_runs(engine: Engine) -> None:
    """Schema, types, future select and SQLAlchemy's exception names work as their namesakes."""
    metadata = MetaData()
    pets = Table(
        "pets",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("name", String(20), nullable=False),
        UniqueConstraint("name"),
    )
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(pets.insert(), [{"id": 1, "name": "rex"}, {"id": 2, "name": "tom"}])

    with pytest.raises(SQLAlchemyError) as caught, engine.begin() as connection:
        connection.execute(pets.insert(), {"id": 3, "name": "rex"})
    assert isinstance(caught.value, IntegrityError)

    with Session(engine) as session:
        query = select(pets.c.name).where(and_(pets.c.id > literal(1), pets.c.id < 3))
        assert session.execute(query).scalars().all() == ["tom"]
        with pytest.raises(NoResultFound):
            session.execute(select(pets.c.name).where(pets.c.id == 3)).one()
