"""The legacy bulk methods on every database: bulk_insert_mappings, bulk_update_mappings and
bulk_save_objects, batched into executemany as the flush batches, outside the identity map."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from corral import (
    DeclarativeBase,
    Engine,
    Identity,
    Integer,
    Mapped,
    Session,
    String,
    exc,
    inspect,
    mapped_column,
    select,
)
from tests.integration.orm_models import dml, recorded_sql


class BulkBase(DeclarativeBase):
    pass


class Client(BulkBase):
    __tablename__ = "bm_clients"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(String(30), default="none given")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    BulkBase.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def rows(session: Session) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in session.execute(select(Client.id, Client.name, Client.note))]


def inserts(statements: list[str]) -> list[str]:
    return [s for s in dml(statements) if s.startswith("INSERT")]


def test_bulk_insert_mappings_batches_rows_of_the_same_keys(session: Session) -> None:
    """Dicts with the same keys share one INSERT (executemany); a None value is left out so
    the column default applies; nothing enters the identity map."""
    with recorded_sql() as sql:
        session.bulk_insert_mappings(
            Client,
            [
                {"id": 1, "name": "a", "note": "x"},
                {"id": 2, "name": "b", "note": "y"},
                {"id": 3, "name": "c", "note": None},
            ],
        )
    assert len(inserts(sql)) == 2
    session.commit()
    assert sorted(rows(session)) == [(1, "a", "x"), (2, "b", "y"), (3, "c", "none given")]


def test_bulk_insert_mappings_render_nulls_sends_null(session: Session) -> None:
    """render_nulls=True sends NULL for a None value instead of leaving the column out."""
    session.bulk_insert_mappings(
        Client, [{"id": 1, "name": "a", "note": None}, {"id": 2, "name": "b", "note": "y"}],
        render_nulls=True,
    )  # fmt: skip
    session.commit()
    assert sorted(rows(session)) == [(1, "a", None), (2, "b", "y")]


def test_bulk_insert_mappings_return_defaults_fills_generated_keys(session: Session) -> None:
    """return_defaults=True writes each row's generated primary key back into its dict."""
    given: list[dict[str, Any]] = [{"name": "a"}, {"name": "b"}, {"name": "c"}]
    session.bulk_insert_mappings(Client, given, return_defaults=True)
    session.commit()
    by_name = {name: id_ for id_, name, _ in rows(session)}
    assert [g["id"] for g in given] == [by_name["a"], by_name["b"], by_name["c"]]


def test_bulk_update_mappings_updates_by_primary_key(session: Session) -> None:
    """Each dict's primary key picks its row; the other keys are SET; loaded objects are
    left as they were (as in SQLAlchemy)."""
    session.bulk_insert_mappings(Client, [{"id": i, "name": f"n{i}"} for i in (1, 2, 3)])
    session.commit()
    loaded = session.get(Client, 1)
    assert loaded is not None
    with recorded_sql() as sql:
        session.bulk_update_mappings(Client, [{"id": 1, "name": "x"}, {"id": 3, "name": "z"}])
    assert len([s for s in dml(sql) if s.startswith("UPDATE")]) == 1
    assert loaded.name == "n1"
    session.commit()
    assert sorted(rows(session)) == [(1, "x", "none given"), (2, "n2", "none given"),
                                     (3, "z", "none given")]  # fmt: skip


def test_bulk_save_objects_inserts_new_and_updates_loaded_objects(session: Session) -> None:
    """New objects are INSERTed in one batch, objects with an identity UPDATEd (changed
    columns only); none of them is added to the session."""
    session.add(Client(id=10, name="old"))
    session.commit()
    existing = session.get(Client, 10)
    assert existing is not None
    session.expunge(existing)
    existing.name = "renamed"
    new = [Client(id=20, name="p"), Client(id=21, name="q")]
    with recorded_sql() as sql:
        session.bulk_save_objects([*new, existing])
    statements = dml(sql)
    assert len(inserts(statements)) == 1
    updates = [s for s in statements if s.startswith("UPDATE")]
    assert len(updates) == 1 and "note" not in updates[0]
    assert all(obj not in session for obj in [*new, existing])
    assert inspect(new[0]).transient
    session.commit()
    assert sorted(rows(session)) == [(10, "renamed", "none given"), (20, "p", "none given"),
                                     (21, "q", "none given")]  # fmt: skip


def test_bulk_save_objects_return_defaults_gives_keys_and_identity(session: Session) -> None:
    """With return_defaults=True the objects get their generated keys and an identity
    (detached: no session)."""
    objects = [Client(name="a"), Client(name="b")]
    session.bulk_save_objects(objects, return_defaults=True)
    session.commit()
    assert all(isinstance(o.id, int) for o in objects)
    assert inspect(objects[0]).detached
    assert sorted(r[1] for r in rows(session)) == ["a", "b"]


def test_bulk_save_objects_without_preserve_order_groups_by_kind(session: Session) -> None:
    """preserve_order=False groups the INSERTs together even when UPDATEs interleave."""
    session.add_all([Client(id=1, name="a"), Client(id=2, name="b")])
    session.commit()
    one, two = session.get(Client, 1), session.get(Client, 2)
    assert one is not None and two is not None
    session.expunge_all()
    one.name, two.name = "A", "B"
    mixed = [Client(id=5, name="e"), one, Client(id=6, name="f"), two]
    with recorded_sql() as sql:
        session.bulk_save_objects(mixed, preserve_order=False)
    assert len(inserts(sql)) == 1
    with recorded_sql() as sql:
        session.rollback()
        session.bulk_save_objects(
            [Client(id=7, name="g"), one, Client(id=8, name="h")], preserve_order=True
        )
    assert len(inserts(sql)) == 2


def test_bulk_insert_mappings_refuses_a_non_mapping(session: Session) -> None:
    """An item that is not a dict raises, naming its position."""
    with pytest.raises(exc.ArgumentError, match="item 1"):
        session.bulk_insert_mappings(Client, [{"id": 1, "name": "a"}, ("x",)])  # type: ignore[list-item]


def test_bulk_insert_mappings_refuses_an_unmapped_class(session: Session) -> None:
    """The first argument must be a mapped class or a Mapper."""
    with pytest.raises(exc.ArgumentError, match="mapped class"):
        session.bulk_insert_mappings(dict, [{"id": 1}])
