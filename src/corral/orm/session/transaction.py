"""The Session's transaction: its lifecycle and what a rollback must undo."""

from __future__ import annotations

import enum
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.base import ObjectStatus
from corral.orm.mapping.instance_state import expire_objects, state_of

if TYPE_CHECKING:
    from corral.orm.session.session import Session


class TransactionStatus(enum.Enum):
    ACTIVE = "active"
    #: A flush failed: the database work was rolled back; rollback() must be called.
    FAILED = "failed"
    COMMITTED = "committed"
    ROLLED_BACK = "rolled back"

    __hash__ = object.__hash__  # members are singletons: hash in C, not by name


# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_ACTIVE = TransactionStatus.ACTIVE
_COMMITTED = TransactionStatus.COMMITTED
_PERSISTENT = ObjectStatus.PERSISTENT
_ROLLED_BACK = TransactionStatus.ROLLED_BACK


_TRANSITIONS = {
    TransactionStatus.ACTIVE: frozenset(
        {TransactionStatus.FAILED, TransactionStatus.COMMITTED, TransactionStatus.ROLLED_BACK}
    ),
    TransactionStatus.FAILED: frozenset({TransactionStatus.ROLLED_BACK}),
    TransactionStatus.COMMITTED: frozenset(),
    TransactionStatus.ROLLED_BACK: frozenset(),
}

_ROLLBACK_ALLOWED = frozenset({TransactionStatus.ACTIVE, TransactionStatus.FAILED})


class SessionTransaction:
    """One transaction (or SAVEPOINT when ``nested``) of a Session.

    It records the objects whose database rows changed inside it, so that a
    rollback can put the session back: rows inserted here are forgotten (their
    objects become transient again), rows deleted here come back as persistent
    objects, and objects changed here are expired.
    """

    def __init__(self, session: Session, parent: SessionTransaction | None = None) -> None:
        self.session = session
        self.parent = parent
        self.nested = parent is not None
        self.status = _ACTIVE
        self.database_transaction: Any = None
        #: False when the Session joined a Connection's transaction in "rollback_only" mode:
        #: its commit then leaves that transaction to its owner.
        self.commits_database = True
        #: The flush of the session's commit sent the COMMIT with its last statement.
        self.committed_by_flush = False
        self.inserted: dict[int, object] = {}
        self.deleted: dict[int, object] = {}
        self.touched: dict[int, object] = {}
        self.added: dict[int, object] = {}
        self.failure: BaseException | None = None
        #: Callbacks to run once the outermost transaction has committed.
        self.after_commit: list[Callable[[], object]] = []
        if session.dispatch.after_transaction_create:
            for listener in session.dispatch.after_transaction_create:
                listener(session, self)

    def __repr__(self) -> str:
        kind = "savepoint" if self.nested else "transaction"
        return f"<SessionTransaction {kind} {self.status.value}>"

    def move(self, status: TransactionStatus) -> None:
        if status not in _TRANSITIONS[self.status]:
            raise exc.InvalidRequestError(
                f"This {self!r} cannot become {status.value}; it is already {self.status.value}"
            )
        self.status = status

    @property
    def is_active(self) -> bool:
        return self.status is _ACTIVE

    def pending_rollback_error(self) -> exc.PendingRollbackError:
        """The error for work asked of a transaction whose flush failed."""
        failure = self.failure
        described = f"{type(failure).__name__}: {failure}" if failure is not None else "an error"
        if self.nested:
            what = (
                "This Session's SAVEPOINT (begin_nested()) was rolled back because a flush "
                "failed, and the session refuses further work until it is rolled back: call "
                "rollback() on the transaction begin_nested() returned to go on with the "
                "enclosing transaction (a `with session.begin_nested():` block does this "
                "itself), or session.rollback() to roll back all of it."
            )
        else:
            what = (
                "This Session's transaction was rolled back because a flush failed, and it "
                "refuses further work until session.rollback() is called."
            )
        return exc.PendingRollbackError(f"{what} The failure was:\n{described}")

    def fold_into_parent(self) -> None:
        """A released SAVEPOINT's changes now belong to the enclosing transaction."""
        assert self.parent is not None
        for mine, theirs in (
            (self.inserted, self.parent.inserted),
            (self.deleted, self.parent.deleted),
            (self.touched, self.parent.touched),
            (self.added, self.parent.added),
        ):
            theirs.update(mine)
        self.parent.after_commit.extend(self.after_commit)

    # -- context manager: ``with session.begin():`` / ``with session.begin_nested():`` --

    def commit(self) -> None:
        self.session._commit_transaction(self)

    def rollback(self) -> None:
        self.session._rollback_transaction(self)

    def __enter__(self) -> SessionTransaction:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self.status in (_COMMITTED, _ROLLED_BACK):
            return
        if exc_type is None and self.status is _ACTIVE:
            try:
                self.commit()
            except BaseException:
                # As in SQLAlchemy: a commit that fails at the end of the block (its flush
                # raised, say) rolls back this transaction only. For a SAVEPOINT that means
                # the enclosing transaction carries on, without what the block added.
                if self.status in _ROLLBACK_ALLOWED:  # not when the COMMIT itself went out
                    self.rollback()
                raise
        else:
            self.rollback()


def _announce_restored(
    session: Session,
    transaction: SessionTransaction,
    inserted: list[object],
    pending: list[object],
    restored: list[object],
) -> None:
    """The object-state events of a rollback, as SQLAlchemy fires them: objects never
    flushed, then those whose INSERT was rolled back, leave the session (nothing for one
    also deleted in it); deleted objects come back."""
    from corral.orm.session.events import fire_object

    flushed = {id(obj) for obj in inserted}
    seen: set[int] = set()
    for obj in pending:
        if id(obj) not in flushed and id(obj) not in seen:
            seen.add(id(obj))
            fire_object(session, "pending_to_transient", obj)
    for obj in inserted:
        if id(obj) not in transaction.deleted:
            fire_object(session, "persistent_to_transient", obj)
    for obj in restored:
        fire_object(session, "deleted_to_persistent", obj)


def restore_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    """What a rollback does to the objects: new ones leave, deleted ones return, the rest expire."""
    # As in SQLAlchemy, for a SAVEPOINT as for the whole transaction: objects
    # still pending are expunged, deletions marked but not flushed are
    # cancelled, and an object both inserted and deleted here never existed.
    inserted = list(transaction.inserted.values())
    pending = [*transaction.added.values(), *session._new.values()]
    for obj in [*inserted, *pending]:
        session._make_transient(obj)
    restored = []
    for obj in transaction.deleted.values():
        if id(obj) in transaction.inserted:
            continue
        state = state_of(obj)
        state.move(_PERSISTENT)
        if state.key is not None:
            session.identity_map.add(state.key, obj)
        restored.append(obj)
    session._deleted.clear()
    dispatch = session.dispatch
    if (
        dispatch.pending_to_transient
        or dispatch.persistent_to_transient
        or dispatch.deleted_to_persistent
    ):
        _announce_restored(session, transaction, inserted, pending, restored)
    if transaction.nested:
        # Only what changed inside the SAVEPOINT expires: objects flushed in it
        # and objects with changes not flushed yet (SQLAlchemy does the same).
        changed = [*transaction.touched.values(), *session._modified.values()]
        for obj in changed:
            state = state_of(obj)
            if state.status is _PERSISTENT:
                state.expire(obj)
            session._modified.pop(id(obj), None)
        return
    session._modified.clear()
    expire_objects(session.identity_map.values())
