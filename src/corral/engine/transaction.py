"""Transactions and savepoints of one ``Connection``.

A ``Transaction`` is a handle on the connection's root transaction or on one
SAVEPOINT (``NestedTransaction``). Its lifecycle is an Enum with declared
transitions; the handle decides what to do and asks its connection to emit
the SQL, so the bookkeeping itself does no I/O.
"""

from __future__ import annotations

import enum
from types import TracebackType
from typing import TYPE_CHECKING

from corral import exc

if TYPE_CHECKING:
    from corral.engine.base import Connection


class TransactionState(enum.Enum):
    """Where a transaction is in its life."""

    ACTIVE = "active"
    #: Its connection was lost or an enclosing savepoint rolled back: only rollback() is left.
    DEACTIVATED = "deactivated"
    COMMITTED = "committed"
    ROLLED_BACK = "rolled back"

    __hash__ = object.__hash__  # members are singletons: hash in C, not by name


# Enum members the functions below read, as module globals: on Python 3.11 reading
# ``Enum.MEMBER`` runs EnumType.__getattr__'s slow hook (about 1,000 instructions),
# reading a global is a cached dict hit.
_ACTIVE = TransactionState.ACTIVE
_COMMITTED = TransactionState.COMMITTED
_DEACTIVATED = TransactionState.DEACTIVATED
_ROLLED_BACK = TransactionState.ROLLED_BACK


_TRANSITIONS: dict[TransactionState, frozenset[TransactionState]] = {
    TransactionState.ACTIVE: frozenset(
        {
            TransactionState.DEACTIVATED,
            TransactionState.COMMITTED,
            TransactionState.ROLLED_BACK,
        }
    ),
    TransactionState.DEACTIVATED: frozenset({TransactionState.ROLLED_BACK}),
    TransactionState.COMMITTED: frozenset(),
    TransactionState.ROLLED_BACK: frozenset(),
}


class Transaction:
    """The root transaction of a connection: BEGIN ... COMMIT or ROLLBACK."""

    __slots__ = ("connection", "state")

    is_nested = False

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.state = _ACTIVE

    def _move(self, new: TransactionState) -> None:
        if new not in _TRANSITIONS[self.state]:
            raise exc.InvalidRequestError(
                f"This {self._noun()} is {self.state.value} and cannot become {new.value}"
            )
        self.state = new

    def _noun(self) -> str:
        return "transaction"

    def _finish(self, final: TransactionState) -> None:
        """Move to the ``final`` state unless already there."""
        if self.state is not final:
            self._move(final)

    @property
    def is_active(self) -> bool:
        """Whether statements may still run in this transaction."""
        return self.state is _ACTIVE

    @property
    def is_valid(self) -> bool:
        """Whether the transaction has not ended (it may still need a rollback)."""
        return self.state in (_ACTIVE, _DEACTIVATED)

    def commit(self) -> None:
        """Commit the transaction (releasing a savepoint, for a nested one)."""
        if self.state is _DEACTIVATED:
            if not self.is_nested:
                self.connection._raise_inactive()  # it says why (lost, or the watchdog)
            raise exc.PendingRollbackError(
                f"This {self._noun()} is inactive (its connection was lost or an enclosing "
                "savepoint rolled back); call rollback() before using the connection again"
            )
        if self.state is not _ACTIVE:
            raise exc.InvalidRequestError(f"This {self._noun()} is already {self.state.value}")
        self.connection._end_transaction(self, commit=True)

    def rollback(self) -> None:
        """Roll the transaction back; does nothing if it already ended."""
        if self.state in (_COMMITTED, _ROLLED_BACK):
            return
        self.connection._end_transaction(self, commit=False)

    def close(self) -> None:
        """Roll back if the transaction is still open."""
        self.rollback()

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None and self.state is _ACTIVE:
            try:
                self.commit()
            except BaseException:
                self.rollback()
                raise
        else:
            self.rollback()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.state.value}>"


class NestedTransaction(Transaction):
    """A SAVEPOINT inside the root transaction: commit releases it, rollback undoes its work."""

    __slots__ = ("name",)

    is_nested = True

    def __init__(self, connection: Connection, name: str) -> None:
        super().__init__(connection)
        self.name = name

    def _noun(self) -> str:
        return f"savepoint {self.name}"


class TransactionStack:
    """The root transaction and the open savepoints of one connection, innermost last."""

    __slots__ = ("_counter", "begun", "nested", "root")

    def __init__(self) -> None:
        self.root: Transaction | None = None
        #: Whether BEGIN was sent for ``root`` (it goes out with the first statement).
        self.begun = False
        self.nested: list[NestedTransaction] = []
        self._counter = 0

    def next_savepoint_name(self) -> str:
        self._counter += 1
        return f"corral_sp_{self._counter}"

    def clear(self) -> None:
        self.root = None
        self.begun = False
        self.nested.clear()

    def inner_to(self, transaction: NestedTransaction) -> list[NestedTransaction]:
        """``transaction`` and every savepoint opened inside it, innermost first."""
        try:
            position = self.nested.index(transaction)
        except ValueError:
            return []
        inner = self.nested[position:]
        inner.reverse()
        return inner

    def pop_to(self, transaction: NestedTransaction) -> None:
        """Forget ``transaction`` and every savepoint inside it."""
        if transaction in self.nested:
            del self.nested[self.nested.index(transaction) :]

    def deactivate_all(self) -> None:
        """Mark every open transaction as needing a rollback (the connection was lost)."""
        for savepoint in self.nested:
            if savepoint.state is _ACTIVE:
                savepoint._move(_DEACTIVATED)
        if self.root is not None and self.root.state is _ACTIVE:
            self.root._move(_DEACTIVATED)
