"""Collection extensions without a database: dict collections, list subclasses, association
proxies, mutable values and dynamic relationships."""

from __future__ import annotations

from typing import Any

import pytest

from corral import ForeignKey, String, exc, select
from corral.ext.associationproxy import AssociationProxy, association_proxy
from corral.orm import (
    DeclarativeBase,
    KeyFuncDict,
    Mapped,
    attribute_keyed_dict,
    column_keyed_dict,
    dynamic_loader,
    keyfunc_mapping,
    make_transient_to_detached,
    mapped_column,
    relationship,
)
from corral.orm import collections as orm_collections
from corral.orm.relationships.collections import InstrumentedList


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "ext_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_id: Mapped[int] = mapped_column(ForeignKey("ext_doc.id"))
    keyword: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(50), default="")


class Doc(Base):
    __tablename__ = "ext_doc"

    id: Mapped[int] = mapped_column(primary_key=True)
    notes: Mapped[dict[str, Note]] = relationship(collection_class=attribute_keyed_dict("keyword"))
    texts: AssociationProxy[dict[str, str]] = association_proxy(
        "notes", "text", creator=lambda k, v: Note(keyword=k, text=v)
    )
    keywords = association_proxy("note_list", "keyword", creator=lambda k: Note(keyword=k))
    note_list: Mapped[list[Note]] = relationship(viewonly=False, overlaps="notes")


def test_keyed_dict_holds_members_under_their_attribute() -> None:
    """attribute_keyed_dict keys members; setting and deleting keys changes the members."""
    doc = Doc()
    note = Note(keyword="a")
    doc.notes["a"] = note
    assert doc.notes == {"a": note}
    doc.notes = {"b": Note(keyword="b")}
    assert list(doc.notes) == ["b"]
    del doc.notes["b"]
    assert doc.notes == {}
    with pytest.raises(exc.ArgumentError, match="is a dict collection; assign a dict"):
        doc.notes = [note]  # type: ignore[assignment]


def test_keyfunc_dict_set_and_remove_use_the_key_function() -> None:
    """KeyFuncDict.set() stores under keyfunc(value); remove() checks the key holds it."""
    holder: KeyFuncDict[str, Note] = keyfunc_mapping(lambda n: n.keyword.upper())()
    note = Note(keyword="x")
    holder.set(note)
    assert holder == {"X": note}
    with pytest.raises(exc.InvalidRequestError, match="holds another object"):
        holder.remove(Note(keyword="x"))
    holder.remove(note)
    assert holder == {}


def test_column_keyed_dict_and_legacy_names() -> None:
    """column_keyed_dict keys by a column attribute; the 1.x names are the same functions."""
    holder = column_keyed_dict(Note.keyword)()
    holder.set(Note(keyword="k"))
    assert list(holder) == ["k"]
    assert orm_collections.attribute_mapped_collection is attribute_keyed_dict
    assert orm_collections.MappedCollection is KeyFuncDict


def test_unsupported_collection_class_is_refused() -> None:
    """A factory that makes neither a list/set subclass nor a dict collection is refused."""
    with pytest.raises(exc.ArgumentError, match=r"collection_class must be list, set \(or a"):
        relationship("X", collection_class=lambda: [])


class NoteList(list[Any]):
    """A list subclass with a method of its own, used as a collection_class."""

    def keywords(self) -> list[str]:
        return [note.keyword for note in self]


class Binder(Base):
    __tablename__ = "ext_binder"

    id: Mapped[int] = mapped_column(primary_key=True)
    notes: Mapped[list[BinderNote]] = relationship(collection_class=NoteList)


class BinderNote(Base):
    __tablename__ = "ext_binder_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    binder_id: Mapped[int] = mapped_column(ForeignKey("ext_binder.id"))
    keyword: Mapped[str] = mapped_column(String(20))


def test_list_subclass_collection_keeps_its_methods_and_instrumentation() -> None:
    """collection_class=NoteList gives a NoteList that is also an instrumented list."""
    binder = Binder()
    note = BinderNote(keyword="k")
    binder.notes.append(note)
    assert isinstance(binder.notes, NoteList)
    assert binder.notes.keywords() == ["k"]
    assert isinstance(binder.notes, InstrumentedList)
    assert Binder.__mapper__.relationships["notes"].collection_class is NoteList


def test_association_proxy_on_a_list_creates_intermediates() -> None:
    """Appending to the proxy creates a Note through creator; reading gives keywords."""
    doc = Doc()
    doc.keywords.append("x")
    doc.keywords += ["y"]
    assert doc.keywords == ["x", "y"]
    assert [n.keyword for n in doc.note_list] == ["x", "y"]
    doc.keywords.remove("x")
    assert doc.keywords == ["y"]
    doc.keywords = ["z"]
    assert [n.keyword for n in doc.note_list] == ["z"]


def test_association_proxy_on_a_dict_sets_the_member_attribute() -> None:
    """A dict proxy reads and writes the members' attribute under their keys."""
    doc = Doc()
    doc.texts["a"] = "first"
    assert doc.notes["a"].text == "first"
    doc.texts["a"] = "second"
    assert doc.texts == {"a": "second"} and len(doc.notes) == 1


def test_association_proxy_sql_goes_through_the_relationship() -> None:
    """``contains`` / ``any`` / ``==`` become EXISTS over the relationship."""
    sql = str(select(Doc.id).where(Doc.keywords.contains("x")))
    assert "EXISTS (SELECT 1" in sql and "ext_note.keyword = :keyword_1" in sql
    assert "EXISTS" in str(select(Doc.id).where(Doc.keywords.any()))


def test_association_proxy_refuses_factories() -> None:
    """proxy_factory= and friends are refused by name."""
    with pytest.raises(exc.ArgumentError, match="proxy_factory"):
        association_proxy("a", "b", proxy_factory=list)


def test_dynamic_relationship_refuses_assignment() -> None:
    """A dynamic collection of an object with a row is changed by append()/remove(), not
    assignment."""

    class Shelf(Base):
        __tablename__ = "ext_shelf"
        id: Mapped[int] = mapped_column(primary_key=True)
        books = dynamic_loader("Book")

    class Book(Base):
        __tablename__ = "ext_book"
        id: Mapped[int] = mapped_column(primary_key=True)
        shelf_id: Mapped[int] = mapped_column(ForeignKey("ext_shelf.id"))

    shelf = Shelf(id=1)
    make_transient_to_detached(shelf)
    with pytest.raises(exc.InvalidRequestError, match="dynamic collection"):
        shelf.books = []
    with pytest.raises(TypeError, match=r"count\(\)"):
        len(shelf.books)


class Profile(Base):
    __tablename__ = "ext_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("ext_owner_p.id"))
    nickname: Mapped[str] = mapped_column(String(20))


class OwnerWithProfile(Base):
    __tablename__ = "ext_owner_p"

    id: Mapped[int] = mapped_column(primary_key=True)
    profile: Mapped[Profile | None] = relationship()
    nickname: AssociationProxy[str | None] = association_proxy(
        "profile", "nickname", creator=lambda value: Profile(nickname=value)
    )


def test_association_proxy_on_one_object_creates_it_on_first_write() -> None:
    """A scalar proxy reads None without the object, creates it on write, then sets it."""
    owner = OwnerWithProfile()
    assert owner.nickname is None
    owner.nickname = "ace"
    first = owner.profile
    assert first is not None and first.nickname == "ace"
    owner.nickname = "king"
    assert owner.profile is first and first.nickname == "king"
    sql = str(select(OwnerWithProfile.id).where(OwnerWithProfile.nickname == "ace"))
    assert "EXISTS (SELECT 1" in sql and "ext_profile.nickname = :nickname_1" in sql


def test_mutable_associate_with_tracks_every_column_of_a_type() -> None:
    """associate_with(JSON) wraps values of JSON columns mapped afterwards."""
    from corral import JSON
    from corral.ext.mutable import MutableDict, MutableSet

    class Settings(MutableDict[str, Any]):
        pass

    Settings.associate_with(JSON)
    try:

        class Configured(Base):
            __tablename__ = "ext_configured"
            id: Mapped[int] = mapped_column(primary_key=True)
            data: Mapped[dict[str, Any]] = mapped_column(JSON)

    finally:
        from corral.ext import mutable

        mutable._BY_TYPE_CLASS.clear()
    obj = Configured(data={"a": 1})
    assert isinstance(obj.data, Settings)
    with pytest.raises(ValueError, match="cannot hold list"):
        obj.data = []  # type: ignore[assignment]
    tags = MutableSet.coerce("tags", {1})
    assert isinstance(tags, MutableSet) and tags == {1}


class Member(Base):
    __tablename__ = "ext_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    memberships: Mapped[list[Membership]] = relationship()
    # A proxy of a proxy: each Membership's club_name is itself proxied.
    club_names: AssociationProxy[list[str]] = association_proxy("memberships", "club_name")


class Membership(Base):
    __tablename__ = "ext_membership"

    member_id: Mapped[int] = mapped_column(ForeignKey("ext_member.id"), primary_key=True)
    # The club table is declared below: configuring Member.memberships waits for it.
    club_id: Mapped[int] = mapped_column(ForeignKey("ext_club.id"), primary_key=True)
    club: Mapped[Club] = relationship()
    club_name: AssociationProxy[str] = association_proxy("club", "name")


class Club(Base):
    __tablename__ = "ext_club"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))


def test_a_proxy_of_a_proxy_nests_its_exists() -> None:
    """any() through two proxies is an EXISTS inside an EXISTS, each correlated."""
    sql = str(select(Member.id).where(Member.club_names.any(Club.name == "chess")))
    assert "FROM ext_membership \nWHERE ext_member.id = ext_membership.member_id AND " in sql
    assert "FROM ext_club \nWHERE ext_club.id = ext_membership.club_id AND " in sql
    assert sql.count("EXISTS (SELECT 1") == 2


def test_a_relationship_waits_for_a_table_its_target_refers_to() -> None:
    """Member.memberships configures once ext_club, named by a foreign key, exists."""
    assert Member.memberships.prop.mapper.class_ is Membership  # type: ignore[attr-defined]
