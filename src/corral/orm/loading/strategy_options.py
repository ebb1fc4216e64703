"""Loader options: ``select(User).options(selectinload(User.orders).selectinload(Order.lines))``.

An option is a path of relationships from a queried class, each step with the
strategy that loads it, and optionally column options (``defer``, ``undefer``,
``load_only``) for the class at the end of the path. ``defaultload`` walks a
step without changing how it loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from corral import exc

#: Strategy names of the option functions (``defaultload`` keeps the mapping's own).
DEFAULT = "default"


@dataclass(frozen=True, slots=True)
class PathStep:
    """One relationship on an option's path and how to load it."""

    attribute: Any  # a RelationshipAttribute
    strategy: str
    #: ``contains_eager``: the FROM (table or alias) whose columns hold the related rows.
    alias: Any = None


@dataclass(frozen=True, slots=True)
class ColumnOption:
    """``defer`` / ``undefer`` / ``load_only`` of columns of the class at the path's end."""

    kind: str  # "defer", "undefer", "load_only", "raiseload"
    attributes: tuple[Any, ...]


class Load:
    """A loader option. Built by ``selectinload()`` and friends; chain them to go deeper."""

    __slots__ = ("columns", "path", "root")

    def __init__(
        self,
        root: type | None,
        path: tuple[PathStep, ...] = (),
        columns: tuple[ColumnOption, ...] = (),
    ) -> None:
        #: The class the path starts from.
        self.root = root
        self.path = path
        self.columns = columns

    def __repr__(self) -> str:
        steps = ".".join(f"{s.strategy}({s.attribute.describe()})" for s in self.path)
        cols = ", ".join(f"{c.kind}({len(c.attributes)})" for c in self.columns)
        return f"<Load {steps}{' ' + cols if cols else ''}>"

    # -- chaining ----------------------------------------------------------------------

    def _step(self, attribute: Any, strategy: str, alias: Any = None) -> Load:
        if self.columns:
            raise exc.ArgumentError(
                f"{self!r}: column options (defer, undefer, load_only) end a loader path; "
                "start a new option for another relationship"
            )
        rel = _relationship_of(attribute, strategy)
        expected = self._end_class()
        if expected is not None and not issubclass(expected, rel.parent.class_):
            raise exc.ArgumentError(
                f"{strategy}({attribute.describe()}) cannot follow the path to "
                f"{expected.__name__}: {attribute.describe()} belongs to "
                f"{rel.parent.class_.__name__}"
            )
        root = self.root if self.root is not None else rel.parent.class_
        return Load(root, (*self.path, PathStep(attribute, strategy, alias)))

    def _end_class(self) -> type | None:
        if self.path:
            rel = self.path[-1].attribute.prop
            cls: type = rel.mapper.class_
            return cls
        return self.root

    def _column_option(self, kind: str, attributes: Sequence[Any]) -> Load:
        end = self._end_class()
        for attribute in attributes:
            owner = getattr(attribute, "class_", None)
            if getattr(attribute, "column", None) is None or owner is None:
                raise exc.ArgumentError(
                    f"{kind}() takes column attributes such as User.name, got {attribute!r}"
                )
            if end is not None and not issubclass(owner, end) and not issubclass(end, owner):
                raise exc.ArgumentError(
                    f"{kind}({attribute.describe()}): the option's path ends at {end.__name__}"
                )
        root = self.root
        if root is None and attributes:
            root = attributes[0].class_
        return Load(root, self.path, (*self.columns, ColumnOption(kind, tuple(attributes))))

    def selectinload(self, attribute: Any) -> Load:
        return self._step(attribute, "selectin")

    def joinedload(self, attribute: Any, *, innerjoin: bool = False) -> Load:
        return self._step(attribute, "joined_inner" if innerjoin else "joined")

    def subqueryload(self, attribute: Any) -> Load:
        return self._step(attribute, "subquery")

    def lazyload(self, attribute: Any) -> Load:
        return self._step(attribute, "select")

    def raiseload(self, attribute: Any, *, sql_only: bool = False) -> Load:
        return self._step(attribute, "raise_on_sql" if sql_only else "raise")

    def noload(self, attribute: Any) -> Load:
        return self._step(attribute, "noload")

    def defaultload(self, attribute: Any) -> Load:
        return self._step(attribute, DEFAULT)

    def contains_eager(self, attribute: Any, alias: Any = None) -> Load:
        return self._step(attribute, "contains_eager", alias)

    def defer(self, *attributes: Any) -> Load:
        return self._column_option("defer", attributes)

    def undefer(self, *attributes: Any) -> Load:
        return self._column_option("undefer", attributes)

    def load_only(self, *attributes: Any) -> Load:
        return self._column_option("load_only", attributes)


def _relationship_of(attribute: Any, strategy: str) -> Any:
    from corral.orm.relationships.attribute import RelationshipAttribute

    target = getattr(attribute, "_of_type_attribute", attribute)
    if not isinstance(target, RelationshipAttribute):
        raise exc.ArgumentError(
            f"{_option_name(strategy)}() takes a relationship attribute such as User.addresses, "
            f"got {attribute!r}"
        )
    return target.prop


def _option_name(strategy: str) -> str:
    return {
        "selectin": "selectinload",
        "joined": "joinedload",
        "joined_inner": "joinedload",
        "subquery": "subqueryload",
        "select": "lazyload",
        "raise": "raiseload",
        "raise_on_sql": "raiseload",
        "noload": "noload",
        DEFAULT: "defaultload",
        "contains_eager": "contains_eager",
    }.get(strategy, strategy)


def selectinload(attribute: Any) -> Load:
    """Load the relationship for all parents with one more SELECT ... WHERE key IN (...)."""
    return Load(None).selectinload(attribute)


def joinedload(attribute: Any, *, innerjoin: bool = False) -> Load:
    """Load the relationship in the same SELECT, through a LEFT OUTER JOIN (or INNER)."""
    return Load(None).joinedload(attribute, innerjoin=innerjoin)


def subqueryload(attribute: Any) -> Load:
    """Load the relationship with one more SELECT joined to the original query as a subquery."""
    return Load(None).subqueryload(attribute)


def lazyload(attribute: Any) -> Load:
    """Load the relationship on first access (one SELECT per parent)."""
    return Load(None).lazyload(attribute)


def raiseload(attribute: Any, *, sql_only: bool = False) -> Load:
    """Refuse to lazy-load the relationship (``sql_only``: only when it would emit SQL)."""
    return Load(None).raiseload(attribute, sql_only=sql_only)


def noload(attribute: Any) -> Load:
    """Never load the relationship: it reads as empty (or None)."""
    return Load(None).noload(attribute)


def defaultload(attribute: Any) -> Load:
    """Walk to a relationship without changing its strategy, to set options further along."""
    return Load(None).defaultload(attribute)


def contains_eager(attribute: Any, alias: Any = None) -> Load:
    """The relationship's rows are already in the query (joined by it): populate from them."""
    return Load(None).contains_eager(attribute, alias)


def defer(*attributes: Any) -> Load:
    """Leave these columns out of the SELECT; they load on first access."""
    return Load(None).defer(*attributes)


def undefer(*attributes: Any) -> Load:
    """Load these deferred columns with the rest."""
    return Load(None).undefer(*attributes)


def load_only(*attributes: Any) -> Load:
    """Load only these columns (and the primary key); the others are deferred."""
    return Load(None).load_only(*attributes)


__all__ = [
    "Load",
    "contains_eager",
    "defaultload",
    "defer",
    "joinedload",
    "lazyload",
    "load_only",
    "noload",
    "raiseload",
    "selectinload",
    "subqueryload",
    "undefer",
]
