"""A ``with_loader_criteria`` filter added in ``do_orm_execute`` and the identity map.

SQLAlchemy's ``extending_query/filter_public.py`` expects a many-to-one whose target row is
filtered out to read None, "assuming the User isn't already in the Session". That holds once
the program drops the objects it created, because the identity map is weak: corral's is, by
default, as SQLAlchemy's. With ``weak_identity_map=False`` the session keeps the parent, and
the many-to-one finds it there without a query (the control). On SQLite, PostgreSQL and
MariaDB.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from corral import Boolean, Engine, ForeignKey, String, event, orm, select, true
from corral.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from tests.integration.orm_models import dml, recorded_sql


class CriteriaBase(DeclarativeBase):
    pass


class HasVisibility:
    """Rows with ``visible`` false are left out of ordinary queries."""

    visible: Mapped[bool] = mapped_column(Boolean)


class Owner(HasVisibility, CriteriaBase):
    __tablename__ = "cim_owner"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


class Pet(HasVisibility, CriteriaBase):
    __tablename__ = "cim_pet"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(ForeignKey("cim_owner.id"))
    owner: Mapped[Owner] = relationship()


def _only_visible(state: Any) -> None:
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.execution_options.get("include_hidden", False)
    ):
        state.statement = state.statement.options(
            orm.with_loader_criteria(HasVisibility, lambda cls: cls.visible == true())
        )


@pytest.fixture
def cdb(engine: Engine) -> Iterator[Engine]:
    CriteriaBase.metadata.create_all(engine)
    yield engine


def _owner_of_visible_pet(engine: Engine, **options: Any) -> str | None:
    """Store a hidden owner with a visible pet, drop the objects, load the pet's owner
    (its name: None when the many-to-one reads None)."""
    make_pet: Any = Pet  # the mixin's column: a type checker sees no keyword for it
    make_owner: Any = Owner
    session = Session(engine, **options)
    event.listen(session, "do_orm_execute", _only_visible)
    try:
        session.add(make_pet(name="rex", visible=True, owner=make_owner(name="ann", visible=False)))
        session.commit()  # expires both objects: nothing links them any more
        gc.collect()
        pet = session.scalars(select(Pet)).one()
        return None if pet.owner is None else pet.owner.name
    finally:
        session.close()


@pytest.mark.parametrize("options", [{}, {"weak_identity_map": True}], ids=["default", "weak"])
def test_weak_map_leaves_the_filtered_parent_out(cdb: Engine, options: dict[str, Any]) -> None:
    """With the default (weak) map the dropped owner has left it: the lazy load is a query,
    filtered, and reads None; the same with weak_identity_map=True."""
    assert _owner_of_visible_pet(cdb, **options) is None


def test_strong_map_still_holds_the_parent(cdb: Engine) -> None:
    """Control: a strong map still holds the owner, which the many-to-one returns (as
    SQLAlchemy's does while the program holds the owner)."""
    assert _owner_of_visible_pet(cdb, weak_identity_map=False) == "ann"


def test_a_held_parent_is_returned_by_the_many_to_one(cdb: Engine) -> None:
    """With the weak map, an owner the program loaded (past the filter) and still holds is the
    one the many-to-one returns, without a query, as in filter_public.py's last lines."""
    make_pet: Any = Pet
    make_owner: Any = Owner
    with Session(cdb) as session:
        event.listen(session, "do_orm_execute", _only_visible)
        session.add(make_pet(name="rex", visible=True, owner=make_owner(name="ann", visible=False)))
        session.commit()
        gc.collect()
        pet = session.scalars(select(Pet)).one()
        assert len(session.identity_map) == 1  # the pet alone
        assert session.scalars(select(Owner)).one_or_none() is None  # hidden by the filter
        owner = session.scalars(select(Owner).execution_options(include_hidden=True)).one()
        with recorded_sql() as sql:
            assert pet.owner is owner
        assert dml(sql) == []
