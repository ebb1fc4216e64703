"""Execution options: which corral acts on, where each may be set, and what it refuses.

SQLAlchemy accepts any key as an execution option: its own names change how a
statement runs, other keys are the application's, read back with
``get_execution_options()`` (or by event handlers, which corral does not have
yet). corral's rule, so that nothing is silently ignored:

- an option corral implements is accepted where it takes effect;
- an option SQLAlchemy defines and corral does not implement is refused
  everywhere, with what to do instead (ignoring it would change the result);
- any other key is the application's: accepted where ``get_execution_options()``
  reads it back (a Connection, the Engine's defaults, a statement). Given to one
  call (the ``execution_options=`` of ``Session.execute()`` or
  ``Connection.execute()``), it is accepted when a listener of that call reads
  it (``do_orm_execute`` on the Session; ``before_execute`` / ``after_execute``
  on the Connection) and refused when none is registered, since then nothing
  could ever read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from types import MappingProxyType
from typing import Any, Self, cast

from corral import exc
from corral.util.arguments import refuse_unknown

#: What corral does with ``isolation_level``, and where it may be set.
_ISOLATION = (
    "set it on a connection: Connection.execution_options(isolation_level=...), "
    "create_engine(isolation_level=...) or Session(isolation_level=...)"
)

#: The options corral implements on a Connection (and as an Engine's defaults).
CONNECTION_OPTIONS = frozenset(
    {
        "compiled_cache",
        "isolation_level",
        "max_row_buffer",
        "schema_translate_map",
        "stream_results",
    }
)

#: Where ``compiled_cache`` is read: by the connection that compiles the statement.
_COMPILED_CACHE = (
    "set it on the connection or engine: Connection.execution_options(compiled_cache={}) or "
    "Engine.execution_options(compiled_cache={}) (None: compile every time)"
)

#: Options read where the statement runs; given to one execute() call, they are moved
#: onto the statement (see ``carry_streaming``).
STREAMING_OPTIONS = frozenset({"max_row_buffer", "stream_results"})

#: The options the ORM implements on ``Session.execute()`` and ORM statements.
ORM_OPTIONS = frozenset(
    {"autoflush", "populate_existing", "render_nulls", "synchronize_session", "yield_per"}
)

#: Options the ORM passes itself between its own queries.
INTERNAL_OPTIONS = frozenset({"corral_load_node", "corral_lazy_load"})

_NOT_YET = "corral does not implement it yet; remove it"

#: SQLAlchemy's execution options corral does not implement, with what to do instead.
UNSUPPORTED: dict[str, str] = {
    "no_parameters": "corral always sends parameters to the driver; remove it",
    "logging_token": "corral's log has no per-connection tokens; remove it",
    "insertmanyvalues_page_size": "corral sends a batch of rows with executemany; remove it",
    "preserve_rowcount": "Result.rowcount already holds the driver's count; remove it",
    "driver_column_names": _NOT_YET,
    "autocommit": "removed in SQLAlchemy 2.0; use isolation_level='AUTOCOMMIT' on the "
    "connection, or commit()",
    "dml_strategy": "corral chooses the strategy from the statement and its parameters; remove it",
    "is_delete_using": _NOT_YET,
    "is_update_from": _NOT_YET,
    "identity_token": "corral has no horizontal sharding; remove it",
    "sa_top_level_orm_context": "an internal SQLAlchemy option; remove it",
}

#: Where ``schema_translate_map`` may be set (read where the statement is compiled).
_SCHEMA_MAP = (
    "set it on the engine, the connection or the statement: "
    "Engine.execution_options(schema_translate_map={None: 'name'}), "
    "Connection.execution_options(...) or select(...).execution_options(...)"
)

#: What to say when one call's options hold a key nothing could read back.
_PER_CALL_KEY = (
    "an application key passed with one call is read only by that call's listeners "
    "(do_orm_execute on a Session, before_execute / after_execute on a Connection), and "
    "none is registered; register one, or set the key with Connection.execution_options() "
    "or on the statement, where get_execution_options() returns it"
)

#: Every key corral knows by name: those it acts on, those it refuses, its own.
_NAMED = ORM_OPTIONS | CONNECTION_OPTIONS | INTERNAL_OPTIONS | frozenset(UNSUPPORTED)


def application_keys(options: Mapping[str, Any]) -> list[str]:
    """The keys of ``options`` that are the application's own: not an option corral acts
    on or refuses by name, nor a private one (a leading underscore)."""
    return [k for k in options if k not in _NAMED and not k.startswith("_")]


def _takes(known: Iterable[str], app_keys: bool) -> str:
    names = ", ".join(sorted(known)) or "none"
    if app_keys:
        return f"corral acts on: {names}; any other key is kept for get_execution_options()"
    return f"corral acts on: {names}"


def check_connection_options(options: Mapping[str, Any], what: str) -> None:
    """Options for a Connection or an Engine's defaults: isolation_level and the app's keys."""
    check_schema_map(options, what)
    cache = options.get("compiled_cache")
    if cache is not None and not isinstance(cache, MutableMapping):
        raise exc.ArgumentError(
            f"{what}: compiled_cache must be a dict (the compiled statements are kept in it) "
            f"or None (compile every time), got {type(cache).__name__}"
        )
    refused = [k for k in options if k in UNSUPPORTED or k in ORM_OPTIONS]
    if not refused:
        return
    orm = "an ORM option: pass it to Session.execute(execution_options=...) or the statement"
    notes = {**UNSUPPORTED, **dict.fromkeys(ORM_OPTIONS, orm)}
    notes["yield_per"] = (
        "corral implements it for ORM selects only (objects built batch by batch): pass it "
        "to Session.execute(execution_options=...) or the statement"
    )
    refuse_unknown(what, refused, (), notes, takes=_takes(CONNECTION_OPTIONS, True))


def check_statement_options(options: Mapping[str, Any], what: str) -> None:
    """Options set on a statement: the ORM's, and the app's keys (not isolation_level)."""
    check_schema_map(options, what)
    refused = [k for k in options if k in UNSUPPORTED or k in ("isolation_level", "compiled_cache")]
    if not refused:
        return
    notes = {**UNSUPPORTED, "isolation_level": _ISOLATION, "compiled_cache": _COMPILED_CACHE}
    refuse_unknown(what, refused, (), notes, takes=_takes(ORM_OPTIONS, True))


def check_call_options(
    options: Mapping[str, Any], what: str, known: Iterable[str], listened: bool = False
) -> None:
    """Options for one ``execute()`` call: only those that take effect there, and the
    application's keys when ``listened`` (a listener of the call receives them)."""
    if not options:
        return
    accepted = frozenset(known)
    if listened:
        accepted |= frozenset(application_keys(options))
    given = [k for k in options if k not in accepted and k not in INTERNAL_OPTIONS]
    if not given:
        return
    notes = {**UNSUPPORTED, "isolation_level": _ISOLATION, "compiled_cache": _COMPILED_CACHE}
    notes["schema_translate_map"] = _SCHEMA_MAP
    notes.update({k: _PER_CALL_KEY for k in given if k not in notes})
    refuse_unknown(what, given, (), notes, takes=_takes(accepted, False))


def check_schema_map(options: Mapping[str, Any], what: str) -> None:
    """``schema_translate_map``: a dict from a schema name that Tables give (None: the
    schema of a Table that names none) to the schema they are in when the statement runs
    (None: the connection's default)."""
    if "schema_translate_map" not in options:
        return
    given = options["schema_translate_map"]
    if given is None:
        return
    if not isinstance(given, Mapping):
        raise exc.ArgumentError(
            f"{what}: schema_translate_map must be a dict such as {{None: 'tenant_1'}}, "
            f"got {type(given).__name__}"
        )
    for key, value in given.items():
        if key is not None and not isinstance(key, str):
            raise exc.ArgumentError(
                f"{what}: schema_translate_map keys are schema names that Tables give "
                f"(strings) or None (a Table naming no schema), got {key!r}"
            )
        if value is not None and not isinstance(value, str):
            raise exc.ArgumentError(
                f"{what}: schema_translate_map maps {key!r} to a schema name (a string) or "
                f"to None (the default schema), got {value!r}"
            )


def carry_streaming(statement: Any, options: Mapping[str, Any], what: str) -> Any:
    """``statement`` carrying one call's ``stream_results`` / ``max_row_buffer``, where the
    Connection reads them when it runs the statement."""
    if not options:
        return statement
    given = {k: options[k] for k in STREAMING_OPTIONS if k in options}
    if not given:
        return statement
    if not isinstance(statement, HasExecutionOptions):
        raise exc.ArgumentError(
            f"{what}: {', '.join(sorted(given))} apply to select(), insert(), update() and "
            f"delete() statements, not to {type(statement).__name__}; set them on the "
            "connection instead: Connection.execution_options(stream_results=True)"
        )
    return statement.execution_options(**given)


def check_bind_arguments(bind_arguments: Mapping[str, Any] | None, what: str) -> None:
    """``bind_arguments`` go to ``Session.get_bind()`` as keywords: they must be a mapping."""
    if bind_arguments is not None and not isinstance(bind_arguments, Mapping):
        raise exc.ArgumentError(
            f"{what}: bind_arguments must be a dict of Session.get_bind() keywords "
            f"(mapper=, clause=, bind=), not {type(bind_arguments).__name__}"
        )


class HasExecutionOptions:
    """``statement.execution_options(...)``: options carried by a statement to its execution."""

    _execution_options: Mapping[str, Any] = MappingProxyType({})

    def _clone(self) -> Any:
        raise NotImplementedError

    def execution_options(self, **options: Any) -> Self:
        """A copy of this statement carrying ``options`` (the ORM's, or the application's)."""
        check_statement_options(options, f"{type(self).__name__}.execution_options()")
        clone = self._clone()
        clone._execution_options = MappingProxyType({**self._execution_options, **options})
        return cast(Self, clone)

    def get_execution_options(self) -> dict[str, Any]:
        return dict(self._execution_options)
