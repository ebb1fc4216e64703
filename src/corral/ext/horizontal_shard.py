"""Horizontal sharding: one Session over several databases holding rows of the same tables.

``ShardedSession(shard_chooser=, identity_chooser=, execute_chooser=, shards={id: engine})``
as SQLAlchemy 2.0's ``sqlalchemy.ext.horizontal_shard``:

- a flush writes each object to the shard ``shard_chooser(mapper, instance)`` names (an
  object loaded from a shard stays on it);
- ``get()`` tries the shards ``identity_chooser(mapper, primary_key, lazy_loaded_from=...,
  execution_options=..., bind_arguments=...)`` lists, in order, until one has the row;
- a statement runs on every shard ``execute_chooser(state)`` lists and the results are
  concatenated, unless a shard is named: ``.options(set_shard_id("x"))``,
  ``execution_options={"_sa_shard_id": "x"}`` or ``bind_arguments={"shard_id": "x"}``;
- objects carry the shard they came from as their identity token, the third item of
  ``inspect(obj).identity_key``: the same primary key on two shards is two objects.
  Lazy loads, refreshes and expired attributes load from the object's own shard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from corral import exc
from corral.engine.result import Result
from corral.orm.loading.entities import result_from_rows
from corral.orm.mapping.instance_state import InstanceState, state_of
from corral.orm.mapping.mapper import Mapper
from corral.orm.session import flushing
from corral.orm.session.events import ORMExecuteState
from corral.orm.session.query import Query
from corral.orm.session.session import Session
from corral.sql.dml import DMLStatement
from corral.sql.elements import ClauseElement
from corral.sql.selectable import Select

__all__ = ["ShardExecuteState", "ShardedQuery", "ShardedSession", "set_shard_id"]

T = TypeVar("T")


class ShardChooser(Protocol):
    def __call__(self, mapper: Mapper, instance: Any, clause: Any = None) -> Any: ...


class set_shard_id:
    """A statement option running it on one shard: ``select(X).options(set_shard_id("eu"))``.

    Objects loaded by it keep that shard, so their lazy loads stay on it as well
    (``propagate_to_loaders``, on by default, as in SQLAlchemy).
    """

    __slots__ = ("propagate_to_loaders", "shard_id")

    #: Loader options have a path; this one applies to the whole statement (ShardedSession
    #: takes it off before the statement runs).
    path: tuple[Any, ...] = ()

    def __init__(self, shard_id: Any, propagate_to_loaders: bool = True) -> None:
        self.shard_id = shard_id
        self.propagate_to_loaders = propagate_to_loaders

    def __repr__(self) -> str:
        return f"set_shard_id({self.shard_id!r})"


class ShardedQuery(Query[T]):
    """The legacy ``Query`` of a ShardedSession: ``session.query(X).set_shard("eu")``."""

    def set_shard(self, shard_id: Any) -> ShardedQuery[T]:
        """Run this query on one shard only (its loaders too), as ``set_shard_id``."""
        return self.options(set_shard_id(shard_id))  # type: ignore[return-value]


class ShardExecuteState(ORMExecuteState):
    """What ``execute_chooser`` is given: SQLAlchemy's ORMExecuteState (the statement,
    ``execution_options``, ``bind_arguments``, ``is_select``...) and ``lazy_loaded_from``,
    the state of the object whose lazy load this is (None otherwise)."""

    def __init__(
        self,
        session: ShardedSession,
        statement: Any,
        parameters: Any,
        execution_options: Mapping[str, Any],
        bind_arguments: Mapping[str, Any],
        lazy_loaded_from: InstanceState | None,
    ) -> None:
        super().__init__(session, statement, parameters, execution_options, bind_arguments, ())
        self.lazy_loaded_from = lazy_loaded_from


class ShardedSession(Session):
    """A Session whose objects live on several shards (databases of the same schema)."""

    #: get() asks the shards identity_chooser names: not the lean get path.
    _routes_plain_get = False

    def __init__(
        self,
        shard_chooser: ShardChooser,
        identity_chooser: Callable[..., Iterable[Any]] | None = None,
        execute_chooser: Callable[[ShardExecuteState], Iterable[Any]] | None = None,
        shards: Mapping[Any, Any] | None = None,
        *,
        id_chooser: Any = None,
        query_chooser: Any = None,
        **kwargs: Any,
    ) -> None:
        for name, value, instead in (
            ("id_chooser", id_chooser, "identity_chooser"),
            ("query_chooser", query_chooser, "execute_chooser"),
        ):
            if value is not None:
                raise exc.ArgumentError(
                    f"ShardedSession({name}=...) is SQLAlchemy 1.x's and corral does not take "
                    f"it; pass {instead}= (see docs/scaling-out.md)"
                )
        if identity_chooser is None or execute_chooser is None:
            missing = "identity_chooser" if identity_chooser is None else "execute_chooser"
            raise exc.ArgumentError(
                f"ShardedSession() needs {missing}=: the shards to search for an identity "
                "(identity_chooser) and to run a statement on (execute_chooser)"
            )
        super().__init__(**kwargs)
        self.shard_chooser = shard_chooser
        self.identity_chooser = identity_chooser
        self.execute_chooser = execute_chooser
        self._shards: dict[Any, Any] = {}
        #: The shard a statement is being run on now (its loads and flushes stay there).
        self._shard_now: Any = None
        #: Shards chosen for pending objects, by id(object), until their INSERT.
        self._pending_shards: dict[int, Any] = {}
        for shard_id, bind in (shards or {}).items():
            self.bind_shard(shard_id, bind)

    def query(self, *entities: Any, **unsupported: Any) -> ShardedQuery[Any]:
        """A legacy ``ShardedQuery`` (``Query`` with ``set_shard()``) of ``entities``."""
        if unsupported:
            raise exc.ArgumentError(
                f"Session.query() takes entities only, not {', '.join(unsupported)}"
            )
        return ShardedQuery(entities, self)

    def bind_shard(self, shard_id: Any, bind: Any) -> None:
        """Add (or replace) a shard: its id and the Engine (or Connection) holding it."""
        self._shards[shard_id] = bind

    # -- binds ------------------------------------------------------------------------

    def get_bind(
        self,
        mapper: Any = None,
        *,
        shard_id: Any = None,
        instance: Any = None,
        clause: Any = None,
        **kw: Any,
    ) -> Any:
        """The engine of ``shard_id``; else of the shard of the statement or flush under
        way, or of ``instance``; else the one ``shard_chooser`` picks."""
        if shard_id is None:
            shard_id = self._shard_now
        if shard_id is None:
            shard_id = self._choose_shard_and_assign(mapper, instance, clause=clause)
        try:
            return self._shards[shard_id]
        except KeyError:
            raise exc.InvalidRequestError(
                f"ShardedSession has no shard {shard_id!r}; its shards are "
                f"{', '.join(map(repr, self._shards)) or 'none'} (add one with bind_shard())"
            ) from None

    def _choose_shard_and_assign(self, mapper: Any, instance: Any, **kw: Any) -> Any:
        if instance is not None:
            state = state_of(instance)
            if state.key is not None and len(state.key) > 2:
                return state.key[2]
            chosen = self._pending_shards.get(id(instance))
            if chosen is not None:
                return chosen
        if not isinstance(mapper, Mapper):
            mapper = getattr(mapper, "__mapper__", mapper)
        shard_id = self.shard_chooser(mapper, instance, **kw)
        if instance is not None:
            self._pending_shards[id(instance)] = shard_id
        return shard_id

    def _running_on(self, shard_id: Any) -> _OnShard:
        return _OnShard(self, shard_id)

    # -- flushing: each object on its shard ----------------------------------------------

    def flush(self, objects: Iterable[object] | None = None) -> None:
        with self._guard:
            self._flush_by_shard(objects)

    def _autoflush(self) -> None:
        if self.autoflush and not self._autoflush_suspended and not self._flushing:
            self._flush_by_shard(None)

    def _flush_by_shard(self, objects: Iterable[object] | None) -> None:
        pending = [*self._new.values(), *self.dirty, *self._deleted.values()]
        if objects is not None:
            chosen = {id(o) for o in objects}
            pending = [o for o in pending if id(o) in chosen]
        by_shard: dict[Any, list[object]] = {}
        for obj in pending:
            shard_id = self._choose_shard_and_assign(state_of(obj).mapper, obj)
            by_shard.setdefault(shard_id, []).append(obj)
        for shard_id, group in by_shard.items():
            self._flush_shard(shard_id, group)

    def _flush_shard(self, shard_id: Any, group: list[object]) -> None:
        """Flush ``group`` on its shard, the other shards' changes held back meanwhile (the
        unit of work flushes all it is given, cascades included)."""
        ids = {id(o) for o in group}
        held: list[tuple[dict[int, object], dict[int, object]]] = []
        for pending in (self._new, self._deleted, self._modified):
            others = {k: o for k, o in pending.items() if k not in ids}
            for k in others:
                del pending[k]
            held.append((pending, others))
        try:
            with self._running_on(shard_id):
                flushing.flush_pending(self)
        finally:
            for pending, others in held:
                pending.update(others)
        for obj in group:
            if state_of(obj).key is not None:
                self._pending_shards.pop(id(obj), None)

    # -- reading ------------------------------------------------------------------------

    def _execute(
        self,
        statement: ClauseElement,
        params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        execution_options: Mapping[str, Any] | None = None,
        bind_arguments: Mapping[str, Any] | None = None,
        events: bool = True,
    ) -> Result:
        if events and self.dispatch.do_orm_execute:  # the listeners first; they come back
            return super()._execute(statement, params, execution_options, bind_arguments)
        options = dict(execution_options or {})
        arguments = dict(bind_arguments or {})
        shard_id = options.pop("_sa_shard_id", None)
        if shard_id is None:
            shard_id = arguments.get("shard_id")
        statement, named = _take_shard_option(statement)
        if shard_id is None:
            shard_id = named
        if shard_id is None:
            shard_id = self._shard_now
        run = super()._execute
        if shard_id is not None:
            with self._running_on(shard_id):
                arguments["shard_id"] = shard_id
                return run(statement, params, options, arguments, events=False)
        if not isinstance(statement, Select | DMLStatement):
            raise exc.InvalidRequestError(
                f"ShardedSession cannot tell which shard runs {type(statement).__name__} "
                "statements; name one with bind_arguments={'shard_id': ...}"
            )
        state = ShardExecuteState(self, statement, params, options, arguments, self._lazy_from)
        results = []
        for chosen in self.execute_chooser(state):
            with self._running_on(chosen):
                on_shard = {**arguments, "shard_id": chosen}
                results.append(run(statement, params, options, on_shard, events=False))
        return _merge(results)

    #: The object whose lazy load is running (for execute_chooser and identity_chooser).
    _lazy_from: InstanceState | None = None

    def _lazy_load(self, obj: object, rel: Any, params: dict[str, Any]) -> Any:
        state = state_of(obj)
        previous, self._lazy_from = self._lazy_from, state
        try:
            with self._running_on(_shard_of(state)):
                return super()._lazy_load(obj, rel, params)
        finally:
            self._lazy_from = previous

    def _load_unloaded(self, obj: object, state: InstanceState, key: str | None = None) -> None:
        with self._running_on(_shard_of(state)):
            super()._load_unloaded(obj, state, key)

    def get(
        self,
        entity: type[T],
        ident: Any,
        *,
        options: Sequence[Any] | None = None,
        with_for_update: bool | Mapping[str, Any] | None = None,
        populate_existing: bool = False,
        identity_token: Any = None,
        execution_options: Mapping[str, Any] | None = None,
        bind_arguments: Mapping[str, Any] | None = None,
    ) -> T | None:
        """The object with this primary key on the first shard of ``identity_chooser`` (or
        ``identity_token``) that has it."""
        from corral.orm.session.querying import _mapper_of, _primary_key_tuple

        mapper = _mapper_of(entity)
        pk = _primary_key_tuple(mapper, ident)
        if identity_token is not None:
            shards: Iterable[Any] = [identity_token]
        elif self._shard_now is not None:
            shards = [self._shard_now]
        else:
            shards = self.identity_chooser(
                mapper,
                pk,
                lazy_loaded_from=self._lazy_from,
                execution_options=dict(execution_options or {}),
                bind_arguments=dict(bind_arguments or {}),
            )
        shards = list(shards)
        if not (populate_existing or with_for_update):
            # Every shard's identity map first: no SELECT when one of them has it loaded.
            for shard_id in shards:
                hit = self.identity_map.get((mapper.class_, pk, shard_id))
                # (an entry of another class of the hierarchy is not the one asked for)
                if isinstance(hit, entity) and not state_of(hit).expired:
                    return hit
        for shard_id in shards:
            with self._guard, self._running_on(shard_id):
                found = super().get(
                    entity,
                    pk,
                    options=options,
                    with_for_update=with_for_update,
                    populate_existing=populate_existing,
                )
            if found is not None:
                return found
        return None

    def get_one(
        self,
        entity: type[T],
        ident: Any,
        *,
        options: Sequence[Any] | None = None,
        with_for_update: bool | Mapping[str, Any] | None = None,
        populate_existing: bool = False,
        identity_token: Any = None,
        execution_options: Mapping[str, Any] | None = None,
        bind_arguments: Mapping[str, Any] | None = None,
    ) -> T:
        """Like ``get()``, but raises ``NoResultFound`` when no shard has the key."""
        found = self.get(
            entity,
            ident,
            options=options,
            with_for_update=with_for_update,
            populate_existing=populate_existing,
            identity_token=identity_token,
            execution_options=execution_options,
            bind_arguments=bind_arguments,
        )
        if found is None:
            where = "" if identity_token is None else f" on shard {identity_token!r}"
            raise exc.NoResultFound(
                f"No {getattr(entity, '__name__', entity)} has the primary key {ident!r}"
                f"{where}; get_one() requires one (get() returns None instead)"
            )
        return found


class _OnShard:
    """``with session._running_on(shard):`` statements, loads and flushes go to ``shard``."""

    __slots__ = ("previous", "session", "shard_id")

    def __init__(self, session: ShardedSession, shard_id: Any) -> None:
        self.session = session
        self.shard_id = shard_id

    def __enter__(self) -> None:
        session = self.session
        self.previous = session._shard_now, session._load_token
        if self.shard_id is not None:
            session._shard_now = session._load_token = self.shard_id

    def __exit__(self, *exc_info: object) -> None:
        self.session._shard_now, self.session._load_token = self.previous


def _shard_of(state: InstanceState) -> Any:
    key = state.key
    return key[2] if key is not None and len(key) > 2 else None


def _take_shard_option(statement: Any) -> tuple[Any, Any]:
    """The statement without its set_shard_id() option, and that option's shard."""
    options = getattr(statement, "_with_options", ())
    named = [o for o in options if isinstance(o, set_shard_id)]
    if not named:
        return statement, None
    clone = statement._clone()
    clone._with_options = tuple(o for o in options if not isinstance(o, set_shard_id))
    return clone, named[-1].shard_id


def _merge(results: list[Result]) -> Result:
    """The results of one statement on several shards, as one (rows in shard order)."""
    if not results:
        return result_from_rows([], [])
    if len(results) == 1:
        return results[0]
    if results[0].returns_rows:
        rows = [row for result in results for row in result.raw_rows()]
        return result_from_rows(rows, results[0]._key_names)
    merged = result_from_rows([], [])
    merged.rowcount = sum(max(result.rowcount, 0) for result in results)
    return merged
