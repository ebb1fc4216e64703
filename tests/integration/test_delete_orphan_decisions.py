"""Which objects ``delete-orphan`` deletes, decided from what memory saw (as SQLAlchemy 2.0).

One-to-many with the parent's collection loaded or not, children moved between parents,
new children that never reach the database, a child with two ``delete-orphan`` parents,
one-to-one, many-to-one and many-to-many with ``single_parent=True``. Each test checks the
statements the flush sends and the rows left, on SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

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
    Table,
    exc,
    mapped_column,
    relationship,
    text,
)
from tests.integration.orm_models import recorded_sql
from tests.integration.relationship_models import shape


class OrphanBase(DeclarativeBase):
    pass


class Crate(OrphanBase):
    """Owns its apples: one taken out of the crate is deleted."""

    __tablename__ = "orphan_crate"

    id: Mapped[int] = mapped_column(primary_key=True)
    apples: Mapped[list[Apple]] = relationship(
        back_populates="crate", cascade="all, delete-orphan", order_by="Apple.id"
    )


class Apple(OrphanBase):
    __tablename__ = "orphan_apple"

    id: Mapped[int] = mapped_column(primary_key=True)
    crate_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orphan_crate.id"))  # noqa: UP045
    crate: Mapped[Optional[Crate]] = relationship(back_populates="apples")  # noqa: UP045


class Shelf(OrphanBase):
    __tablename__ = "orphan_shelf"

    id: Mapped[int] = mapped_column(primary_key=True)
    jars: Mapped[list[Jar]] = relationship(back_populates="shelf", cascade="all, delete-orphan")
    passes: Mapped[list[Pass]] = relationship(back_populates="shelf", cascade="all, delete-orphan")


class Label(OrphanBase):
    __tablename__ = "orphan_label"

    id: Mapped[int] = mapped_column(primary_key=True)
    jars: Mapped[list[Jar]] = relationship(back_populates="label", cascade="all, delete-orphan")
    passes: Mapped[list[Pass]] = relationship(back_populates="label", cascade="all, delete-orphan")


class Jar(OrphanBase):
    """Needs both a shelf and a label: missing either makes it an orphan."""

    __tablename__ = "orphan_jar"

    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orphan_shelf.id"))  # noqa: UP045
    label_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orphan_label.id"))  # noqa: UP045
    shelf: Mapped[Optional[Shelf]] = relationship(back_populates="jars")  # noqa: UP045
    label: Mapped[Optional[Label]] = relationship(back_populates="jars")  # noqa: UP045


class Pass(OrphanBase):
    """Like a jar, but mapped with legacy_is_orphan: an orphan only when both parents lack it."""

    __tablename__ = "orphan_pass"
    __mapper_args__ = {"legacy_is_orphan": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orphan_shelf.id"))  # noqa: UP045
    label_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orphan_label.id"))  # noqa: UP045
    shelf: Mapped[Optional[Shelf]] = relationship(back_populates="passes")  # noqa: UP045
    label: Mapped[Optional[Label]] = relationship(back_populates="passes")  # noqa: UP045


member_tag = Table(
    "orphan_member_tag",
    OrphanBase.metadata,
    Column("member_id", Integer, ForeignKey("orphan_member.id"), primary_key=True),
    Column("tag_id", Integer, ForeignKey("orphan_tag.id"), primary_key=True),
)


class Member(OrphanBase):
    __tablename__ = "orphan_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    card: Mapped[Optional[Card]] = relationship(  # noqa: UP045
        back_populates="member", cascade="all, delete-orphan", single_parent=True
    )
    badge_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orphan_badge.id"))  # noqa: UP045
    badge: Mapped[Optional[Badge]] = relationship(  # noqa: UP045
        cascade="all, delete-orphan", single_parent=True
    )
    tags: Mapped[list[Tag]] = relationship(
        secondary=member_tag, cascade="all, delete-orphan", single_parent=True, order_by="Tag.id"
    )


class Card(OrphanBase):
    __tablename__ = "orphan_card"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[Optional[int]] = mapped_column(ForeignKey("orphan_member.id"))  # noqa: UP045
    member: Mapped[Optional[Member]] = relationship(back_populates="card")  # noqa: UP045


class Badge(OrphanBase):
    __tablename__ = "orphan_badge"

    id: Mapped[int] = mapped_column(primary_key=True)


class Tag(OrphanBase):
    __tablename__ = "orphan_tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    word: Mapped[str] = mapped_column(String(20), default="")


@pytest.fixture
def odb(engine: Engine) -> Iterator[Engine]:
    """Crates 1 (apples 1, 2) and 2 (apple 3); jars 1, 2 on shelf 1 with label 1; members
    1 (card 1, badge 1, tags 1, 2) and 2 (nothing)."""
    OrphanBase.metadata.create_all(engine)
    with Session(engine) as session:
        session.add_all([Crate(id=1, apples=[Apple(id=1), Apple(id=2)])])
        session.add_all([Crate(id=2, apples=[Apple(id=3)])])
        shelf, label = Shelf(id=1), Label(id=1)
        session.add_all([Jar(id=1, shelf=shelf, label=label), Jar(id=2, shelf=shelf, label=label)])
        session.add(Pass(id=1, shelf=shelf, label=label))
        session.add(Member(id=1, card=Card(id=1), badge=Badge(id=1), tags=[Tag(id=1), Tag(id=2)]))
        session.add(Member(id=2))
        session.commit()
    yield engine


def _rows(engine: Engine, sql: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql))]


def _apples(engine: Engine) -> list[tuple[object, ...]]:
    return _rows(engine, "SELECT id, crate_id FROM orphan_apple ORDER BY id")


def _commit(session: Session) -> list[str]:
    """Commit; the verb and table of each write it sent."""
    with recorded_sql() as sql:
        session.commit()
    return [s for s in shape(sql) if s != "SELECT"]


# -- one-to-many -------------------------------------------------------------------------


def test_parent_none_when_the_parent_is_not_in_the_session_keeps_the_row(odb: Engine) -> None:
    """apple.crate = None, the crate never loaded: only the foreign key empties."""
    with Session(odb) as session:
        apple = session.get_one(Apple, 1)
        apple.crate = None
        assert _commit(session) == ["UPDATE orphan_apple"]
    assert _apples(odb) == [(1, None), (2, 1), (3, 2)]


def test_parent_none_when_the_parent_is_in_the_session_deletes(odb: Engine) -> None:
    """With the crate in the identity map (its apples not loaded) the removal reaches it."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)  # held: the weak identity map keeps it
        apple = session.get_one(Apple, 1)
        apple.crate = None
        assert "apples" not in vars(crate)
        assert _commit(session) == ["DELETE orphan_apple"]
    assert _apples(odb) == [(2, 1), (3, 2)]


def test_foreign_key_set_to_none_keeps_the_row(odb: Engine) -> None:
    """apple.crate_id = None is a column change, never an orphan."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)
        crate.apples[0].crate_id = None
        assert _commit(session) == ["UPDATE orphan_apple"]
    assert _apples(odb) == [(1, None), (2, 1), (3, 2)]


@pytest.mark.parametrize("crate_loaded", [False, True])
def test_apple_given_another_crate_moves(odb: Engine, crate_loaded: bool) -> None:
    """apple.crate = crate 2 moves it, whether crate 1 (and its apples) is in memory or not."""
    with Session(odb) as session:
        if crate_loaded:
            assert len(session.get_one(Crate, 1).apples) == 2
        apple = session.get_one(Apple, 1)
        apple.crate = session.get_one(Crate, 2)
        assert _commit(session) == ["UPDATE orphan_apple"]
    assert _apples(odb) == [(1, 2), (2, 1), (3, 2)]


def test_appended_to_another_crate_moves(odb: Engine) -> None:
    """crate2.apples.append(apple) with crate 1 in the session but its apples unloaded."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)
        apple = session.get_one(Apple, 1)
        other = session.get_one(Crate, 2)
        other.apples.append(apple)
        assert "apples" not in vars(crate)
        assert _commit(session) == ["UPDATE orphan_apple"]
    assert _apples(odb) == [(1, 2), (2, 1), (3, 2)]


@pytest.mark.parametrize("how", ["remove", "del", "pop", "reassign"])
def test_taken_out_of_the_collection_is_deleted(odb: Engine, how: str) -> None:
    """remove(), del [i], pop() and assigning a new list delete the apples taken out."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)
        if how == "remove":
            crate.apples.remove(session.get_one(Apple, 1))
        elif how == "del":
            del crate.apples[0]
        elif how == "pop":
            crate.apples.pop(0)
        else:
            crate.apples = [crate.apples[1]]
        assert _commit(session) == ["DELETE orphan_apple"]
    assert _apples(odb) == [(2, 1), (3, 2)]


def test_removed_and_put_back_is_left_alone(odb: Engine) -> None:
    """Removed then appended again, or set to None then back: no write at all."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)
        apple = crate.apples[0]
        crate.apples.remove(apple)
        crate.apples.append(apple)
        other = session.get_one(Apple, 2)
        other.crate = None
        other.crate = crate
        assert _commit(session) == []
    assert _apples(odb) == [(1, 1), (2, 1), (3, 2)]


def test_orphan_deleted_by_autoflush_cannot_join_another_crate(odb: Engine) -> None:
    """Loading crate 2's apples flushes the orphan's DELETE; appending it then is refused."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)
        apple = crate.apples[0]
        crate.apples.remove(apple)
        other = session.get_one(Crate, 2)
        with pytest.raises(exc.InvalidRequestError, match="was deleted"):
            other.apples.append(apple)
        session.rollback()
    assert _apples(odb) == [(1, 1), (2, 1), (3, 2)]


def test_new_apple_taken_out_again_is_never_inserted(odb: Engine) -> None:
    """A new apple appended and removed (or given a crate, then None) leaves the session."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)
        brief = Apple(id=21)
        crate.apples.append(brief)
        crate.apples.remove(brief)
        other = Apple(id=22, crate=crate)
        other.crate = None
        assert brief not in session and other not in session
        assert _commit(session) == []
    assert _apples(odb) == [(1, 1), (2, 1), (3, 2)]


def test_new_apple_orphaned_by_a_crate_outside_the_session_is_not_inserted(odb: Engine) -> None:
    """The apple is in the session, the crate it left is not: the flush expunges the apple."""
    with Session(odb) as session:
        apple = Apple(id=23)
        session.add(apple)
        crate = Crate(id=3)
        crate.apples.append(apple)
        crate.apples.remove(apple)
        assert apple in session
        assert _commit(session) == []
        assert apple not in session
    assert _apples(odb) == [(1, 1), (2, 1), (3, 2)]


def test_new_apple_never_given_a_crate_is_inserted(odb: Engine) -> None:
    """A pending apple that no crate ever held is inserted with no crate."""
    with Session(odb) as session:
        session.add(Apple(id=20))
        assert _commit(session) == ["INSERT orphan_apple"]
    assert _apples(odb) == [(1, 1), (2, 1), (3, 2), (20, None)]


def test_apple_removed_while_its_crate_was_detached_is_deleted_on_add(odb: Engine) -> None:
    """Adding the crate back brings the removed apple with it, and deletes it."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)
        removed = crate.apples[0]
        session.expunge(crate)
        crate.apples.remove(removed)
        session.add(crate)
        assert removed in session
        assert _commit(session) == ["DELETE orphan_apple"]
    assert _apples(odb) == [(2, 1), (3, 2)]


def test_removed_apple_outside_the_session_is_left_alone(odb: Engine) -> None:
    """An apple removed and then expunged is neither deleted nor unlinked, with a warning."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)
        apple = crate.apples[0]
        crate.apples.remove(apple)
        session.expunge(apple)
        with pytest.warns(exc.SAWarning, match="not in this session"):
            assert _commit(session) == []
    assert _apples(odb) == [(1, 1), (2, 1), (3, 2)]


def test_expired_after_rollback_the_removal_is_forgotten(odb: Engine) -> None:
    """A removal rolled back leaves the apple a member: a later change only updates it."""
    with Session(odb) as session:
        crate = session.get_one(Crate, 1)
        apple = session.get_one(Apple, 1)
        apple.crate = None
        session.rollback()
        apple.crate_id = 2
        assert crate is not None
        assert _commit(session) == ["UPDATE orphan_apple"]
    assert _apples(odb) == [(1, 2), (2, 1), (3, 2)]


# -- two delete-orphan parents -----------------------------------------------------------


def _jars(engine: Engine) -> list[tuple[object, ...]]:
    return _rows(engine, "SELECT id, shelf_id, label_id FROM orphan_jar ORDER BY id")


def test_leaving_one_of_two_parents_makes_an_orphan(odb: Engine) -> None:
    """A jar taken off its shelf is deleted though its label still holds it."""
    with Session(odb) as session:
        shelf = session.get_one(Shelf, 1)
        shelf.jars.remove(session.get_one(Jar, 1))
        assert _commit(session) == ["DELETE orphan_jar"]
    assert _jars(odb) == [(2, 1, 1)]


def test_one_parent_none_unseen_keeps_the_row(odb: Engine) -> None:
    """jar.shelf = None with the shelf not in the session: the foreign key empties."""
    with Session(odb) as session:
        session.get_one(Jar, 1).shelf = None
        assert _commit(session) == ["UPDATE orphan_jar"]
    assert _jars(odb) == [(1, None, 1), (2, 1, 1)]


def test_legacy_is_orphan_still_deletes_what_a_flushed_parent_removed(odb: Engine) -> None:
    """legacy_is_orphan: the pass taken from its shelf (in the session) is deleted too."""
    with Session(odb) as session:
        shelf = session.get_one(Shelf, 1)
        session.get_one(Pass, 1).shelf = None
        assert "passes" not in vars(shelf)
        assert _commit(session) == ["DELETE orphan_pass"]
    assert _rows(odb, "SELECT id FROM orphan_pass") == []


def test_new_jar_with_one_of_two_parents_is_inserted(odb: Engine) -> None:
    """A new jar given a shelf but no label is inserted (only a removal expunges)."""
    with Session(odb) as session:
        shelf = session.get_one(Shelf, 1)
        shelf.jars.append(Jar(id=5))
        assert _commit(session) == ["INSERT orphan_jar"]
    assert _jars(odb) == [(1, 1, 1), (2, 1, 1), (5, 1, None)]


# -- one-to-one, many-to-one, many-to-many with single_parent -----------------------------


def test_one_to_one_replaced_or_emptied_deletes_the_old_card(odb: Engine) -> None:
    """member.card = Card(2) inserts the new card and deletes the old one."""
    with Session(odb) as session:
        session.get_one(Member, 1).card = Card(id=2)
        assert _commit(session) == ["INSERT orphan_card", "DELETE orphan_card"]
    assert _rows(odb, "SELECT id, member_id FROM orphan_card") == [(2, 1)]


def test_one_to_one_child_side_none_unseen_keeps_the_row(odb: Engine) -> None:
    """card.member = None with the member not in the session: only the key empties."""
    with Session(odb) as session:
        session.get_one(Card, 1).member = None
        assert _commit(session) == ["UPDATE orphan_card"]
    assert _rows(odb, "SELECT id, member_id FROM orphan_card") == [(1, None)]


def test_single_parent_refuses_a_second_parent(odb: Engine) -> None:
    """A new card given to member 2 cannot also go to member 1; nothing is written."""
    with Session(odb) as session:
        card = Card(id=3)
        session.get_one(Member, 2).card = card
        member = session.get_one(Member, 1)
        with pytest.raises(exc.InvalidRequestError, match="single_parent=True"):
            member.card = card
        session.rollback()
    assert _rows(odb, "SELECT id, member_id FROM orphan_card") == [(1, 1)]


def test_many_to_one_delete_orphan_deletes_the_badge_let_go(odb: Engine) -> None:
    """member.badge = None (badge not loaded) unlinks it, then deletes it."""
    with Session(odb) as session:
        session.get_one(Member, 1).badge = None
        assert _commit(session) == ["UPDATE orphan_member", "DELETE orphan_badge"]
    assert _rows(odb, "SELECT id FROM orphan_badge") == []
    assert _rows(odb, "SELECT id, badge_id FROM orphan_member ORDER BY id") == [
        (1, None),
        (2, None),
    ]


def test_many_to_many_delete_orphan_deletes_the_row_and_the_tag(odb: Engine) -> None:
    """A tag removed from the member loses its association row, then its own row."""
    with Session(odb) as session:
        member = session.get_one(Member, 1)
        member.tags.remove(member.tags[0])
        assert _commit(session) == ["DELETE orphan_member_tag", "DELETE orphan_tag"]
    assert _rows(odb, "SELECT id FROM orphan_tag") == [(2,)]
    assert _rows(odb, "SELECT member_id, tag_id FROM orphan_member_tag") == [(1, 2)]
