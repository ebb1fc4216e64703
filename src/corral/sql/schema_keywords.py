"""The keyword arguments of Table, Column, Index, constraints and MetaData, checked.

Each keyword SQLAlchemy documents for these constructors is either honoured by
corral or refused here with an error naming it and saying what to do instead;
``<dialect>_<option>`` keywords go to ``dialect_options``. Nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from corral import exc
from corral.sql.dialect_options import Kind, take_dialect_options

ConstraintKind = Literal["primary_key", "unique", "check", "foreign_key"]

#: The keywords each constructor takes itself (named in "unknown keyword" errors).
TABLE_OPTIONS = frozenset(
    {
        "comment",
        "info",
        "prefixes",
        "keep_existing",
        "extend_existing",
        "must_exist",
        "implicit_returning",
        "schema",
        "quote",
        "quote_schema",
        "listeners",
    }
)
INDEX_OPTIONS = frozenset({"unique", "quote", "info"})
CONSTRAINT_OPTIONS = frozenset({"name", "deferrable", "initially", "info"})
FOREIGN_KEY_OPTIONS = frozenset(
    {"name", "ondelete", "onupdate", "use_alter", "deferrable", "initially", "match", "info"}
)

#: Table keywords that only mean something when reading a table from the database.
REFLECTION_KEYWORDS = frozenset(
    {"autoload_with", "autoload", "autoload_replace", "include_columns", "resolve_fks"}
)


def dialect_options(
    kind: Kind, kwargs: dict[str, Any], what: str, plain: frozenset[str]
) -> dict[str, dict[str, Any]]:
    """The ``<dialect>_<option>`` keywords left in ``kwargs``, checked (anything else raises)."""
    return take_dialect_options(kind, kwargs, what, plain)


def positional_or_keyword(positional: Any, keyword: Any, what: str, name: str) -> Any:
    if positional is not None and keyword is not None and positional != keyword:
        raise exc.ArgumentError(f"{what} got {name} twice ({positional!r} and {keyword!r})")
    return positional if positional is not None else keyword


def default_or_insert_default(kwargs: dict[str, Any], what: str) -> Any:
    """``default`` and ``insert_default`` are one option under two names."""
    default = kwargs.pop("default", None)
    insert_default = kwargs.pop("insert_default", None)
    if default is not None and insert_default is not None:
        raise exc.ArgumentError(
            f"{what} got both default= and insert_default=, which mean the same; give one"
        )
    return default if default is not None else insert_default


def comment(kwargs: dict[str, Any], what: str) -> str | None:
    value = kwargs.pop("comment", None)
    if value is not None and not isinstance(value, str):
        raise exc.ArgumentError(f"{what}: comment= takes a string, got {value!r}")
    return value


def info(kwargs: dict[str, Any], what: str) -> dict[Any, Any]:
    """The ``info`` dictionary (kept for the application; corral never reads it)."""
    value = kwargs.pop("info", None)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise exc.ArgumentError(f"{what}: info= takes a dict, got {value!r}")
    return dict(value)


def refuse_quote(kwargs: dict[str, Any], what: str) -> None:
    if kwargs.pop("quote", None) is not None:
        raise exc.ArgumentError(
            f"{what}: quote= is not supported; corral quotes a name exactly when it needs it "
            "(reserved words, capitals, other characters), so leave quote= out"
        )


def refuse_link_to_name(link_to_name: bool, what: str) -> None:
    if link_to_name:
        raise exc.ArgumentError(
            f"{what}: link_to_name=True is not supported; refer to the column by its key "
            "(the attribute name) in 'table.column'"
        )


def refuse_constraint_comment(value: str | None, what: str) -> None:
    if value is not None:
        raise exc.ArgumentError(
            f"{what}: comment= on a constraint is not supported; put the comment on the "
            "Table or Column"
        )


def initially(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in ("DEFERRED", "IMMEDIATE"):
        raise exc.ArgumentError(f"{what}: initially= takes 'DEFERRED' or 'IMMEDIATE'")
    return value.upper()


def match(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value.upper() not in ("FULL", "PARTIAL", "SIMPLE"):
        raise exc.ArgumentError(f"{what}: match= takes 'FULL', 'PARTIAL' or 'SIMPLE'")
    return value.upper()


def reuses_existing(name: str, items: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """Whether ``Table(name, metadata, ...)`` returns the table the MetaData already has."""
    keep = kwargs.get("keep_existing", False)
    extend = kwargs.get("extend_existing", False)
    if keep and extend:
        raise exc.ArgumentError(
            f"Table {name!r}: keep_existing and extend_existing exclude each other; give one"
        )
    if keep:
        return True
    others = set(kwargs) - {"extend_existing", "must_exist", "schema"}
    if not items and kwargs.get("autoload_with") is not None and others <= REFLECTION_KEYWORDS:
        return True  # the existing table; with extend_existing, reflected again into it
    if extend and (items or others):
        raise exc.ArgumentError(
            f"Table {name!r}: extend_existing=True, adding to a table this MetaData already "
            "has, is not supported yet; declare the table once with all its columns, or "
            "use keep_existing=True to reuse it as it is"
        )
    return not items and not others


@dataclass(frozen=True)
class Reflection:
    """``Table(..., autoload_with=bind)``: where to read the table and which columns."""

    bind: Any
    include_columns: tuple[str, ...] | None
    resolve_fks: bool


@dataclass(frozen=True)
class TableKeywords:
    comment: str | None
    info: dict[Any, Any]
    prefixes: tuple[str, ...]
    reflection: Reflection | None


def reflection(kwargs: dict[str, Any], what: str) -> Reflection | None:
    """Take the reflection keywords out of ``kwargs``: None when none asks to reflect."""
    bind = kwargs.pop("autoload_with", None)
    autoload = kwargs.pop("autoload", None)
    include = kwargs.pop("include_columns", None)
    resolve_fks = kwargs.pop("resolve_fks", True)
    autoload_replace = kwargs.pop("autoload_replace", True)
    if bind is None:
        given = {
            "autoload": bool(autoload),
            "include_columns": include is not None,
            "resolve_fks": resolve_fks is not True,
            "autoload_replace": autoload_replace is not True,
        }
        if any(given.values()):
            named = ", ".join(f"{key}=" for key, wanted in given.items() if wanted)
            raise exc.ArgumentError(
                f"{what}: {named} only mean something when reading the table from the "
                "database (reflection): pass autoload_with=engine (or a connection) too"
            )
        return None
    if autoload_replace is not True:
        raise exc.ArgumentError(
            f"{what}: autoload_replace=False is not supported; columns given explicitly "
            "always take the place of the reflected ones of the same name, so leave it out"
        )
    if isinstance(include, str):
        raise exc.ArgumentError(f"{what}: include_columns= takes a list of column names")
    return Reflection(bind, tuple(include) if include is not None else None, bool(resolve_fks))


def table_keywords(kwargs: dict[str, Any], what: str) -> TableKeywords:
    """Take Table's own keywords out of ``kwargs``: honoured ones returned, others refused."""
    reflect = reflection(kwargs, what)
    refuse_quote(kwargs, what)
    if kwargs.pop("listeners", None):
        raise exc.ArgumentError(
            f"{what}: listeners= is not supported; corral has no DDL events yet. Run the "
            "extra statements after metadata.create_all()"
        )
    if kwargs.pop("implicit_returning", True) is not True:
        raise exc.ArgumentError(
            f"{what}: implicit_returning=False is not supported; corral reads generated keys "
            "with RETURNING where the driver reports none, so leave it out"
        )
    if kwargs.pop("keep_existing", False) and kwargs.pop("extend_existing", False):
        raise exc.ArgumentError(
            f"{what}: keep_existing and extend_existing exclude each other; give one"
        )
    for key in ("extend_existing", "must_exist"):
        kwargs.pop(key, None)  # the rest is decided in Table.__new__ (reuses_existing)
    prefixes = kwargs.pop("prefixes", None) or ()
    if isinstance(prefixes, str) or not all(
        isinstance(p, str) and p.replace(" ", "").isalpha() for p in prefixes
    ):
        raise exc.ArgumentError(
            f"{what}: prefixes= takes a list of words, such as ['TEMPORARY'], got {prefixes!r}"
        )
    return TableKeywords(
        comment=comment(kwargs, what),
        info=info(kwargs, what),
        prefixes=tuple(prefixes),
        reflection=reflect,
    )
