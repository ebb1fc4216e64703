"""``aliased(Node)``: a mapped class under another name, for self-joins and second joins.

An ``AliasedClass`` selects and loads objects of its class from an alias of the
class's table (``node AS child``); its attributes are the alias's columns and
the class's relationships starting from the alias.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any, Generic, TypeVar

from corral import exc
from corral.orm.mapping.attribute_join import AttributeJoin
from corral.orm.mapping.mapper import Mapper
from corral.sql.elements import BindParameter, ClauseElement, ColumnElement, next_serial
from corral.sql.from_clause import (
    Alias,
    ColumnCollection,
    FromClause,
    corresponding_column,
)

T = TypeVar("T")


class EntityAlias(Alias):
    """An alias of a mapped table; an anonymous one is told apart from its siblings by serial.

    Two unnamed aliases of one table would otherwise share a cache key, so a
    statement comparing ``a.c.id == b.c.id`` could reuse the SQL of ``a.c.id == a.c.id``.
    """

    visit_name = "alias"

    def __init__(self, table: FromClause, name: str | None) -> None:
        self._serial = next_serial()
        super().__init__(table, name)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        serial = self._serial if self.name is None else None
        return ("entity_alias", self.name, serial, self.element._key(binds))


class EntityView(FromClause):
    """A subquery or CTE seen as a mapped class's table: ``aliased(User, subquery)``.

    Its columns are the selectable's, keyed and ordered as the class's table, so the
    class's objects load from it; it compiles as the selectable itself and stands for
    it in a FROM list.
    """

    visit_name = "entity_view"

    def __init__(self, mapper: Mapper, selectable: FromClause, adapt_on_names: bool) -> None:
        self.selectable = selectable
        self.name = selectable.name
        self._table = mapper.table
        self._columns = ColumnCollection(
            f"aliased({mapper.class_.__name__}, {selectable.describe()})"
        )
        found_keys = []
        for key, column in mapper.columns_by_key.items():
            found = corresponding_column(selectable, column)
            if found is None and adapt_on_names:
                found = selectable.columns.get(column.name)
            if found is not None:
                self._columns.add(mapper.selected_key(column), found)
                found_keys.append(key)
        missing = [k for k in mapper.primary_key_attrs if k not in found_keys]
        if missing:
            hint = "" if adapt_on_names else ", or pass adapt_on_names=True to match by name"
            raise exc.ArgumentError(
                f"aliased({mapper.class_.__name__}, {selectable.describe()}): the selectable has "
                f"no column for the primary key {', '.join(missing)} of {mapper.class_.__name__},"
                f" which identifies each object; select it in the subquery{hint}"
            )
        #: The attributes loaded from the selectable when it lacks some (the others load
        #: when first read, as deferred columns do); None when it has them all.
        self.partial_keys: tuple[str, ...] | None = (
            None if len(found_keys) == len(mapper.columns_by_key) else tuple(found_keys)
        )

    @property
    def columns(self) -> ColumnCollection:
        return self._columns

    def describe(self) -> str:
        return self.selectable.describe()

    def _from_objects(self) -> list[FromClause]:
        return [self.selectable]

    def _covers(self) -> list[FromClause]:
        return [self, *self.selectable._covers()]

    def _underlying(self) -> FromClause:
        return self._table

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("entity_view", self.selectable._key(binds), tuple(self._columns.keys()))


class AliasedAttribute(ColumnElement[Any]):
    """``child.name``: a column of the alias, usable wherever ``Node.name`` is."""

    def __init__(self, entity: AliasedClass[Any], key: str, column: ColumnElement[Any]) -> None:
        self.entity = entity
        self.key = key
        self.column = column
        self.type = column.type
        self._selected_through = entity

    def __clause_element__(self) -> ColumnElement[Any]:
        return self.column

    def describe(self) -> str:
        return f"{self.entity._describe()}.{self.key}"

    @property
    def expressions(self) -> list[ColumnElement[Any]]:
        """The alias's column for the attribute (``InstrumentedAttribute.expressions``)."""
        mapped = self.entity.__mapper__.column_attrs[str(self.key)].columns
        if len(mapped) > 1:
            raise exc.InvalidRequestError(
                f"{self.describe()} maps {len(mapped)} columns of a join, and an alias of the "
                "class keeps one column per attribute: group or order by the columns of the "
                "aliased tables themselves"
            )
        return [self.column]

    def __repr__(self) -> str:
        return f"<AliasedAttribute {self.describe()}>"

    def __str__(self) -> str:  # as SQLAlchemy's, which leaves out the alias's name
        return f"aliased({self.entity._class.__name__}).{self.key}"


class AliasedClass(Generic[T]):
    """A mapped class read from an alias of its table: ``select(aliased(Node))`` loads Nodes."""

    def __init__(
        self,
        cls: type[T],
        name: str | None = None,
        selectable: FromClause | None = None,
        adapt_on_names: bool = False,
    ) -> None:
        mapper = getattr(cls, "__mapper__", None)
        if not isinstance(mapper, Mapper):
            raise exc.ArgumentError(
                f"aliased() takes a mapped class (one declared on a DeclarativeBase), got {cls!r}"
            )
        self.__mapper__ = mapper
        # Over a subquery or CTE the name keys the entity in result rows (row.name); the
        # selectable keeps its own name in SQL.
        self.__table__: FromClause
        if selectable is not None:
            self.__table__ = EntityView(mapper, selectable, adapt_on_names)
        elif isinstance(mapper.table, AttributeJoin):
            # A joined subclass's tables, each aliased (``dept AS dept_1 JOIN lab AS lab_1``):
            # SQL cannot alias a join itself. SQLAlchemy's flat=True; its default, a subquery
            # of the join, reads the same rows.
            self.__table__ = mapper.table.alias(name)
        else:
            self.__table__ = EntityAlias(mapper.table, name)
        # Underscored: every plain name may be a mapped attribute of the class.
        self._class = cls
        self._name = name

    def _describe(self) -> str:
        return f"aliased({self._class.__name__}{', ' + repr(self._name) if self._name else ''})"

    def __repr__(self) -> str:  # as SQLAlchemy's, which programs print
        return f"<AliasedClass at {id(self):#x}; {self._class.__name__}>"

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        mapper: Mapper = self.__dict__["__mapper__"]
        column = mapper.columns_by_key.get(key)
        if column is not None:
            attribute: Any = AliasedAttribute(
                self, key, mapper.selected_column(self.__table__, column)
            )
        else:
            from corral.orm.mapping.properties import configure_mappers

            configure_mappers()
            rel = mapper.relationships.get(key)
            if rel is None:
                names = [*mapper.columns_by_key, *mapper.relationships]
                raise AttributeError(
                    f"{self._describe()} has no attribute {key!r}; its mapped attributes are "
                    f"{', '.join(names)}"
                )
            attribute = rel.path_from(self.__table__)
        self.__dict__[key] = attribute
        return attribute


def aliased(
    element: type[T],
    alias: Any = None,
    name: str | None = None,
    flat: bool = False,
    adapt_on_names: bool = False,
) -> AliasedClass[T]:
    """The mapped class ``element`` under an alias of its table (named ``name``, else
    anonymous), or read from ``alias``: a subquery, CTE or table alias whose columns
    select the class's columns (matched by name too with ``adapt_on_names``)."""
    given: Any = element
    if isinstance(given, AliasedClass):
        element = given._class
    elif isinstance(given, ClauseElement):
        raise exc.ArgumentError(
            f"aliased() takes a mapped class; for a table or select use .alias(), got {element!r}"
        )
    if alias is None:
        if adapt_on_names:
            raise exc.ArgumentError(
                "aliased(..., adapt_on_names=True) matches the columns of a subquery or CTE by "
                "name; pass that selectable as the second argument"
            )
        return AliasedClass(element, name)  # a joined subclass is always aliased flat
    if isinstance(alias, str):
        raise exc.ArgumentError(
            f"aliased({getattr(element, '__name__', element)}, {alias!r}): the second argument "
            f"is a subquery or CTE; to name the alias write name={alias!r}"
        )
    selectable = (
        alias.subquery()
        if hasattr(alias, "subquery") and not isinstance(alias, FromClause)
        else alias
    )
    if not isinstance(selectable, FromClause):
        raise exc.ArgumentError(
            f"aliased(): the second argument is a subquery, CTE or table alias, got {alias!r}"
        )
    return AliasedClass(element, name, selectable, adapt_on_names)
