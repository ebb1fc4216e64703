"""The Session's events (SQLAlchemy's ``SessionEvents``) and ``ORMExecuteState``.

Listeners attach to a Session, a Session class, a ``sessionmaker`` (the
sessions it makes) or a ``scoped_session`` (its factory's). The Session fires
them where they happen; each place checks ``session.dispatch.<event>`` first,
an empty tuple when nothing listens.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.event.dispatch import Dispatch
from corral.event.families import Events, instance_dispatch
from corral.sql.execution_options import application_keys

if TYPE_CHECKING:
    from corral.orm.session.session import Session
    from corral.orm.session.transaction import SessionTransaction


class SessionEvents(Events):
    """What a Session does: flushes, transactions, objects changing state, executions."""

    family_name = "SessionEvents"
    returning_events = frozenset({"do_orm_execute"})  # a Result returned replaces execution

    def before_flush(self, session: Any, flush_context: Any, instances: Any) -> None:
        """Before a flush computes its work: objects added or changed here are flushed too."""

    def after_flush(self, session: Any, flush_context: Any) -> None:
        """After a flush's SQL ran; ``session.new`` / ``dirty`` / ``deleted`` still show
        what was flushed."""

    def after_flush_postexec(self, session: Any, flush_context: Any) -> None:
        """After a flush, once the objects are in their new states."""

    def before_commit(self, session: Any) -> None:
        """Before the session commits (before the final flush)."""

    def after_commit(self, session: Any) -> None:
        """After the database transaction committed (no SQL may run on it here)."""

    def after_rollback(self, session: Any) -> None:
        """After the database transaction rolled back (before objects are expired)."""

    def after_soft_rollback(self, session: Any, previous_transaction: Any) -> None:
        """After ``rollback()``, once the session's objects are restored."""

    def after_begin(self, session: Any, transaction: Any, connection: Any) -> None:
        """After the session began a transaction on a connection."""

    def after_transaction_create(self, session: Any, transaction: Any) -> None:
        """A SessionTransaction (or SAVEPOINT) was created."""

    def after_transaction_end(self, session: Any, transaction: Any) -> None:
        """A SessionTransaction (or SAVEPOINT) committed or rolled back."""

    def before_attach(self, session: Any, instance: Any) -> None:
        """An object is about to be added to the session."""

    def after_attach(self, session: Any, instance: Any) -> None:
        """An object was added to the session."""

    def transient_to_pending(self, session: Any, instance: Any) -> None:
        """A transient object became pending (``add()``)."""

    def pending_to_persistent(self, session: Any, instance: Any) -> None:
        """A pending object was inserted by a flush."""

    def pending_to_transient(self, session: Any, instance: Any) -> None:
        """A pending object left the session (expunge, rollback)."""

    def persistent_to_deleted(self, session: Any, instance: Any) -> None:
        """A persistent object's row was deleted by a flush."""

    def persistent_to_detached(self, session: Any, instance: Any) -> None:
        """A persistent object left the session (expunge, close)."""

    def loaded_as_persistent(self, session: Any, instance: Any) -> None:
        """An object was made from a row and entered the session (not one it held)."""

    def deleted_to_detached(self, session: Any, instance: Any) -> None:
        """A deleted object left the session: the transaction that deleted it committed."""

    def deleted_to_persistent(self, session: Any, instance: Any) -> None:
        """A deleted object is persistent again: the transaction that deleted it (or the
        SAVEPOINT) rolled back."""

    def persistent_to_transient(self, session: Any, instance: Any) -> None:
        """An object whose row was INSERTed is transient again: that INSERT's transaction
        (or SAVEPOINT) rolled back."""

    def detached_to_persistent(self, session: Any, instance: Any) -> None:
        """A detached object was added back to the session."""

    def after_bulk_update(self, update_context: Any) -> None:
        """An ORM-enabled ``update()`` ran through ``Session.execute()``."""

    def after_bulk_delete(self, delete_context: Any) -> None:
        """An ORM-enabled ``delete()`` ran through ``Session.execute()``."""

    def do_orm_execute(self, orm_execute_state: Any) -> None:
        """``Session.execute()`` is about to run a statement; the listener may change it,
        or return a Result to use instead."""

    @classmethod
    def _dispatch_for(cls, target: Any) -> Dispatch | None:
        from corral.orm.session.maker import sessionmaker
        from corral.orm.session.scoping import scoped_session
        from corral.orm.session.session import Session

        if isinstance(target, type) and issubclass(target, Session):
            return target._class_dispatch
        if isinstance(target, Session):
            return instance_dispatch(target, SESSION_EVENTS)
        if isinstance(target, scoped_session):
            factory = target.session_factory
            if not isinstance(factory, sessionmaker):
                raise exc.InvalidRequestError(
                    f"Cannot listen on {target!r}: its session_factory {factory!r} is not a "
                    "sessionmaker; listen on the Session class instead"
                )
            target = factory
        if isinstance(target, sessionmaker):
            return maker_dispatch(target)
        return None


SESSION_EVENTS = SessionEvents.event_names()


def maker_dispatch(maker: Any) -> Dispatch:
    """The dispatch the sessions of one sessionmaker share (created on first listen)."""
    dispatch: Dispatch | None = maker.__dict__.get("dispatch")
    if dispatch is None:
        dispatch = maker.class_._class_dispatch._child(maker)
        maker.__dict__["dispatch"] = dispatch
    return dispatch


class FlushContext:
    """What flush listeners receive as ``flush_context``: the session being flushed."""

    __slots__ = ("session",)

    def __init__(self, session: Session) -> None:
        self.session = session


def fire_object(session: Session, event: str, instance: object) -> None:
    """Run the listeners of an object event (attach, state transitions)."""
    for listener in getattr(session.dispatch, event):
        listener(session, instance)


class BulkContext:
    """What after_bulk_update / after_bulk_delete listeners receive."""

    def __init__(self, session: Session, statement: Any, params: Any, result: Any) -> None:
        self.session = session
        self.statement = statement
        self.parameters = params
        self.result = result
        self.mapper = getattr(getattr(statement, "_entity", None), "__mapper__", None)

    @property
    def rowcount(self) -> int:
        return int(self.result.rowcount)


def fire_bulk(session: Session, statement: Any, params: Any, result: Any) -> None:
    """Run after_bulk_update / after_bulk_delete for an UPDATE or DELETE just executed."""
    from corral.sql.dml import Delete, Update

    if isinstance(statement, Update):
        event = "after_bulk_update"
    elif isinstance(statement, Delete):
        event = "after_bulk_delete"
    else:
        return
    context = BulkContext(session, statement, params, result)
    for listener in getattr(session.dispatch, event):
        listener(context)


def fire_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    for listener in session.dispatch.after_transaction_end:
        listener(session, transaction)


class ORMExecuteState:
    """One ``Session.execute()`` as ``do_orm_execute`` listeners see it."""

    def __init__(
        self,
        session: Session,
        statement: Any,
        parameters: Any,
        execution_options: Mapping[str, Any] | None,
        bind_arguments: Mapping[str, Any] | None,
        listeners: tuple[Any, ...],
    ) -> None:
        self.session = session
        self.statement = statement
        self.parameters = parameters
        self.local_execution_options: dict[str, Any] = dict(execution_options or {})
        self.bind_arguments: dict[str, Any] = dict(bind_arguments or {})
        self._listeners = listeners
        self._position = 0

    # -- what is being executed -----------------------------------------------------------

    @property
    def execution_options(self) -> dict[str, Any]:
        """The statement's execution options, with this call's over them."""
        carried = getattr(self.statement, "_execution_options", None) or {}
        return {**carried, **self.local_execution_options}

    def update_execution_options(self, **options: Any) -> None:
        """Add execution options to this execution (the statement is left as it is)."""
        self.local_execution_options.update(options)

    @property
    def is_select(self) -> bool:
        from corral.sql.selectable import Select

        return isinstance(self.statement, Select)

    @property
    def is_insert(self) -> bool:
        from corral.sql.dml import Insert

        return isinstance(self.statement, Insert)

    @property
    def is_update(self) -> bool:
        from corral.sql.dml import Update

        return isinstance(self.statement, Update)

    @property
    def is_delete(self) -> bool:
        from corral.sql.dml import Delete

        return isinstance(self.statement, Delete)

    @property
    def is_orm_statement(self) -> bool:
        return bool(self.all_mappers)

    @property
    def is_relationship_load(self) -> bool:
        """Whether corral runs this statement to load a relationship (lazy, selectin,
        subquery)."""
        options = self.execution_options
        return "corral_load_node" in options or "corral_lazy_load" in options

    @property
    def is_column_load(self) -> bool:
        """Whether this loads columns of objects already loaded (refresh or expired)."""
        return False

    @property
    def all_mappers(self) -> list[Any]:
        """The mappers of the entities the statement selects, updates or deletes."""
        from corral.orm.loading.entities import mapped_entities
        from corral.sql.selectable import Select

        if isinstance(self.statement, Select):
            return [m for m in mapped_entities(self.statement) if m is not None]
        found = getattr(getattr(self.statement, "_entity", None), "__mapper__", None)
        return [found] if found is not None else []

    @property
    def bind_mapper(self) -> Any:
        mappers = self.all_mappers
        return mappers[0] if mappers else None

    @property
    def user_defined_options(self) -> list[Any]:
        """The statement's ``UserDefinedOption`` objects."""
        from corral.orm.loading.user_options import UserDefinedOption

        options = getattr(self.statement, "_with_options", ())
        return [o for o in options if isinstance(o, UserDefinedOption)]

    # -- running it -------------------------------------------------------------------------

    def invoke_statement(
        self,
        statement: Any = None,
        params: Any = None,
        execution_options: Mapping[str, Any] | None = None,
        bind_arguments: Mapping[str, Any] | None = None,
    ) -> Any:
        """Run the statement now (through the listeners after this one) and return the
        Result; the listener may return it, or a Result built from it."""
        following = ORMExecuteState(
            self.session,
            self.statement if statement is None else statement,
            self.parameters if params is None else _merged(self.parameters, params),
            {**self.local_execution_options, **(execution_options or {})},
            {**self.bind_arguments, **(bind_arguments or {})},
            self._listeners,
        )
        following._position = self._position + 1
        return following.run()

    def run(self) -> Any:
        """Run the remaining listeners; the first Result returned wins, else execute."""
        while self._position < len(self._listeners):
            result = self._listeners[self._position](self)
            if result is not None:
                return result
            self._position += 1
        # The application's keys were for the listeners, which have read them; the rest
        # (the options corral acts on, or refuses) go on to be checked.
        mine = application_keys(self.local_execution_options)
        options = {k: v for k, v in self.local_execution_options.items() if k not in mine}
        return self.session._execute(
            self.statement,
            self.parameters,
            options or None,
            self.bind_arguments or None,
            events=False,
        )


def _merged(parameters: Any, more: Any) -> Any:
    if isinstance(parameters, Mapping) and isinstance(more, Mapping):
        return {**parameters, **more}
    return more


def orm_execute(
    session: Session,
    statement: Any,
    params: Any,
    execution_options: Mapping[str, Any] | None,
    bind_arguments: Mapping[str, Any] | None,
) -> Any:
    """``Session.execute()`` with ``do_orm_execute`` listeners."""
    state = ORMExecuteState(
        session,
        statement,
        params,
        execution_options,
        bind_arguments,
        session.dispatch.do_orm_execute,
    )
    return state.run()


__all__ = [
    "SESSION_EVENTS",
    "BulkContext",
    "FlushContext",
    "ORMExecuteState",
    "SessionEvents",
    "fire_bulk",
    "fire_object",
    "fire_transaction_end",
    "maker_dispatch",
    "orm_execute",
]
