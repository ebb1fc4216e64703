"""A "generic foreign key": one child table whose ``parent_id`` may point at rows of several
parent tables, with no ForeignKey, the parent's kind in a discriminator column.

Relationships are added to each parent class by a ``mapper_configured`` listener (assigned
to the already-mapped class), and the many-to-one side is a ``backref()`` with its own
``primaryjoin``. On SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import Engine, String, and_, event, select
from corral.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    backref,
    foreign,
    mapped_column,
    relationship,
    remote,
)
from tests.integration.orm_models import recorded_sql
from tests.integration.relationship_models import rows, shape


class GenericBase(DeclarativeBase):
    pass


class Note(GenericBase):
    """A note on a shop or a vendor: ``owner_id`` is a shop's or a vendor's id."""

    __tablename__ = "gfk_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(String(40))
    owner_kind: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int]


class HasNotes:
    """Mixin: each mapped subclass gets ``notes`` and ``Note.owner_<kind>`` when configured."""


@event.listens_for(HasNotes, "mapper_configured", propagate=True)
def _add_notes(mapper: Any, class_: Any) -> None:
    kind = class_.__name__.lower()
    class_.notes = relationship(
        Note,
        primaryjoin=and_(class_.id == foreign(remote(Note.owner_id)), Note.owner_kind == kind),
        backref=backref(f"owner_{kind}", primaryjoin=remote(class_.id) == foreign(Note.owner_id)),
    )

    @event.listens_for(class_.notes, "append")
    def _stamp_kind(target: Any, value: Any, initiator: Any) -> None:
        value.owner_kind = kind


class Shop(HasNotes, GenericBase):
    __tablename__ = "gfk_shop"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


class Vendor(HasNotes, GenericBase):
    __tablename__ = "gfk_vendor"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))


#: The relationships are added at configure time, out of a type checker's sight.
AnyShop: Any = Shop
AnyVendor: Any = Vendor
AnyNote: Any = Note


@pytest.fixture
def gdb(engine: Engine) -> Iterator[Engine]:
    GenericBase.metadata.create_all(engine)
    yield engine


def test_listener_added_relationships_to_mapped_classes() -> None:
    """The relationships assigned in the listener are mapped, with their backrefs."""
    from corral.orm import configure_mappers

    configure_mappers()
    assert set(Shop.__mapper__.relationships.keys()) == {"notes"}
    assert {"owner_shop", "owner_vendor"} <= set(Note.__mapper__.relationships.keys())
    assert (
        Note.__mapper__.relationships["owner_shop"].reverse
        is (Shop.__mapper__.relationships["notes"])
    )


def test_parents_insert_before_children_without_a_foreign_key(gdb: Engine) -> None:
    """Notes added child-first still INSERT after the shop and vendor they point at."""
    shop = AnyShop(name="corner", notes=[AnyNote(text="opens at 8")])
    vendor = AnyVendor(name="acme", notes=[AnyNote(text="ships Mondays"), AnyNote(text="net 30")])
    with Session(gdb) as session:
        session.add_all([*vendor.notes, *shop.notes, vendor, shop])
        with recorded_sql() as sql:
            session.commit()
        inserts = [s for s in shape(sql) if s.startswith("INSERT")]
        assert inserts.index("INSERT gfk_note") > inserts.index("INSERT gfk_shop")
        assert inserts.index("INSERT gfk_note") > inserts.index("INSERT gfk_vendor")
        ids = {"shop": shop.id, "vendor": vendor.id}
    assert rows(gdb, "SELECT text, owner_kind, owner_id FROM gfk_note ORDER BY text") == [
        ("net 30", "vendor", ids["vendor"]),
        ("opens at 8", "shop", ids["shop"]),
        ("ships Mondays", "vendor", ids["vendor"]),
    ]


def test_each_parent_loads_only_its_kind_of_note(gdb: Engine) -> None:
    """Shop 1 and vendor 1 share id 1; the discriminator keeps their notes apart, and each
    note's backref (its own primaryjoin) loads its owner."""
    with Session(gdb) as session:
        session.add_all(
            [
                AnyShop(id=1, name="corner", notes=[AnyNote(text="shop note")]),
                AnyVendor(id=1, name="acme", notes=[AnyNote(text="vendor note")]),
            ]
        )
        session.commit()
    with Session(gdb) as session:
        shop: Any = session.get(Shop, 1)
        vendor: Any = session.get(Vendor, 1)
        assert shop is not None and vendor is not None
        assert [n.text for n in shop.notes] == ["shop note"]
        assert [n.text for n in vendor.notes] == ["vendor note"]
        note: Any = session.scalars(select(Note).where(Note.text == "vendor note")).one()
        assert note.owner_vendor is vendor


def test_a_late_relationship_name_clash_is_refused() -> None:
    """Assigning a second relationship under a mapped relationship's name raises."""
    from corral import exc
    from corral.orm import configure_mappers

    configure_mappers()
    with pytest.raises(exc.ArgumentError, match=r"Shop.notes is already the relationship"):
        Shop.notes = relationship(Note)
