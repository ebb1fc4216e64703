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

    attribute: Any  # a RelationshipAttribute, or WILDCARD for every relationship
    strategy: str
    #: ``contains_eager``: the FROM (table or alias) whose columns hold the related rows.
    alias: Any = None
    #: ``User.addresses.and_(...)``: extra conditions on the related rows.
    criteria: tuple[Any, ...] = ()
    #: ``selectinload(Node.children, recursion_depth=n)``: levels to load (-1: all).
    recursion_depth: int | None = None


@dataclass(frozen=True, slots=True)
class ColumnOption:
    """``defer`` / ``undefer`` / ``load_only`` of columns of the class at the path's end."""

    kind: str  # "defer", "undefer", "load_only", "undefer_group", "expression"
    attributes: tuple[Any, ...]
    #: ``defer(..., raiseload=True)`` / ``load_only(..., raiseload=True)``: the columns
    #: left out raise when read instead of loading.
    raiseload: bool = False
    #: ``undefer("*")``: every column of the class.
    wildcard: bool = False
    #: ``undefer_group(name)``: the deferred columns of that group.
    group: str | None = None
    #: ``with_expression(User.attr, expression)``: the SQL expression to load.
    expression: Any = None


#: The ``"*"`` of ``raiseload("*")`` / ``undefer("*")``: every relationship (or column).
WILDCARD = "*"


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
        steps = ".".join(f"{s.strategy}({_describe(s.attribute)})" for s in self.path)
        cols = ", ".join(f"{c.kind}({len(c.attributes)})" for c in self.columns)
        return f"<Load {steps}{' ' + cols if cols else ''}>"

    # -- chaining ----------------------------------------------------------------------

    def _step(
        self, attribute: Any, strategy: str, alias: Any = None, recursion_depth: int | None = None
    ) -> Load:
        if self.columns:
            raise exc.ArgumentError(
                f"{self!r}: column options (defer, undefer, load_only) end a loader path; "
                "start a new option for another relationship"
            )
        if self.path and _is_wildcard(self.path[-1].attribute):
            raise exc.ArgumentError(
                f"{self!r}: a '*' option applies to every relationship and ends its path; "
                "start a new option for another relationship"
            )
        if _is_wildcard(attribute):
            if strategy == "contains_eager":
                raise exc.ArgumentError(
                    "contains_eager('*') is not supported: name the relationship the query "
                    "joined, e.g. contains_eager(User.addresses)"
                )
            return Load(self.root, (*self.path, PathStep(WILDCARD, strategy, alias)))
        rel = _relationship_of(attribute, strategy)
        criteria = tuple(getattr(attribute, "criteria", ()))
        target = getattr(attribute, "target_entity", None)
        if strategy == "contains_eager" and alias is None and target is not rel.mapper.class_:
            alias = target  # contains_eager(User.addresses.of_type(a)): the rows are a's
        expected = self._end_class()
        if expected is not None and not issubclass(expected, rel.parent.class_):
            raise exc.ArgumentError(
                f"{strategy}({attribute.describe()}) cannot follow the path to "
                f"{expected.__name__}: {attribute.describe()} belongs to "
                f"{rel.parent.class_.__name__}"
            )
        if recursion_depth is not None:
            _check_recursion(rel, recursion_depth)
        root = self.root if self.root is not None else rel.parent.class_
        step = PathStep(attribute, strategy, alias, criteria, recursion_depth)
        return Load(root, (*self.path, step))

    def _end_class(self) -> type | None:
        if self.path and _is_wildcard(self.path[-1].attribute):
            return None
        if self.path:
            rel = self.path[-1].attribute.prop
            cls: type = rel.mapper.class_
            return cls
        return self.root

    def _column_option(
        self,
        kind: str,
        attributes: Sequence[Any],
        *,
        raiseload: bool = False,
        group: str | None = None,
        expression: Any = None,
    ) -> Load:
        if self.path and _is_wildcard(self.path[-1].attribute):
            raise exc.ArgumentError(
                f"{kind}() cannot follow a '*' relationship option; start a new option"
            )
        if kind == "undefer" and any(_is_wildcard(a) for a in attributes):
            if len(attributes) != 1:
                raise exc.ArgumentError("undefer('*') takes no other attributes")
            option = ColumnOption(kind, (), wildcard=True)
            return Load(self.root, self.path, (*self.columns, option))
        end = self._end_class()
        for attribute in attributes:
            owner = getattr(attribute, "class_", None)
            if getattr(attribute, "column", None) is None or owner is None:
                raise exc.ArgumentError(
                    f"{kind}() takes column attributes such as User.name, got {_named(attribute)}"
                )
            if end is not None and not issubclass(owner, end) and not issubclass(end, owner):
                raise exc.ArgumentError(
                    f"{kind}({attribute.describe()}): the option's path ends at {end.__name__}"
                )
        root = self.root
        if root is None and attributes:
            root = attributes[0].class_
        option = ColumnOption(
            kind, tuple(attributes), raiseload=raiseload, group=group, expression=expression
        )
        return Load(root, self.path, (*self.columns, option))

    def selectinload(self, attribute: Any, *, recursion_depth: int | None = None) -> Load:
        return self._step(attribute, "selectin", recursion_depth=recursion_depth)

    def joinedload(self, attribute: Any, *, innerjoin: bool = False) -> Load:
        return self._step(attribute, "joined_inner" if innerjoin else "joined")

    def subqueryload(self, attribute: Any) -> Load:
        return self._step(attribute, "subquery")

    def lazyload(self, attribute: Any) -> Load:
        return self._step(attribute, "select")

    def immediateload(self, attribute: Any, *, recursion_depth: int | None = None) -> Load:
        return self._step(attribute, "immediate", recursion_depth=recursion_depth)

    def raiseload(self, attribute: Any, *, sql_only: bool = False) -> Load:
        return self._step(attribute, "raise_on_sql" if sql_only else "raise")

    def noload(self, attribute: Any) -> Load:
        return self._step(attribute, "noload")

    def defaultload(self, attribute: Any) -> Load:
        return self._step(attribute, DEFAULT)

    def contains_eager(self, attribute: Any, alias: Any = None) -> Load:
        return self._step(attribute, "contains_eager", alias)

    def defer(self, *attributes: Any, raiseload: bool = False) -> Load:
        return self._column_option("defer", attributes, raiseload=raiseload)

    def undefer(self, *attributes: Any) -> Load:
        return self._column_option("undefer", attributes)

    def load_only(self, *attributes: Any, raiseload: bool = False) -> Load:
        return self._column_option("load_only", attributes, raiseload=raiseload)

    def selectin_polymorphic(self, classes: Sequence[Any]) -> Load:
        """Load the columns of these subclasses of the path's end class with a second
        SELECT (by primary key) for the objects of each, after the query."""
        end = self._end_class()
        for cls in classes:
            mapper = getattr(cls, "__mapper__", None)
            if mapper is None or (end is not None and not issubclass(cls, end)):
                raise exc.ArgumentError(
                    f"selectin_polymorphic() takes mapped subclasses of "
                    f"{getattr(end, '__name__', '?')}, got {_named(cls)}"
                )
        option = ColumnOption("selectin_polymorphic", tuple(classes))
        return Load(self.root, self.path, (*self.columns, option))

    def options(self, *options: Load) -> Load:
        """Options continuing from this option's end class: ``selectinload(A.bs).options(
        selectinload(B.cs), defer(B.x))``."""
        end = self._end_class()
        parts: list[Load] = [self]
        for option in options:
            if not isinstance(option, Load):
                raise exc.ArgumentError(f"Load.options() takes loader options, got {option!r}")
            root = option.root
            if (
                root is not None
                and end is not None
                and not (issubclass(root, end) or issubclass(end, root))
            ):
                raise exc.ArgumentError(
                    f"Load.options(): {option!r} starts at {root.__name__}, not at "
                    f"{end.__name__} where this option's path ends"
                )
            for part in option.parts():
                parts.append(Load(self.root, (*self.path, *part.path), part.columns))
        return LoadGroup(parts)

    def parts(self) -> tuple[Load, ...]:
        """The single options this one stands for (itself, or those ``options()`` joined)."""
        return (self,)

    def undefer_group(self, name: str) -> Load:
        if not isinstance(name, str):
            raise exc.ArgumentError(f"undefer_group() takes a group name, got {name!r}")
        option = ColumnOption("undefer_group", (), group=name)
        return Load(self.root, self.path, (*self.columns, option))

    def with_expression(self, attribute: Any, expression: Any) -> Load:
        from corral.orm.mapping.query_expression import QueryExpressionAttribute

        if not isinstance(attribute, QueryExpressionAttribute):
            raise exc.ArgumentError(
                f"with_expression() takes an attribute mapped with query_expression(), got "
                f"{_named(attribute)}; declare it as attr: Mapped[T] = query_expression()"
            )
        element = getattr(expression, "__clause_element__", None)
        expression = element() if element is not None else expression
        if not hasattr(expression, "_compile_for") and not hasattr(expression, "type"):
            raise exc.ArgumentError(
                f"with_expression({attribute.describe()}, ...) takes a SQL expression, got "
                f"{expression!r}"
            )
        end = self._end_class()
        owner = attribute.class_
        if end is not None and not issubclass(owner, end) and not issubclass(end, owner):
            raise exc.ArgumentError(
                f"with_expression({attribute.describe()}): the option's path ends at {end.__name__}"
            )
        root = self.root if self.root is not None else owner
        option = ColumnOption("expression", (attribute,), expression=expression)
        return Load(root, self.path, (*self.columns, option))


class LoadGroup(Load):
    """Options made by ``Load.options()``: applied one after the other."""

    __slots__ = ("members",)

    def __init__(self, members: list[Load]) -> None:
        first = members[0]
        super().__init__(first.root, first.path, first.columns)
        self.members = tuple(members)

    def parts(self) -> tuple[Load, ...]:
        return self.members


def _check_recursion(rel: Any, depth: Any) -> None:
    if isinstance(depth, bool) or not isinstance(depth, int) or depth == 0 or depth < -1:
        raise exc.ArgumentError(
            f"selectinload({rel.describe()}, recursion_depth={depth!r}): give the number of "
            "levels to load, or -1 for every level"
        )
    if rel.mapper is not rel.parent:
        raise exc.ArgumentError(
            f"selectinload({rel.describe()}, recursion_depth=...) is for a relationship from a "
            f"class to itself; {rel.describe()} leads to {rel.mapper.class_.__name__}"
        )


def _named(value: Any) -> str:
    """An attribute's ``Class.attr`` name for a message; anything else's repr."""
    owner, key = getattr(value, "class_", None), getattr(value, "key", None)
    if isinstance(owner, type) and isinstance(key, str) and not isinstance(value, type):
        return f"{owner.__name__}.{key}"
    return repr(value)


def _is_wildcard(attribute: Any) -> bool:
    return isinstance(attribute, str) and attribute == WILDCARD


def _describe(attribute: Any) -> str:
    return "'*'" if _is_wildcard(attribute) else str(attribute.describe())


def _relationship_of(attribute: Any, strategy: str) -> Any:
    from corral.orm.relationships.attribute import RelationshipAttribute
    from corral.orm.relationships.expressions import RelationshipPath

    target = attribute
    if not isinstance(target, RelationshipAttribute | RelationshipPath):
        raise exc.ArgumentError(
            f"{_option_name(strategy)}() takes a relationship attribute such as User.addresses, "
            f"got {_named(attribute)}"
        )
    return target.prop


def _option_name(strategy: str) -> str:
    return {
        "selectin": "selectinload",
        "joined": "joinedload",
        "joined_inner": "joinedload",
        "subquery": "subqueryload",
        "immediate": "immediateload",
        "select": "lazyload",
        "raise": "raiseload",
        "raise_on_sql": "raiseload",
        "noload": "noload",
        DEFAULT: "defaultload",
        "contains_eager": "contains_eager",
    }.get(strategy, strategy)


def selectinload(attribute: Any, *, recursion_depth: int | None = None) -> Load:
    """Load the relationship for all parents with one more SELECT ... WHERE key IN (...)."""
    return Load(None).selectinload(attribute, recursion_depth=recursion_depth)


def joinedload(attribute: Any, *, innerjoin: bool = False) -> Load:
    """Load the relationship in the same SELECT, through a LEFT OUTER JOIN (or INNER)."""
    return Load(None).joinedload(attribute, innerjoin=innerjoin)


def subqueryload(attribute: Any) -> Load:
    """Load the relationship with one more SELECT joined to the original query as a subquery."""
    return Load(None).subqueryload(attribute)


def lazyload(attribute: Any) -> Load:
    """Load the relationship on first access (one SELECT per parent)."""
    return Load(None).lazyload(attribute)


def immediateload(attribute: Any, *, recursion_depth: int | None = None) -> Load:
    """Load the relationship right after its parents are loaded, by the lazy SELECT, one
    per parent (none for a many-to-one target already in the session)."""
    return Load(None).immediateload(attribute, recursion_depth=recursion_depth)


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


def defer(*attributes: Any, raiseload: bool = False) -> Load:
    """Leave these columns out of the SELECT; they load on first access
    (``raiseload=True``: reading them raises instead)."""
    return Load(None).defer(*attributes, raiseload=raiseload)


def undefer(*attributes: Any) -> Load:
    """Load these deferred columns with the rest."""
    return Load(None).undefer(*attributes)


def load_only(*attributes: Any, raiseload: bool = False) -> Load:
    """Load only these columns (and the primary key); the others are deferred
    (``raiseload=True``: reading them raises instead of loading)."""
    return Load(None).load_only(*attributes, raiseload=raiseload)


def undefer_group(name: str) -> Load:
    """Load the deferred columns of group ``name`` with the rest, for every selected class."""
    return Load(None).undefer_group(name)


def selectin_polymorphic(base: Any, classes: Sequence[Any]) -> Load:
    """Load the columns of the subclasses ``classes`` of ``base`` with one SELECT per
    subclass after the query, for the objects of that subclass it returned."""
    if getattr(base, "__mapper__", None) is None:
        raise exc.ArgumentError(f"selectin_polymorphic() takes a mapped class first, got {base!r}")
    return Load(base).selectin_polymorphic(classes)


def with_expression(attribute: Any, expression: Any) -> Load:
    """Load ``expression`` into the ``query_expression()`` attribute ``attribute``."""
    return Load(None).with_expression(attribute, expression)


__all__ = [
    "Load",
    "LoadGroup",
    "contains_eager",
    "defaultload",
    "defer",
    "immediateload",
    "joinedload",
    "lazyload",
    "load_only",
    "noload",
    "raiseload",
    "selectin_polymorphic",
    "selectinload",
    "subqueryload",
    "undefer",
    "undefer_group",
    "with_expression",
]
