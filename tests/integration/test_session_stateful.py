"""A hypothesis state machine drives one Session against a plain-Python model of it.

Random adds, attribute changes, deletes, flushes, commits, rollbacks, savepoints
(released or rolled back), ``get`` and attribute reads run on one Session. After
every step the machine checks that

- the rows another connection sees are the model's committed rows,
- the rows the session's own transaction sees are the model's flushed rows,
- every object's status, membership (identity map, ``new``, ``deleted``,
  ``dirty``) and loaded attribute values are the model's.

The model follows SQLAlchemy 2.0: a commit expires every persistent object; a
rollback expunges pending and newly inserted objects, restores deleted ones and
expires every persistent one; a SAVEPOINT rollback undoes only what was flushed
inside it, cancels deletions marked since, and expires only the objects changed
inside it (flushed or not).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from corral import (
    DeclarativeBase,
    Engine,
    Integer,
    Mapped,
    ObjectStatus,
    Session,
    SessionTransaction,
    String,
    delete,
    exc,
    inspect,
    mapped_column,
    select,
    update,
)


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "stateful_items"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(20))
    value: Mapped[int] = mapped_column(Integer, default=0)


COLUMNS = ("id", "name", "value")
Row = tuple[str, int]
NAMES = st.sampled_from(["a", "b", "c"])
VALUES = st.integers(min_value=0, max_value=2)
PICK = st.integers(min_value=0, max_value=10_000)
MAX_SAVEPOINTS = 3


class Status(enum.Enum):
    TRANSIENT = ObjectStatus.TRANSIENT
    PENDING = ObjectStatus.PENDING
    PERSISTENT = ObjectStatus.PERSISTENT
    DELETED = ObjectStatus.DELETED
    DETACHED = ObjectStatus.DETACHED


@dataclass
class Expected:
    """What the model says about one object."""

    obj: Item
    id: int
    status: Status
    #: Attribute values loaded in the object (missing keys are expired or unset).
    values: dict[str, Any]
    #: Attributes set since the last flush (or load) while persistent.
    changed: set[str] = field(default_factory=set)
    #: session.delete() was called and not flushed yet.
    marked: bool = False
    #: Made with the key of an existing row: never added again.
    duplicate: bool = False


@dataclass
class Savepoint:
    """A SAVEPOINT: the flushed rows when it began and the objects changed inside it."""

    rows: dict[int, Row]
    inserted: set[int] = field(default_factory=set)
    deleted: set[int] = field(default_factory=set)
    touched: set[int] = field(default_factory=set)


def _row(values: dict[str, Any]) -> Row:
    return (values["name"], values["value"])


class SessionMachine(RuleBasedStateMachine):
    """One Session and its model; subclassed per test with the engine to use."""

    engine: Engine
    expire_on_commit: bool = True

    def __init__(self) -> None:
        super().__init__()
        with self.engine.connect() as connection:
            connection.execute(delete(Item.__table__))
            connection.commit()
        self.session = Session(self.engine, expire_on_commit=self.expire_on_commit)
        self.objects: list[Expected] = []
        self.committed: dict[int, Row] = {}
        self.flushed: dict[int, Row] = {}
        self.savepoints: list[tuple[SessionTransaction, Savepoint]] = []
        self.ids = itertools.count(1)

    def teardown(self) -> None:
        self.session.close()

    # -- choosing objects -------------------------------------------------------------

    def _with(self, *statuses: Status, marked: bool | None = None) -> list[Expected]:
        return [
            e
            for e in self.objects
            if e.status in statuses and (marked is None or e.marked is marked)
        ]

    @staticmethod
    def _pick(candidates: list[Expected], index: int) -> Expected:
        return candidates[index % len(candidates)]

    # -- the model's flush --------------------------------------------------------------

    def _model_flush(self) -> None:
        """What a flush does to the rows and the objects."""
        inside = self.savepoints[-1][1] if self.savepoints else Savepoint({})
        for e in self.objects:
            if e.status is Status.PENDING:
                e.values.setdefault("value", 0)
                self.flushed[e.id] = _row(e.values)
                e.status = Status.PERSISTENT
                e.changed = set()
                inside.inserted.add(e.id)
            elif e.status is Status.PERSISTENT and e.marked:
                del self.flushed[e.id]
                e.status = Status.DELETED
                e.marked = False  # unflushed changes stay: the row went, they were never written
                inside.deleted.add(e.id)
            elif e.status is Status.PERSISTENT and e.changed:
                name, value = self.flushed[e.id]
                row = {"name": name, "value": value}
                row.update({k: e.values[k] for k in e.changed})
                self.flushed[e.id] = _row(row)
                inside.touched.add(e.id)
                e.changed = set()

    def _fill_from_row(self, e: Expected) -> None:
        """An unloaded attribute was read: the whole row loads, unflushed changes kept."""
        name, value = self.flushed[e.id]
        e.values = {"id": e.id, "name": name, "value": value, **e.values}

    # -- rules ----------------------------------------------------------------------------

    @rule(name=NAMES, value=st.one_of(st.none(), VALUES))
    def add_new(self, name: str, value: int | None) -> None:
        """add() a new object (without a value, the column default fills it at flush)."""
        ident = next(self.ids)
        obj = Item(id=ident, name=name) if value is None else Item(id=ident, name=name, value=value)
        self.session.add(obj)
        values: dict[str, Any] = {"id": ident, "name": name}
        if value is not None:
            values["value"] = value
        self.objects.append(Expected(obj, ident, Status.PENDING, values))

    def _addable(self) -> list[Expected]:
        """Transient objects that still hold their key and name (one expired before it
        became transient has neither: its INSERT would get a new key or fail NOT NULL)."""
        return [
            e
            for e in self._with(Status.TRANSIENT)
            if {"id", "name"} <= e.values.keys() and not e.duplicate
        ]

    @precondition(lambda self: self._addable())
    @rule(index=PICK)
    def add_again(self, index: int) -> None:
        """add() an object a rollback made transient again."""
        e = self._pick(self._addable(), index)
        self.session.add(e.obj)
        e.status = Status.PENDING

    @precondition(lambda self: self._with(Status.PENDING, Status.PERSISTENT))
    @rule(index=PICK, attribute=st.sampled_from(["name", "value"]), data=st.data())
    def change(self, index: int, attribute: str, data: st.DataObject) -> None:
        """Set an attribute of a pending or persistent object."""
        e = self._pick(self._with(Status.PENDING, Status.PERSISTENT), index)
        new = data.draw(NAMES if attribute == "name" else VALUES)
        setattr(e.obj, attribute, new)
        e.values[attribute] = new
        if e.status is Status.PERSISTENT:
            e.changed.add(attribute)

    @precondition(lambda self: self._with(Status.PERSISTENT, marked=False))
    @rule(index=PICK)
    def delete(self, index: int) -> None:
        """Mark a persistent object for deletion."""
        e = self._pick(self._with(Status.PERSISTENT, marked=False), index)
        self.session.delete(e.obj)
        e.marked = True

    @rule()
    def flush(self) -> None:
        """flush() writes pending, changed and deleted objects."""
        self.session.flush()
        self._model_flush()

    @rule()
    def commit(self) -> None:
        """commit() flushes, commits every level, and expires every persistent object."""
        self.session.commit()
        self._model_flush()
        self.committed = dict(self.flushed)
        self.savepoints.clear()
        for e in self.objects:
            if e.status is Status.DELETED:
                e.status = Status.DETACHED
            elif e.status is Status.PERSISTENT and self.expire_on_commit:
                e.values = {}

    @precondition(lambda self: self.flushed)
    @rule(index=PICK)
    def flush_fails(self, index: int) -> None:
        """A flush that breaks a unique key fails; the session refuses work until rollback()."""
        ident = sorted(self.flushed)[index % len(self.flushed)]
        duplicate = Item(id=ident, name="dup")
        self.session.add(duplicate)
        self.objects.append(
            Expected(duplicate, ident, Status.PENDING, {"id": ident, "name": "dup"}, duplicate=True)
        )
        with pytest.raises(exc.IntegrityError):
            self.session.flush()
        for e in self._with(Status.PENDING):  # planning put the column defaults in
            e.values.setdefault("value", 0)
        assert not self.session.is_active
        with pytest.raises(exc.PendingRollbackError, match="IntegrityError"):
            self.session.execute(select(Item))
        self.rollback()

    @rule()
    def rollback(self) -> None:
        """rollback() undoes the whole transaction."""
        if not self.session.in_transaction():
            # No transaction: nothing reached the database, and rollback() is a no-op.
            assert self.flushed == self.committed
            self.session.rollback()
            return
        self.session.rollback()
        self._model_rollback()

    def _model_rollback(self) -> None:
        while self.savepoints:  # innermost first, as SQLAlchemy unwinds them
            self._model_rollback_savepoint()
        self.flushed = dict(self.committed)
        for e in self.objects:
            inserted_here = e.id not in self.committed
            if e.status is Status.PENDING or (
                inserted_here and e.status in (Status.PERSISTENT, Status.DELETED)
            ):
                e.status = Status.TRANSIENT
                e.marked = False
                e.changed = set()
            elif e.status in (Status.PERSISTENT, Status.DELETED):
                e.status = Status.PERSISTENT
                e.values = {}
                e.marked = False
                e.changed = set()

    @precondition(lambda self: len(self.savepoints) < MAX_SAVEPOINTS)
    @rule()
    def begin_nested(self) -> None:
        """begin_nested() flushes, then opens a SAVEPOINT."""
        nested = self.session.begin_nested()
        self._model_flush()
        self.savepoints.append((nested, Savepoint(dict(self.flushed))))

    @precondition(lambda self: self.savepoints)
    @rule()
    def release_savepoint(self) -> None:
        """Committing a SAVEPOINT flushes and hands its work to the enclosing transaction."""
        nested, savepoint = self.savepoints[-1]
        nested.commit()
        self._model_flush()
        self.savepoints.pop()
        if self.savepoints:
            outer = self.savepoints[-1][1]
            outer.inserted |= savepoint.inserted
            outer.deleted |= savepoint.deleted
            outer.touched |= savepoint.touched

    @precondition(lambda self: self.savepoints)
    @rule()
    def rollback_savepoint(self) -> None:
        """Rolling back a SAVEPOINT undoes only what was flushed inside it."""
        self.savepoints[-1][0].rollback()
        self._model_rollback_savepoint()

    def _model_rollback_savepoint(self) -> None:
        _, savepoint = self.savepoints.pop()
        self.flushed = dict(savepoint.rows)
        for e in self.objects:
            if e.status is Status.PENDING or (
                e.id in savepoint.inserted and e.status in (Status.PERSISTENT, Status.DELETED)
            ):
                e.status = Status.TRANSIENT
                e.marked = False
                e.changed = set()
                continue
            if e.status is Status.DELETED and e.id in savepoint.deleted:
                e.status = Status.PERSISTENT  # deleted inside: restored, values kept
            if e.status is Status.PERSISTENT:
                if e.changed or e.id in savepoint.touched:
                    e.values = {}
                e.marked = False
                e.changed = set()

    @rule()
    def expire_all(self) -> None:
        """expire_all() drops every persistent object's values and unflushed changes."""
        self.session.expire_all()
        for e in self._with(Status.PERSISTENT):
            e.values = {}
            e.changed = set()

    def _expungeable(self) -> list[Expected]:
        """Pending objects, and persistent ones whose row is committed (expunging an
        object whose INSERT is still open is left out of the model)."""
        return [
            e
            for e in self._with(Status.PENDING, Status.PERSISTENT)
            if e.status is Status.PENDING or e.id in self.committed
        ]

    @precondition(lambda self: self._expungeable())
    @rule(index=PICK)
    def expunge(self, index: int) -> None:
        """expunge() makes a pending object transient and a persistent one detached."""
        e = self._pick(self._expungeable(), index)
        self.session.expunge(e.obj)
        e.status = Status.TRANSIENT if e.status is Status.PENDING else Status.DETACHED
        e.marked = False

    def _persistent_for(self, ident: int) -> Expected | None:
        """The persistent object the model holds for a row, if any."""
        for e in self._with(Status.PERSISTENT):
            if e.id == ident:
                return e
        return None

    def _attachable(self) -> list[Expected]:
        return [
            e
            for e in self._with(Status.DETACHED)
            if e.id in self.flushed and self._persistent_for(e.id) is None
        ]

    @precondition(lambda self: self._attachable())
    @rule(index=PICK)
    def add_detached(self, index: int) -> None:
        """add() a detached object whose row exists: persistent again, changes kept."""
        e = self._pick(self._attachable(), index)
        self.session.add(e.obj)
        e.status = Status.PERSISTENT

    @rule()
    def close(self) -> None:
        """close() rolls back and detaches everything, expiring nothing."""
        self.session.close()
        self.savepoints.clear()
        self.flushed = dict(self.committed)
        for e in self.objects:
            inserted_here = e.id not in self.committed
            if e.status is Status.PENDING or (
                inserted_here and e.status in (Status.PERSISTENT, Status.DELETED)
            ):
                e.status = Status.TRANSIENT  # its INSERT was rolled back
                e.changed = set()
            elif e.status in (Status.PERSISTENT, Status.DELETED):
                e.status = Status.DETACHED
            e.marked = False

    @precondition(lambda self: self.objects)
    @rule(index=PICK)
    def get(self, index: int) -> None:
        """get() answers from the identity map, else loads the row (no autoflush here)."""
        ident = self._pick(self.objects, index).id
        with self.session.no_autoflush:
            found = self.session.get(Item, ident)
        self._check_loaded(ident, found)

    def _check_loaded(self, ident: int, found: Item | None) -> None:
        """``found`` was loaded for row ``ident``: the map's object, or a new persistent one."""
        e = self._persistent_for(ident)
        if e is not None:
            assert found is e.obj
            self._fill_from_row(e)
        elif ident in self.flushed:
            assert found is not None
            assert all(found is not known.obj for known in self.objects)
            name, value = self.flushed[ident]
            values = {"id": ident, "name": name, "value": value}
            self.objects.append(Expected(found, ident, Status.PERSISTENT, values))
        else:
            assert found is None

    @precondition(lambda self: self.objects)
    @rule(index=PICK, attribute=st.sampled_from(COLUMNS))
    def read(self, index: int, attribute: str) -> None:
        """Reading an attribute returns the model's value, loading it when persistent."""
        e = self._pick(self.objects, index)
        if attribute in e.values:
            assert getattr(e.obj, attribute) == e.values[attribute]
        elif e.status in (Status.TRANSIENT, Status.PENDING):
            assert getattr(e.obj, attribute) is None
        elif e.status is Status.DETACHED:
            with pytest.raises(exc.DetachedInstanceError):
                getattr(e.obj, attribute)
        elif e.status is Status.PERSISTENT:
            self._fill_from_row(e)
            assert getattr(e.obj, attribute) == e.values[attribute]

    @rule()
    def query(self) -> None:
        """An ORM select autoflushes and returns the identity map's objects, in key order."""
        found = self.session.scalars(select(Item).order_by(Item.id)).all()
        self._model_flush()
        assert [o.id for o in found] == sorted(self.flushed)
        for obj in found:
            self._check_loaded(obj.id, obj)

    # -- invariants -------------------------------------------------------------------

    @invariant()
    def database_matches(self) -> None:
        """Another connection sees the committed rows; the session's own, the flushed ones."""
        query = select(Item.id, Item.name, Item.value)
        with self.engine.connect() as other:
            outside = {r[0]: (r[1], r[2]) for r in other.execute(query)}
            other.rollback()
        assert outside == self.committed
        if self.session.in_transaction():
            inside = {r[0]: (r[1], r[2]) for r in self.session.connection().execute(query)}
            assert inside == self.flushed
        else:
            assert self.flushed == self.committed

    @invariant()
    def session_matches(self) -> None:
        """Status, membership and loaded values of every object are the model's."""
        session = self.session
        in_map = {id(o) for o in session.identity_map.values()}
        assert in_map == {id(e.obj) for e in self._with(Status.PERSISTENT)}
        assert {id(o) for o in session.new} == {id(e.obj) for e in self._with(Status.PENDING)}
        assert {id(o) for o in session.deleted} == {
            id(e.obj) for e in self._with(Status.PERSISTENT, marked=True)
        }
        assert {id(o) for o in session.dirty} == {
            id(e.obj) for e in self._with(Status.PERSISTENT, marked=False) if e.changed
        }
        for e in self.objects:
            state = inspect(e.obj)
            assert state.status is e.status.value, (e.id, state.status, e.status)
            in_session = e.status in (Status.PENDING, Status.PERSISTENT, Status.DELETED)
            assert (state.session is session) is in_session, (e.id, e.status)
            if e.status in (Status.PERSISTENT, Status.DELETED, Status.DETACHED):
                assert state.identity_key == (Item, (e.id,), None)
            loaded = {k: e.obj.__dict__[k] for k in COLUMNS if k in e.obj.__dict__}
            assert loaded == e.values, (e.id, e.status)


# Modest and deterministic, so that the three databases take seconds, not minutes.
STATEFUL_SETTINGS = settings(
    max_examples=80,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize("expire_on_commit", [True, False], ids=["expire", "keep"])
def test_session_agrees_with_model(engine: Engine, expire_on_commit: bool) -> None:
    """After every random step, the database and the session agree with the model."""
    Base.metadata.create_all(engine)

    class Machine(SessionMachine):
        pass

    Machine.engine = engine
    Machine.expire_on_commit = expire_on_commit
    run_state_machine_as_test(Machine, settings=STATEFUL_SETTINGS)


# -- the bugs the machine found, one test each ---------------------------------------------


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        yield session


def test_rollback_of_insert_and_delete_leaves_object_transient(session: Session) -> None:
    """An object inserted and deleted in a rolled-back transaction is transient again."""
    item = Item(id=1, name="a")
    session.add(item)
    session.flush()
    session.delete(item)
    session.flush()
    session.rollback()
    assert inspect(item).status is ObjectStatus.TRANSIENT
    assert inspect(item).session is None
    assert item not in session


def test_savepoint_rollback_cancels_unflushed_delete(session: Session) -> None:
    """A deletion marked inside a rolled-back SAVEPOINT is cancelled."""
    item = Item(id=1, name="a")
    session.add(item)
    nested = session.begin_nested()
    session.delete(item)
    nested.rollback()
    assert session.deleted == []
    session.commit()
    assert session.get(Item, 1) is item


def test_savepoint_rollback_expires_unflushed_changes(session: Session) -> None:
    """Changes not flushed when a SAVEPOINT rolls back are discarded, as in SQLAlchemy."""
    item = Item(id=1, name="a")
    session.add(item)
    nested = session.begin_nested()
    item.name = "b"
    nested.rollback()
    assert session.dirty == []
    assert "name" not in item.__dict__
    assert item.name == "a"


def test_savepoint_rollback_expires_objects_flushed_unchanged(session: Session) -> None:
    """An object flushed inside a SAVEPOINT expires on its rollback even if no column differed."""
    item = Item(id=1, name="a")
    session.add(item)
    nested = session.begin_nested()
    item.name = "a"
    session.flush()
    nested.rollback()
    assert inspect(item).unloaded == {"id", "name", "value"}


def test_close_detaches_objects_whose_delete_was_flushed(session: Session) -> None:
    """close() detaches an object whose DELETE it rolled back; it no longer names the session."""
    item = Item(id=1, name="a")
    session.add(item)
    session.commit()
    session.delete(item)
    session.flush()
    session.close()
    assert inspect(item).status is ObjectStatus.DETACHED
    assert inspect(item).session is None


def test_rollback_keeps_object_loaded_for_same_row(session: Session) -> None:
    """Rolling back an expunged INSERT does not evict the object later loaded for that row."""
    inserted = Item(id=1, name="a")
    session.add(inserted)
    session.flush()
    session.expunge(inserted)
    loaded = session.get(Item, 1)
    assert loaded is not None and loaded is not inserted
    session.rollback()
    assert inspect(inserted).status is ObjectStatus.TRANSIENT
    assert inspect(loaded).status is ObjectStatus.PERSISTENT
    assert session.identity_map.get((Item, (1,))) is loaded


def test_populate_existing_clears_dirty(session: Session) -> None:
    """populate_existing overwrites unflushed changes, so the object is no longer dirty."""
    item = Item(id=1, name="a")
    session.add(item)
    session.commit()
    item.name = "changed"
    assert session.dirty == [item]
    with session.no_autoflush:
        session.execute(select(Item), execution_options={"populate_existing": True}).all()
    assert item.name == "a"
    assert session.dirty == []


@pytest.mark.parametrize("change", ["update", "delete"])
def test_versioned_object_expired_by_commit_flushes(engine: Engine, change: str) -> None:
    """A versioned object whose version expired at commit is updated or deleted, not stale."""
    from tests.integration.orm_models import Counter, create_schema

    create_schema(engine)
    with Session(engine) as session:
        counter = Counter(id=1)
        session.add(counter)
        session.commit()
        if change == "update":
            counter.value = 5
        else:
            session.delete(counter)
        session.commit()
        rows = session.execute(select(Counter.value, Counter.version)).all()
    assert [tuple(r) for r in rows] == ([(5, 2)] if change == "update" else [])


def test_expire_refuses_pending_object(session: Session) -> None:
    """expire() of a pending object is refused instead of dropping the values to insert."""
    item = Item(id=1, name="a")
    session.add(item)
    with pytest.raises(exc.InvalidRequestError, match="pending, not persistent"):
        session.expire(item)
    assert item.name == "a"
    session.commit()
    assert session.get(Item, 1) is item


def test_savepoint_rollback_expires_objects_of_bulk_update(session: Session) -> None:
    """Objects a bulk UPDATE synchronized inside a rolled-back SAVEPOINT are expired."""
    item = Item(id=1, name="a")
    session.add(item)
    session.commit()
    assert item.name == "a"
    nested = session.begin_nested()
    session.execute(
        update(Item).where(Item.id == 1).values(name="b"),
        execution_options={"synchronize_session": "evaluate"},
    )
    assert item.name == "b"
    nested.rollback()
    assert "name" not in item.__dict__
    assert item.name == "a"
