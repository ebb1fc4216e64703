"""``with_polymorphic(Employee, [Manager, Engineer])``: the base class loaded with the
columns of some subclasses in the same SELECT.

For joined-table classes the subclasses' tables are LEFT OUTER JOINed to the
base's (a row of another class has NULLs there); for single-table classes the
columns are already in the base's table. The entity's attributes are the base
class's (``poly.name``), and each subclass is reached by its name
(``poly.Manager.manager_name``) for criteria on its columns. With ``aliased=True``
the tables are aliased (``flat=True``) or enclosed in a subquery.

A mapping may ask for it on every query of a class (``with_polymorphic`` in its
``__mapper_args__``, ``polymorphic_load="inline"`` on a joined subclass): then
``select(cls)`` itself reads that outer join (``polymorphic_selectable``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from corral import exc
from corral.orm.mapping.aliased import AliasedAttribute, EntityAlias, EntityView
from corral.orm.mapping.inheritance import InheritanceJoin, _fk_target, view_for
from corral.orm.mapping.mapper import Mapper
from corral.sql.conditions import and_
from corral.sql.elements import BindParameter, ColumnElement
from corral.sql.from_clause import ColumnCollection, FromClause, Join, origin_column
from corral.sql.schema import Column, Table

#: Joins an attribute name and its class's name in a row key when two subclasses each have
#: their own column under that name (``status@Manager``); loading gives it to that class.
OWNED = "@"


class WithPolymorphic:
    """The base class of a hierarchy, selected with the columns of the chosen subclasses."""

    def __init__(self, base: type, classes: list[type], selectable: FromClause) -> None:
        mapper: Mapper = base.__mapper__  # type: ignore[attr-defined]
        self.__mapper__ = mapper
        self.__table__ = selectable
        self._class = base
        self._classes = classes
        self._name: str | None = None
        #: The column attributes its rows hold: the base's, then the subclasses'.
        self._polymorphic_keys: tuple[str, ...] = ()
        #: ``aliased=True``: row key -> the aliased column (attributes read these).
        self._aliased_columns: dict[str, Any] | None = None

    def _describe(self) -> str:
        return f"with_polymorphic({self._class.__name__})"

    def __repr__(self) -> str:  # as SQLAlchemy's, which programs print
        return f"<AliasedClass at {id(self):#x}; {self._class.__name__}>"

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        aliased_columns = self.__dict__.get("_aliased_columns")
        for cls in self.__dict__["_classes"]:
            if cls.__name__ == key:
                return cls if aliased_columns is None else _AliasedSubclass(self, cls)
        if aliased_columns is not None:
            return self._aliased_attribute(key, self.__dict__["_class"])
        return getattr(self.__dict__["_class"], key)

    def _aliased_attribute(self, key: str, cls: type) -> Any:
        columns = self.__dict__["_aliased_columns"]
        column = columns.get(f"{key}{OWNED}{cls.__name__}", columns.get(key))
        if column is None or key not in cls.__mapper__.columns_by_key:  # type: ignore[attr-defined]
            raise AttributeError(
                f"{self._describe()} has no column attribute {key!r} of {cls.__name__} "
                "(relationships of an aliased with_polymorphic() are not supported yet)"
            )
        if isinstance(self.__dict__["__table__"], PolymorphicSubquery):
            return SubqueryAttribute(self, key, column)  # type: ignore[arg-type]
        return AliasedAttribute(self, key, column)  # type: ignore[arg-type]


class SubqueryAttribute(AliasedAttribute):
    """An attribute of a non-flat aliased ``with_polymorphic()``: a value compared with it
    is numbered after the subquery's column (``:employee_name_1``), as SQLAlchemy's is."""

    def _operand(self, op: Any, other: object) -> ColumnElement[Any]:
        operand = super()._operand(op, other)
        if isinstance(operand, BindParameter) and operand.display_name == self.key:
            operand.display_name = self.column.key
        return operand


class _AliasedSubclass:
    """``poly.Manager`` of an aliased with_polymorphic(): Manager's columns on the aliases."""

    def __init__(self, entity: WithPolymorphic, cls: type) -> None:
        self._entity = entity
        self._cls = cls

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return self._entity._aliased_attribute(key, self._cls)


def with_polymorphic(
    base: Any,
    classes: Sequence[Any] | str,
    selectable: Any = False,
    flat: bool = False,
    polymorphic_on: Any = None,
    aliased: bool = False,
    innerjoin: bool = False,
    adapt_on_names: bool = False,
    name: str | None = None,
) -> Any:
    """``base`` selected with the columns of ``classes`` (``"*"``: every subclass)."""
    mapper = getattr(base, "__mapper__", None)
    info = mapper.inheritance if isinstance(mapper, Mapper) else None
    if info is None or not isinstance(mapper, Mapper):
        raise exc.ArgumentError(
            f"with_polymorphic() takes the base class of a mapped inheritance hierarchy, "
            f"got {base!r}"
        )
    refused = {
        "selectable": selectable is not False and selectable is not None,
        "polymorphic_on": polymorphic_on is not None,
        "innerjoin": innerjoin,
        "adapt_on_names": adapt_on_names,
        "name": name is not None,
    }
    base_mapper: Mapper = mapper
    for option, given in refused.items():
        if given:
            raise exc.ArgumentError(
                f"with_polymorphic({option}=...) is not supported by corral yet; select the "
                "base class and load subclass columns with selectin_polymorphic(), or use "
                "with_polymorphic() without it"
            )
    below = info.descendants()
    if classes == "*":
        chosen = below
    elif isinstance(classes, str):
        raise exc.ArgumentError(
            f"with_polymorphic() takes a list of classes or '*', got {classes!r}"
        )
    else:
        chosen = []
        for cls in classes:
            sub = getattr(cls, "__mapper__", None)
            if sub is base_mapper:
                continue
            if sub not in below:
                raise exc.ArgumentError(
                    f"with_polymorphic({base.__name__}, ...): {cls!r} is not a mapped subclass "
                    f"of {base.__name__}"
                )
            chosen.append(sub)
        # A class in the list brings the classes between it and the base.
        for sub in list(chosen):
            above = sub.inheritance.parent if sub.inheritance else None
            while above is not None and above is not base_mapper and above not in chosen:
                chosen.append(above)
                above = above.inheritance.parent if above.inheritance else None
        chosen.sort(key=below.index)
    if aliased and not info.concrete_base:
        joined = [sub for sub in chosen if sub.local_table is not base_mapper.local_table]
        if flat or not joined:  # (a single table is aliased as it is: no join to enclose)
            return _aliased(base, base_mapper, chosen)
        return _enclosed(base, base_mapper, chosen)
    if info.concrete_base:  # the UNION of every class's table already holds them all
        entity = WithPolymorphic(base, [m.class_ for m in chosen], base_mapper.table)
        entity._polymorphic_keys = info.union_keys
        return entity
    columns: dict[str, Column] = dict(base_mapper.columns_by_key)
    selectable_from: FromClause = base_mapper.table
    last: InheritanceJoin | None = None
    for sub in chosen:
        # A joined class's own table, in its order: its key column too (``manager.id``,
        # under ``id@Manager``), as SQLAlchemy selects it.
        own = view_for(sub, sub.local_table.name)
        source = own.columns_by_key if own is not None and own is not sub else {}
        for key, column in [*source.items(), *sub.columns_by_key.items()]:
            taken = columns.get(key)
            if taken is None:
                columns[key] = column
            elif taken is not column:  # siblings' own columns of one name: told apart
                columns[f"{key}{OWNED}{sub.class_.__name__}"] = column
        local = sub.local_table
        if all(view.table is not local for view in base_mapper.flush_views) and not any(
            local is c.local_table for c in chosen[: chosen.index(sub)]
        ):
            assert isinstance(sub.table, InheritanceJoin)
            last = InheritanceJoin(selectable_from, local, sub.table.onclause, {}, isouter=True)
            selectable_from = last
    if last is not None:  # the outermost join exposes every chosen class's columns
        selectable_from = InheritanceJoin(
            last.left, last.local_table, last.onclause, columns, isouter=True
        )
    entity = WithPolymorphic(base, [m.class_ for m in chosen], selectable_from)
    loaded = _loaded(base_mapper, chosen)
    entity._polymorphic_keys = tuple(k for k in columns if k in loaded)
    return entity


def _aliased(base: type, mapper: Mapper, chosen: list[Mapper]) -> WithPolymorphic:
    """``with_polymorphic(..., aliased=True)``: every table of the hierarchy aliased (as
    ``flat=True`` does), so the entity can be joined to the same tables again."""
    aliases: dict[int, FromClause] = {}

    def alias_of(table: Any) -> FromClause:
        found = aliases.get(id(table))
        if found is None:
            found = aliases[id(table)] = EntityAlias(table, None)
        return found

    base_table = mapper.local_table
    selectable: FromClause = alias_of(base_table)
    last: tuple[FromClause, Any, Any] | None = None
    for sub in chosen:
        local = sub.local_table
        if local is base_table or id(local) in aliases:
            continue  # single-table: its columns are in a table already joined
        pairs = []
        for fk in local.foreign_keys:
            for table_id in list(aliases):
                parent_alias = aliases[table_id]
                element = getattr(parent_alias, "element", None)
                if isinstance(element, Table):
                    target = _fk_target(fk, element)
                    referring = fk.parent
                    if target is not None and referring is not None:
                        pairs.append((parent_alias.columns[target.key], referring.key))
        if not pairs:
            raise exc.ArgumentError(
                f"with_polymorphic(..., aliased=True): cannot join {local.name!r} to the tables "
                "above it by foreign key (an inherit_condition cannot be aliased by corral yet)"
            )
        right = alias_of(local)
        on = and_(*(left_col == right.columns[key] for left_col, key in pairs))
        last = (selectable, right, on)
        selectable = Join(selectable, right, on, isouter=True)
    columns: dict[str, Any] = {}
    for owner in [mapper, *chosen]:
        for key, column in owner.columns_by_key.items():
            aliased_column = alias_of(column.table).columns[column.key]
            taken = columns.get(key)
            if taken is None:
                columns[key] = aliased_column
            elif taken is not aliased_column:
                columns[f"{key}{OWNED}{owner.class_.__name__}"] = aliased_column
    if last is not None:
        left, right, on = last
        selectable = InheritanceJoin(left, right, on, columns, isouter=True)
    entity = WithPolymorphic(base, [m.class_ for m in chosen], selectable)
    entity._aliased_columns = columns
    loaded = _loaded(mapper, chosen)
    entity._polymorphic_keys = tuple(k for k in columns if k in loaded)
    return entity


class PolymorphicSubquery(EntityView):
    """The subquery an aliased, non-flat ``with_polymorphic()`` selects from: the base
    table LEFT OUTER JOINed to the subclasses' tables, every column labelled
    ``<table>_<column>``; its columns keyed by attribute as the entity reads them."""

    def __init__(self, mapper: Mapper, selectable: FromClause, columns: dict[str, Any]) -> None:
        self.selectable = selectable
        self.name = selectable.name
        self._table = mapper.table
        self._columns = ColumnCollection(f"with_polymorphic({mapper.class_.__name__})")
        for key, column in columns.items():
            self._columns.add(key, column)
        self.partial_keys = None


def _enclosed(base: type, mapper: Mapper, chosen: list[Mapper]) -> WithPolymorphic:
    """``with_polymorphic(..., aliased=True)`` without ``flat``: the join of the hierarchy's
    tables inside an anonymous subquery (as SQLAlchemy encloses it), so the entity can be
    joined to the same tables again."""
    from corral.sql.selectable import select

    tables: list[Table] = [mapper.local_table]
    joined: FromClause = mapper.table
    for sub in chosen:
        local = sub.local_table
        if local in tables:
            continue  # single-table: its columns are in a table already joined
        assert isinstance(sub.table, InheritanceJoin)
        joined = Join(joined, local, sub.table.onclause, isouter=True)
        tables.append(local)
    labels = [
        column.label(f"{table.name}_{column.name}")
        for table in tables
        for column in table.columns
        if isinstance(column, Column)
    ]
    subquery = select(*labels).select_from(joined).subquery()
    # Each table column's attribute (and class): a subclass's own primary key column,
    # which maps under the base's attribute, is found through its table's flush view.
    attribute_of: dict[int, tuple[str, Mapper]] = {}
    for owner in [mapper, *chosen]:
        for view in (owner, *owner.flush_views):
            for key, column in view.columns_by_key.items():
                attribute_of.setdefault(id(column), (key, owner))
    columns: dict[str, Any] = {}
    for label in subquery.columns:
        found = attribute_of.get(id(origin_column(label)))
        if found is None:
            continue  # a column no chosen class maps
        key, owner = found
        if key not in columns:
            columns[key] = label
        else:
            columns[f"{key}{OWNED}{owner.class_.__name__}"] = label
    entity = WithPolymorphic(
        base, [m.class_ for m in chosen], PolymorphicSubquery(mapper, subquery, columns)
    )
    entity._aliased_columns = columns
    loaded = _loaded(mapper, chosen)
    entity._polymorphic_keys = tuple(k for k in columns if k in loaded)
    return entity


def refresh_polymorphic(mapper: Mapper) -> None:
    """After ``mapper``'s class is mapped: what the queries of it and of every class above
    it select (``polymorphic_selectable``), which a new subclass may widen."""
    above: Mapper | None = mapper
    while above is not None and above.inheritance is not None:
        polymorphic_selectable(above)
        above = above.inheritance.parent


def polymorphic_selectable(mapper: Mapper) -> None:
    """Set what ``select(cls)`` reads for a class whose queries load subclasses in the same
    SELECT (``with_polymorphic`` in ``__mapper_args__``, or joined subclasses mapped with
    ``polymorphic_load="inline"``): the LEFT OUTER JOIN of their tables and the columns
    loaded from it. Rebuilt as subclasses are mapped."""
    info = mapper.inheritance
    if info is None or info.union_keys:  # a concrete base's UNION holds every class already
        return
    spec = info.default_polymorphic
    below = info.descendants()
    if spec == "*":
        chosen = below
    else:
        named = {getattr(c, "__mapper__", None) for c in spec or ()}
        chosen = [
            sub
            for sub in below
            if sub in named or (sub.inheritance is not None and sub.inheritance.load == "inline")
        ]
    chosen = [sub for sub in chosen if sub.local_table is not mapper.local_table or spec]
    if not chosen:
        mapper.polymorphic_selectable = None
        return
    entity = with_polymorphic(mapper.class_, [sub.class_ for sub in chosen])
    mapper.polymorphic_selectable = entity.__table__
    mapper.polymorphic_keys = entity._polymorphic_keys
    mapper.needs_plan = True
    info.needs_plan = True


def _loaded(mapper: Mapper, chosen: list[Mapper]) -> set[str]:
    keys = set(mapper.loaded_keys)
    for sub in chosen:
        keys.update(sub.loaded_keys)
        keys.update(f"{k}{OWNED}{sub.class_.__name__}" for k in sub.loaded_keys)
    return keys


__all__ = [
    "PolymorphicSubquery",
    "WithPolymorphic",
    "polymorphic_selectable",
    "refresh_polymorphic",
    "with_polymorphic",
]
