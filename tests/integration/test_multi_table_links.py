"""Relationships of a class mapped against a join through columns mapped under other
names (``Pair.address_id`` is ``mtl_address.id``, ``Pair.tag_ref`` is ``mtl_address.tag_id``),
on SQLite, PostgreSQL and MariaDB: a flush copies the address's key, not the user's; lazy,
selectin and joined loads and SQL comparisons use the address's columns.

Each test first stores a user of its own, so the pair's user id and address id differ and
taking one for the other shows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import Engine, select, text
from corral.orm import Session, joinedload, selectinload, with_parent
from tests.integration.multi_table_link_models import LinkBase, Note, Pair, Tag
from tests.integration.orm_models import dml, recorded_sql
from tests.integration.relationship_models import rows, shape


@pytest.fixture
def ldb(engine: Engine) -> Iterator[Engine]:
    """An engine whose database holds the link models' tables and a lone user."""
    LinkBase.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO mtl_user (name) VALUES ('zed')"))
    yield engine


def _stored(engine: Engine) -> tuple[Any, Any]:
    """A pair with a tag and a note, committed: (user id, address id), which differ."""
    with Session(engine) as session:
        pair = Pair(name="ann", email="a@x", tag=Tag(label="t"), notes=[Note()])
        session.add(pair)
        session.commit()
        keys = (pair.id, pair.address_id)
    assert keys[0] != keys[1]
    return keys


def test_many_to_one_to_the_join_copies_the_address_key(ldb: Engine) -> None:
    """Note(pair=p): INSERT mtl_note with addr_id = p.address_id, not p.id."""
    with Session(ldb) as session:
        pair = Pair(name="ann", email="a@x")
        session.add(pair)
        session.flush()
        note = Note(pair=pair)
        session.add(note)
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["INSERT mtl_note"]
        assert note.addr_id == pair.address_id != pair.id
        session.commit()
        address_id = pair.address_id
    assert rows(ldb, "SELECT addr_id FROM mtl_note") == [(address_id,)]


def test_one_to_many_from_the_join_copies_and_clears_the_address_key(ldb: Engine) -> None:
    """p.notes.append(n): n.addr_id = p.address_id; removing it UPDATEs addr_id to NULL."""
    with Session(ldb) as session:
        pair = Pair(name="ann", email="a@x")
        note = Note()
        pair.notes.append(note)
        session.add(pair)
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["INSERT mtl_user", "INSERT mtl_address", "INSERT mtl_note"]
        assert note.addr_id == pair.address_id != pair.id
        session.commit()
        address_id = pair.address_id
        assert rows(ldb, "SELECT addr_id FROM mtl_note") == [(address_id,)]
        pair.notes.remove(note)
        with recorded_sql() as sql:
            session.commit()
        assert shape(sql) == ["UPDATE mtl_note"]
    assert rows(ldb, "SELECT addr_id FROM mtl_note") == [(None,)]


def test_many_to_one_from_the_join_writes_its_renamed_foreign_key(ldb: Engine) -> None:
    """p.tag = t: INSERT mtl_tag, then UPDATE mtl_address SET tag_id (Pair.tag_ref)."""
    with Session(ldb) as session:
        pair = Pair(name="ann", email="a@x")
        session.add(pair)
        session.commit()
        tag = Tag(label="t")
        pair.tag = tag
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["INSERT mtl_tag", "UPDATE mtl_address"]
        assert pair.tag_ref == tag.id
        session.commit()
        keys = (pair.address_id, tag.id)
    assert rows(ldb, "SELECT id, tag_id FROM mtl_address") == [keys]


def test_one_to_many_to_the_join_writes_the_members_renamed_foreign_key(ldb: Engine) -> None:
    """t.members.append(p): UPDATE mtl_address SET tag_id; removing it sets NULL."""
    with Session(ldb) as session:
        pair = Pair(name="ann", email="a@x")
        tag = Tag(label="t")
        session.add_all([pair, tag])
        session.commit()
        tag.members.append(pair)
        with recorded_sql() as sql:
            session.flush()
        assert shape(sql) == ["UPDATE mtl_address"]
        assert pair.tag_ref == tag.id
        session.commit()
        assert rows(ldb, "SELECT tag_id FROM mtl_address") == [(tag.id,)]
        tag.members.remove(pair)
        session.commit()
    assert rows(ldb, "SELECT tag_id FROM mtl_address") == [(None,)]


def test_lazy_loads_use_the_address_columns(ldb: Engine) -> None:
    """note.pair, pair.notes, pair.tag and tag.members load lazily through mtl_address."""
    _stored(ldb)
    with Session(ldb) as session:
        note = session.scalars(select(Note)).one()
        with recorded_sql() as sql:
            pair = note.pair
        assert "WHERE mtl_address.id = " in dml(sql)[0]
        assert (pair.name, pair.address_id) == ("ann", note.addr_id)
        with recorded_sql() as sql:
            assert pair.notes == [note]
        assert "WHERE mtl_note.addr_id = " in dml(sql)[0]
        assert pair.tag is not None and pair.tag.label == "t"
        with recorded_sql() as sql:
            assert pair.tag.members == [pair]
        assert "WHERE mtl_address.tag_id = " in dml(sql)[0]


def test_selectinload_matches_by_the_address_columns(ldb: Engine) -> None:
    """selectinload both ways: the IN lists hold address ids and tag ids."""
    user_id, address_id = _stored(ldb)
    with Session(ldb) as session:
        with recorded_sql() as sql:
            (note,) = session.scalars(select(Note).options(selectinload(Note.pair))).all()
        assert "WHERE mtl_address.id IN " in dml(sql)[1]
        assert note.__dict__["pair"].address_id == address_id
    with Session(ldb) as session:
        (pair,) = session.scalars(
            select(Pair).options(selectinload(Pair.notes), selectinload(Pair.tag))
        ).all()
        assert [n.addr_id for n in pair.__dict__["notes"]] == [address_id]
        assert pair.__dict__["tag"].label == "t"
    with Session(ldb) as session:
        (tag,) = session.scalars(select(Tag).options(selectinload(Tag.members))).all()
        assert [(p.id, p.address_id) for p in tag.__dict__["members"]] == [(user_id, address_id)]


def test_joinedload_joins_on_the_address_columns(ldb: Engine) -> None:
    """joinedload both ways: ON the aliased address's id / tag_id, ORDER BY it too."""
    user_id, address_id = _stored(ldb)
    with Session(ldb) as session:
        with recorded_sql() as sql:
            (note,) = session.scalars(select(Note).options(joinedload(Note.pair))).all()
        assert "ON mtl_address_1.id = mtl_note.addr_id" in dml(sql)[0]
        assert note.__dict__["pair"].address_id == address_id
    with Session(ldb) as session:
        (pair,) = (
            session.scalars(select(Pair).options(joinedload(Pair.notes), joinedload(Pair.tag)))
            .unique()
            .all()
        )
        assert [n.addr_id for n in pair.__dict__["notes"]] == [address_id]
        assert pair.__dict__["tag"].label == "t"
    with Session(ldb) as session:
        with recorded_sql() as sql:
            (tag,) = session.scalars(select(Tag).options(joinedload(Tag.members))).unique().all()
        assert "ON mtl_tag.id = mtl_address_1.tag_id" in dml(sql)[0]
        assert "ORDER BY mtl_address_1.id" in dml(sql)[0]
        assert [(p.id, p.address_id) for p in tag.__dict__["members"]] == [(user_id, address_id)]


def test_sql_comparisons_use_the_address_columns(ldb: Engine) -> None:
    """join(Note.pair), Note.pair == p, Tag.members.any(), with_parent() name mtl_address.id
    and mtl_address.tag_id, and find the stored rows."""
    _stored(ldb)
    with Session(ldb) as session:
        pair = session.scalars(select(Pair)).one()
        joined = select(Note.id).join(Note.pair).where(Pair.name == "ann")
        assert "ON mtl_address.id = mtl_note.addr_id" in str(joined)
        assert session.scalars(joined).all() == [1]
        assert session.scalars(select(Note.id).where(Note.pair == pair)).all() == [1]
        tags = select(Tag.label).where(Tag.members.any(Pair.name == "ann"))
        assert "mtl_tag.id = mtl_address.tag_id" in str(tags)
        assert session.scalars(tags).all() == ["t"]
        assert session.scalars(select(Note.id).where(with_parent(pair, Pair.notes))).all() == [1]
