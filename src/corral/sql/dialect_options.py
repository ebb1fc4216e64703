"""Dialect options on schema objects (``mysql_engine=...``, ``postgresql_where=...``).

A keyword ``<dialect>_<option>`` on a Table, Column, Index or constraint names a
database and one of its options. Each dialect folder declares, in ``options.py``,
the options it accepts per kind of schema object and how each value is checked;
the registry below maps a keyword's prefix to that declaration. Schema objects
check every such keyword when they are built (an option of another database is
kept and not applied, as in SQLAlchemy); a dialect's DDL compiler reads the
options of its own prefixes. An option SQLAlchemy documents but corral does not
apply is refused by name instead of being dropped.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from corral import exc

#: The kinds of schema object that take dialect options.
Kind = Literal["table", "column", "index", "primary_key", "unique", "check", "foreign_key"]

#: Checks one option's value: returns it (normalised) or raises ValueError saying why.
Check = Callable[[Any], Any]

#: Where each prefix's declaration lives; ``mariadb_`` is another spelling of ``mysql_``.
_DECLARATIONS = {
    "sqlite": "corral.dialects.sqlite.options",
    "postgresql": "corral.dialects.postgresql.options",
    "mysql": "corral.dialects.mysql.options",
    "mariadb": "corral.dialects.mysql.options",
}


@dataclass(frozen=True)
class DialectOptions:
    """The options one database accepts on each kind of schema object."""

    #: The database, as error messages name it.
    database: str
    #: Keyword prefixes naming this database (``mysql`` and ``mariadb`` are one family).
    prefixes: tuple[str, ...]
    #: kind -> option name -> the check of its value.
    accepted: Mapping[Kind, Mapping[str, Check]]
    #: kind -> option name -> why corral refuses it (SQLAlchemy documents it).
    refused: Mapping[Kind, Mapping[str, str]] = field(default_factory=dict)


def declaration(prefix: str) -> DialectOptions | None:
    """The options of the database a keyword prefix names, or None for an unknown prefix."""
    module = _DECLARATIONS.get(prefix)
    if module is None:
        return None
    options: DialectOptions = importlib.import_module(module).OPTIONS
    return options


def known_prefixes() -> tuple[str, ...]:
    return tuple(_DECLARATIONS)


def take_dialect_options(
    kind: Kind, kwargs: dict[str, Any], what: str, plain: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Check every keyword left in ``kwargs`` as a dialect option of ``kind``.

    Returns the options by prefix (``{"mysql": {"engine": "InnoDB"}}``). A keyword
    that names no database, or an option the database does not take here, raises
    an ArgumentError naming it and what is accepted (``plain`` lists the object's
    own keywords, for that message).
    """
    found: dict[str, dict[str, Any]] = {}
    for key, value in kwargs.items():
        prefix, _, name = key.partition("_")
        options = declaration(prefix) if name else None
        if options is None:
            raise exc.ArgumentError(
                f"{what} got unknown options: {key}; it takes "
                f"{', '.join(sorted(plain))}, and dialect options named "
                f"<dialect>_<option> for the dialects {', '.join(known_prefixes())} "
                "(such as mysql_engine or postgresql_where)"
            )
        refused = options.refused.get(kind, {})
        if name in refused:
            raise exc.ArgumentError(f"{what}: the option {key!r} is not supported: {refused[name]}")
        accepted = options.accepted.get(kind, {})
        check = accepted.get(name)
        if check is None:
            takes = ", ".join(f"{prefix}_{n}" for n in sorted(accepted)) or "none"
            raise exc.ArgumentError(
                f"{what} got {key!r}, which {options.database} does not accept there; "
                f"the {prefix}_ options it takes are: {takes}"
            )
        try:
            checked = check(value)
        except ValueError as error:
            raise exc.ArgumentError(f"{what}: bad value {value!r} for {key}: {error}") from None
        found.setdefault(prefix, {})[name] = checked
    _check_aliases(found, what)
    return found


def _check_aliases(found: dict[str, dict[str, Any]], what: str) -> None:
    """Two spellings of one database's option (mysql_x, mariadb_x) must agree."""
    for prefix, values in found.items():
        options = declaration(prefix)
        assert options is not None
        for other in options.prefixes:
            if other == prefix or other not in found:
                continue
            for name, value in values.items():
                if name in found[other] and found[other][name] != value:
                    raise exc.ArgumentError(
                        f"{what} got {prefix}_{name}={value!r} and "
                        f"{other}_{name}={found[other][name]!r}; corral applies both "
                        f"spellings on {options.database}, so give one value"
                    )


def option_value(
    dialect_options: Mapping[str, Mapping[str, Any]], prefixes: Iterable[str], name: str
) -> Any:
    """The value of option ``name`` under the first of ``prefixes`` that has it, else None."""
    for prefix in prefixes:
        values = dialect_options.get(prefix)
        if values is not None and name in values:
            return values[name]
    return None


def flat(dialect_options: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """``{"mysql_engine": ...}``: the options as the keywords that gave them."""
    return {f"{p}_{n}": v for p, values in dialect_options.items() for n, v in values.items()}


# -- checks of option values -----------------------------------------------------------

_WORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected True or False")
    return value


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError("expected a non-negative integer")
    return value


def word(value: Any) -> str:
    """A name written into DDL as is (an engine, a collation, an index method)."""
    if not isinstance(value, str) or not _WORD.match(value):
        raise ValueError("expected a single name made of letters, digits and underscores")
    return value


def one_of(*choices: str) -> Check:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.upper() not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return value.upper()

    return check


def sql_text(value: Any) -> str:
    """A piece of SQL written into DDL as given (``PARTITION BY`` clauses)."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected SQL text")
    return value


def text_value(value: Any) -> str:
    """A string written into DDL as a quoted literal."""
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def expression(value: Any) -> Any:
    """A condition: SQL text or a column expression (an index's WHERE)."""
    from corral.sql.elements import ClauseElement

    if isinstance(value, str | ClauseElement):
        return value
    inner = getattr(value, "__clause_element__", None)
    if inner is not None:
        return inner()
    raise ValueError("expected a SQL expression or text")


def names(value: Any) -> tuple[Any, ...]:
    """Columns, by name or as Column objects (one or a list)."""
    items = (value,) if isinstance(value, str) or not isinstance(value, Iterable) else value
    out = []
    for item in items:
        if not isinstance(item, str) and not hasattr(item, "__clause_element__"):
            raise ValueError("expected column names or columns")
        out.append(item)
    return tuple(out)


def table_names(value: Any) -> tuple[str, ...]:
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, Iterable) or not all(isinstance(i, str) and i for i in items):
        raise ValueError("expected a table name or a list of table names")
    return tuple(items)


def mapping_of(check_value: Check) -> Check:
    """A dict from column names (or option names) to values checked by ``check_value``."""

    def check(value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping) or not value:
            raise ValueError("expected a non-empty dict")
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("expected names as the dict's keys")
            out[key] = check_value(item)
        return out

    return check


def scalar(value: Any) -> Any:
    """A number, a boolean or a name (a storage parameter's value)."""
    if isinstance(value, bool | int | float):
        return value
    return word(value)


def integer_or_lengths(value: Any) -> int | dict[str, int]:
    """One prefix length, or one per column name."""
    if isinstance(value, Mapping):
        return dict(mapping_of(integer)(value))
    return integer(value)


#: SQLite's conflict resolutions.
CONFLICT = one_of("ROLLBACK", "ABORT", "FAIL", "IGNORE", "REPLACE")
