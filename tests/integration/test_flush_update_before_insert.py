"""A table's UPDATEs run before its INSERTs in one flush, as SQLAlchemy orders them: a row
renamed lets go of a unique value that a new row of the same flush takes. Inserting first
failed on the unique constraint."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corral import Engine, String, select
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column
from tests.integration.orm_models import recorded_sql


class Base(DeclarativeBase):
    pass


class Label(Base):
    __tablename__ = "ubi_labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20), unique=True)


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    Base.metadata.create_all(engine)
    yield engine
    Base.metadata.drop_all(engine)


def test_a_renamed_row_frees_its_unique_value_for_a_new_one(db: Engine) -> None:
    with Session(db) as session:
        old = Label(id=1, name="a")
        session.add(old)
        session.commit()
        assert old.name == "a"  # loaded again after the commit, before the change
        old.name = "b"
        session.add(Label(id=2, name="a"))
        with recorded_sql() as statements:
            session.commit()
        verbs = [s.split()[0] for s in statements if s.split()[0] in ("INSERT", "UPDATE")]
        assert verbs == ["UPDATE", "INSERT"]
        names = session.scalars(select(Label.name).order_by(Label.id)).all()
        assert names == ["b", "a"]
