"""``create_engine()`` keywords SQLAlchemy has and corral does not, with what to do instead."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from corral import exc
from corral.util.arguments import refuse_unknown

_NOT_YET = "corral does not implement it yet; remove it"
_REMOVED = "removed in SQLAlchemy 2.0; remove it"

UNSUPPORTED_ENGINE_OPTIONS: dict[str, str] = {
    "logging_name": _NOT_YET,
    "pool_logging_name": _NOT_YET,
    "echo_pool": "corral's pool does not log; remove it",
    "pool_reset_on_return": "a corral pool always rolls back a connection given back; remove it",
    "json_serializer": "JSON columns use the json module; convert values yourself and remove it",
    "json_deserializer": "JSON columns use the json module; convert values yourself and remove it",
    "paramstyle": "each dialect uses its driver's parameter style; remove it",
    "plugins": "corral has no engine plugins; remove it",
    "label_length": _NOT_YET,
    "max_identifier_length": _NOT_YET,
    "insertmanyvalues_page_size": "corral sends many rows with executemany; remove it",
    "use_insertmanyvalues": "corral sends many rows with executemany; remove it",
    "module": "corral imports the driver the URL names (dialect+driver://); remove it",
    "implicit_returning": "corral uses RETURNING wherever the database has it; remove it",
    "executemany_mode": "corral sends many rows with executemany; remove it",
    "pool_events": _NOT_YET,
    "strategy": _REMOVED,
    "case_sensitive": _REMOVED,
    "convert_unicode": _REMOVED,
    "encoding": _REMOVED,
    "empty_in_strategy": _REMOVED,
}


def check_engine_options(
    options: Mapping[str, Any], engine_keywords: Iterable[str], dialect: Any
) -> dict[str, Any]:
    """The dialect's options from ``options``; anything else is refused, naming it.

    ``future=True`` is accepted: corral, like SQLAlchemy 2.0, only has that mode.
    """
    rest = dict(options)
    if "future" in rest and rest.pop("future") is not True:
        raise exc.ArgumentError(
            "create_engine(future=False) asks for SQLAlchemy 1.x behaviour, which corral does "
            "not have; remove it"
        )
    known = set(engine_keywords) | set(dialect.dialect_options)
    unknown = [k for k in rest if k not in dialect.dialect_options]
    notes = {**UNSUPPORTED_ENGINE_OPTIONS}
    refuse_unknown(f"create_engine() with the {dialect.name} dialect", unknown, known, notes)
    return rest
