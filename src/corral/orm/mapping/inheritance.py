"""Inheritance mapping: a mapped class whose subclasses are mapped too.

Three ways to store a hierarchy, as SQLAlchemy names them:

* **single table**: a subclass without a table of its own adds its columns to
  its parent's table; a discriminator column (``polymorphic_on``) says which
  class each row is, and selecting the subclass adds ``WHERE type IN (...)``.
* **joined table**: a subclass with its own table holds only its own columns
  there, its primary key a foreign key to the parent's. The class selects from
  ``parent JOIN child`` (its ``__table__`` is that join, exposing the mapped
  columns by attribute name), and a flush writes one row per table: parent
  first on INSERT (its generated key is copied into the child's row), child
  first on DELETE.
* **concrete**: each class has a complete table of its own; the base derives from
  ``ConcreteBase`` (a table of its own too) or ``AbstractConcreteBase`` (none: see
  ``abstract_concrete``), and querying it reads the UNION ALL of the tables.

Every class of a hierarchy keys its identity map entries by the base class,
so one row is one object whichever class it was loaded through, and loading
through the base builds the subclass the discriminator names.
"""

from __future__ import annotations

import copy
from collections.abc import Set
from typing import TYPE_CHECKING, Any, cast

from corral import exc
from corral.orm.mapping.attribute_join import AttributeJoin
from corral.orm.mapping.concrete import (
    CONCRETE,
    CONCRETE_DISCRIMINATOR,
    AbstractConcreteBase,
    ConcreteBase,
    concrete_tables,
    flush_table_names,
    rebuild_union,
)
from corral.sql.conditions import and_
from corral.sql.elements import BinaryExpression, BindParameter, ClauseList, ColumnElement
from corral.sql.from_clause import FromClause, Join
from corral.sql.schema import Column, ForeignKeyConstraint, Table, UniqueConstraint
from corral.sql.wrappers import Grouping

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper

#: ``__mapper_args__`` keys of inheritance mapping that corral implements.
INHERITANCE_ARGS = (
    "polymorphic_on",
    "polymorphic_identity",
    "polymorphic_abstract",
    "polymorphic_load",
    "inherit_condition",
    "concrete",
    "with_polymorphic",
)

#: Keys SQLAlchemy takes that corral does not implement yet, with what to do instead.
UNSUPPORTED_ARGS = {
    "inherits": "corral takes the parent from the class's bases; remove it",
    "polymorphic_map": "corral builds the map from each class's polymorphic_identity; remove it",
}

SINGLE = "single"
JOINED = "joined"
BASE = "base"


class Inheritance:
    """Where one mapper stands in its hierarchy: parent, children, discriminator value."""

    def __init__(self, mapper: Mapper, parent: Mapper | None, kind: str) -> None:
        self.mapper = mapper
        self.parent = parent
        self.kind = kind
        parent_info = parent.inheritance if parent is not None else None
        #: The root of the hierarchy.
        self.base: Mapper = parent_info.base if parent_info is not None else mapper
        #: The attribute holding the discriminator (shared by the hierarchy), if any.
        self.polymorphic_on: str | None = (
            parent_info.polymorphic_on if parent_info is not None else None
        )
        #: Discriminator value -> mapper, one dict shared by the whole hierarchy.
        self.identities: dict[Any, Mapper] = (
            parent_info.identities if parent_info is not None else {}
        )
        #: This class's discriminator value (None: not set; such rows load as the base).
        self.identity: Any = None
        #: ``polymorphic_abstract=True``: never instantiated, only its subclasses are.
        self.abstract = False
        #: ``polymorphic_load=``: "inline" (the base query selects this class's columns) or
        #: "selectin" (loaded by a second SELECT after the base query), else None.
        self.load: str | None = None
        #: The mappers of the direct subclasses.
        self.children: list[Mapper] = []
        #: Whether selecting this class needs a load plan: its table's columns are not all
        #: its own (single-table hierarchies) or subclasses load with it.
        self.needs_plan = kind == SINGLE
        #: The base of a concrete hierarchy (``ConcreteBase``): queried through a UNION.
        self.concrete_base = False
        #: That UNION's column keys (the attributes of every class, then ``type``).
        self.union_keys: tuple[str, ...] = ()
        #: ``with_polymorphic`` in ``__mapper_args__``: "*" or the subclasses every query
        #: of this class joins (with those mapped ``polymorphic_load="inline"``), or None.
        self.default_polymorphic: Any = None

    def __repr__(self) -> str:
        return f"<Inheritance {self.mapper.class_.__name__} {self.kind}>"

    def inheriting_descendants(self) -> list[Mapper]:
        """The mappers below that inherit this one's relationships (not concrete ones)."""
        out: list[Mapper] = []
        for child in self.children:
            assert child.inheritance is not None
            if child.inheritance.kind != CONCRETE:
                out.append(child)
                out.extend(child.inheritance.inheriting_descendants())
        return out

    def descendants(self) -> list[Mapper]:
        """Every mapper below this one, depth first."""
        out: list[Mapper] = []
        for child in self.children:
            out.append(child)
            assert child.inheritance is not None
            out.extend(child.inheritance.descendants())
        return out

    def identities_below(self) -> list[Any]:
        """The discriminator values of this class and every class below it."""
        found = [] if self.identity is None else [self.identity]
        for sub in self.descendants():
            assert sub.inheritance is not None
            if sub.inheritance.identity is not None:
                found.append(sub.inheritance.identity)
        return found

    def all_columns(self) -> dict[str, Column]:
        """This class's columns and those of every class below it, by attribute."""
        found = dict(self.mapper.columns_by_key)
        for sub in self.descendants():
            for key, column in sub.columns_by_key.items():
                found.setdefault(key, column)
        return found

    def single_criteria(self, selectable: FromClause) -> Any:
        """``type IN (...)`` on ``selectable`` for a single-table subclass, else None."""
        if self.kind != SINGLE or self.polymorphic_on is None:
            return None
        column = self.mapper.columns_by_key[self.polymorphic_on]
        target = selectable.columns.get(column.key) if selectable is not None else None
        if target is None:
            target = column
        condition = target.in_(self.identities_below())
        if target is column:
            # On the class's own table, every copy prints as one parameter, as SQLAlchemy
            # prints its one criteria object; on an alias each is its own (it adapts a copy).
            for bind in _binds_of(condition):
                bind.display_key = self
        return condition


def _binds_of(condition: ColumnElement[Any]) -> list[BindParameter[Any]]:
    """The values of ``column IN (values)``."""
    if not isinstance(condition, BinaryExpression) or not isinstance(condition.right, Grouping):
        return []
    values = condition.right.element
    if not isinstance(values, ClauseList):
        return []
    return [v for v in values.clauses if isinstance(v, BindParameter)]


class InheritanceJoin(AttributeJoin):
    """``parent JOIN child`` selected for a joined subclass, its columns keyed by attribute."""

    def __init__(
        self,
        left: FromClause,
        right: Table,
        onclause: Any,
        columns: dict[str, Column],
        *,
        isouter: bool = False,
    ) -> None:
        super().__init__(left, right, onclause, columns, isouter=isouter)
        self.name = right.name
        self.local_table = right

    @property
    def primary_key(self) -> Any:
        base = self.left
        while isinstance(base, Join):
            base = base.left
        return getattr(base, "primary_key", None)


def mapped_parent(cls: type) -> Mapper | None:
    """The mapper of the nearest mapped class ``cls`` derives from, if any."""
    for parent in cls.__mro__[1:]:
        mapper = parent.__dict__.get("__mapper__")
        if mapper is not None:
            found: Mapper = mapper
            return found
    return None


def take_mapper_args(cls: type, args: dict[str, Any]) -> dict[str, Any]:
    """Remove the inheritance keys from ``__mapper_args__``; refuse the unsupported ones."""
    for key, advice in UNSUPPORTED_ARGS.items():
        if key in args:
            raise exc.MappingError(
                f"{cls.__name__}.__mapper_args__[{key!r}] is not supported: {advice}"
            )
    taken = {key: args.pop(key) for key in INHERITANCE_ARGS if key in args}
    spec = taken.get("with_polymorphic")
    if spec is not None and spec != "*" and not _is_class_list(spec):
        raise exc.MappingError(
            f"{cls.__name__}.__mapper_args__['with_polymorphic'] is {spec!r}; corral takes '*' "
            "(every subclass) or a list of subclasses (a (classes, selectable) pair is not "
            "supported yet)"
        )
    load = taken.get("polymorphic_load")
    if load not in (None, "inline", "selectin"):
        raise exc.MappingError(
            f"{cls.__name__}.__mapper_args__['polymorphic_load'] is {load!r}; it takes "
            "'inline' or 'selectin'"
        )
    return taken


def _is_class_list(spec: Any) -> bool:
    return isinstance(spec, list | tuple) and all(isinstance(c, type) for c in spec)


def add_to_table(table: Table, columns: dict[str, Column], owner: str) -> None:
    """A single-table subclass's own columns join its parent's table."""
    for key, column in columns.items():
        if column.table is table:
            continue  # already the table's (a sibling subclass added it)
        if table.columns.get(key) is not None or column.name in {
            getattr(c, "name", None) for c in table.columns
        }:
            raise exc.MappingError(
                f"{owner}.{key}: table {table.name!r} already has a column {column.name!r}; "
                "a single-table subclass adds new columns only (declare shared ones on the "
                "base class)"
            )
        column.table = table
        table._columns.add(column.key or column.name, column)
        for fk in column.foreign_keys:
            if fk.constraint is None:
                table.constraints.append(ForeignKeyConstraint._from_foreign_key(fk, column, table))
        if column.unique:
            unique = UniqueConstraint(column)
            unique._set_table(table)
            table.constraints.append(unique)
        if column.primary_key:
            raise exc.MappingError(
                f"{owner}.{key}: a single-table subclass cannot add primary key columns; "
                "the primary key is the base class's"
            )


def is_concrete(cls: type) -> bool:
    """Whether ``cls`` is mapped with ``"concrete": True`` (a complete table of its own)."""
    args = cls.__dict__.get("__mapper_args__") or {}
    return bool(args.get("concrete"))


def base_table(parent: Mapper) -> Table:
    """The table holding the hierarchy's primary key: its base class's."""
    root = parent.inheritance.base if parent.inheritance is not None else parent
    return root.local_table


def joined_columns(
    parent: Mapper, local: Table, own: dict[str, Column], explicit: Set[str] = frozenset()
) -> dict[str, Column]:
    """A joined subclass's mapped columns: the parent's, then its own (a column with the
    name of an inherited attribute, such as the key referring to the parent's, maps under
    the parent's attribute and is written through the subclass table's view).

    An inherited attribute the class maps again explicitly (``properties=`` or
    ``column_property(own, Parent.attr)``) moves, as in SQLAlchemy, to where the columns of
    the hierarchy's tables, the base table's first, first reach one of its columns: after
    the other inherited attributes, before the class's new ones."""
    moved = {key for key in explicit if key in own and key in parent.columns_by_key}
    columns = {key: c for key, c in parent.columns_by_key.items() if key not in moved}
    walk = [c for view in parent.flush_views for c in view.table.columns]
    walk.extend(local.columns)
    position = {id(c): index for index, c in enumerate(walk)}

    def reached(key: str) -> int:
        mapped = [own[key]]
        if key in moved:
            mapped.extend(parent._columns_of(key, parent.columns_by_key[key]))
        return min((position.get(id(c), len(walk)) for c in mapped), default=len(walk))

    for key in sorted((k for k in own if k not in columns), key=reached):
        columns[key] = parent.columns_by_key[key] if key in moved else own[key]
    return columns


def join_condition(parent: Mapper, local: Table, given: Any) -> Any:
    """The ON clause of ``parent JOIN local``: given, or from the foreign keys between them."""
    if given is not None:
        return given
    parent_tables = [view.table for view in parent.flush_views]
    pairs = []
    for fk in local.foreign_keys:
        for table in parent_tables:
            target = _fk_target(fk, table)
            if target is not None:
                pairs.append(target == fk.parent)
    if not pairs:
        raise exc.MappingError(
            f"Table {local.name!r} has no foreign key to {parent.local_table.name!r}, so it "
            "cannot be joined to its parent class's table; give its primary key "
            f"ForeignKey('{parent.local_table.name}.id') (or set inherit_condition in "
            "__mapper_args__)"
        )
    return pairs[0] if len(pairs) == 1 else and_(*pairs)


def _fk_target(fk: Any, table: Table) -> Column | None:
    table_name, _, column_name = fk.target.rpartition(".")
    if table_name != table.name:
        return None
    found: Column | None = table.columns.get(column_name)  # type: ignore[assignment]
    return found


def set_up(
    mapper: Mapper,
    parent: Mapper | None,
    local: Table,
    own: dict[str, Column],
    args: dict[str, Any],
) -> None:
    """Attach ``mapper`` to its hierarchy (``parent`` None: it is a polymorphic base)."""
    cls = mapper.class_
    if parent is None:
        kind = BASE
    elif args.get("concrete"):
        kind = CONCRETE
    elif local is parent.local_table:
        kind = SINGLE
    else:
        kind = JOINED
    if parent is not None and parent.inheritance is None:
        parent.inheritance = Inheritance(parent, None, BASE)
    _check_args(mapper, parent, kind, args)  # before anything changes: a refusal leaves none
    info = Inheritance(mapper, parent, kind)
    mapper.inheritance = info
    mapper.local_table = local
    if (
        kind == BASE
        and getattr(cls, "__corral_concrete_base__", False)
        and not issubclass(cls, AbstractConcreteBase)  # mapped later (abstract_concrete)
    ):
        info.concrete_base = True
        info.polymorphic_on = CONCRETE_DISCRIMINATOR
        mapper.flush_views = (_table_view(mapper, local),)
    if kind == CONCRETE:
        assert parent is not None and parent.inheritance is not None
        parent.inheritance.children.append(mapper)
    elif parent is not None:
        assert parent.inheritance is not None
        parent.inheritance.children.append(mapper)
        mapper.identity_class = parent.identity_class
        mapper.relationships.update(parent.relationships)
        mapper.eager_relationships = parent.eager_relationships
        mapper.expire_keys = (*mapper.column_keys, *mapper.relationships)
        if mapper.version_id_col is None and parent.version_id_col is not None:
            mapper.version_id_col = parent.version_id_col
            mapper.version_id_key = parent.version_id_key
            mapper.version_id_generator = parent.version_id_generator
    on = args.get("polymorphic_on")
    if on is not None:
        if parent is not None and info.polymorphic_on is not None:
            raise exc.MappingError(
                f"{cls.__name__}.__mapper_args__['polymorphic_on']: the hierarchy's "
                f"discriminator is already {info.polymorphic_on!r}, set on its base class"
            )
        info.polymorphic_on = _attribute_of(mapper, on)
    identity = args.get("polymorphic_identity")
    info.abstract = bool(args.get("polymorphic_abstract", False))
    info.load = args.get("polymorphic_load")
    if identity is not None:
        taken = info.identities.get(identity)
        if taken is not None and taken.class_ is not cls:
            raise exc.MappingError(
                f"{cls.__name__}: polymorphic_identity {identity!r} is already "
                f"{taken.class_.__name__}'s; give each class its own value"
            )
        info.identity = identity
        info.identities[identity] = mapper
    if kind == SINGLE:
        _mark_single(mapper)
    elif kind == JOINED:
        assert parent is not None
        condition = join_condition(parent, local, args.get("inherit_condition"))
        join = InheritanceJoin(parent.table, local, condition, mapper.columns_by_key)
        mapper.table = cast(Any, join)  # selected (and named) like a table: see the class
        mapper.flush_views = (*parent.flush_views, local_view(mapper, local, own))
    if kind == SINGLE and parent is not None and len(parent.flush_views) > 1:
        # A single-table subclass of a joined class: its columns go into the last table.
        *others, last = parent.flush_views
        view = copy.copy(last)
        view.class_ = cls
        view.columns_by_key = {**last.columns_by_key, **own}
        view.column_keys = tuple(view.columns_by_key)
        mapper.flush_views = (*others, view)
        mapper.table = parent.table
    if kind == CONCRETE:
        top = info.base.inheritance
        rebuild_union(info.base, include_base=top is None or not top.abstract)
    if info.load is not None:  # the queries of every class above load this one too
        above = parent
        while above is not None and above.inheritance is not None:
            above.inheritance.needs_plan = True
            above.needs_plan = True
            above = above.inheritance.parent
    mapper.needs_plan = mapper.needs_plan or info.needs_plan
    info.default_polymorphic = args.get("with_polymorphic")


def _check_args(mapper: Mapper, parent: Mapper | None, kind: str, args: dict[str, Any]) -> None:
    """Refuse a discriminator, identity or concrete mapping the hierarchy cannot take."""
    cls = mapper.class_
    above = parent.inheritance if parent is not None else None
    if args.get("polymorphic_on") is not None:
        if above is not None and above.polymorphic_on is not None:
            raise exc.MappingError(
                f"{cls.__name__}.__mapper_args__['polymorphic_on']: the hierarchy's "
                f"discriminator is already {above.polymorphic_on!r}, set on its base class"
            )
        _attribute_of(mapper, args["polymorphic_on"])
    if args.get("polymorphic_load") == "inline" and kind == CONCRETE:
        raise exc.MappingError(
            f"{cls.__name__}: polymorphic_load='inline' on a concrete class is not supported: "
            "a query of its base reads every class's table already (the UNION); remove it"
        )
    identity = args.get("polymorphic_identity")
    taken = above.identities.get(identity) if above is not None and identity is not None else None
    if taken is not None and taken.class_ is not cls:
        raise exc.MappingError(
            f"{cls.__name__}: polymorphic_identity {identity!r} is already "
            f"{taken.class_.__name__}'s; give each class its own value"
        )
    if kind == CONCRETE and (
        above is None or not above.base.inheritance or not (above.base.inheritance.concrete_base)
    ):
        base = above.base if above is not None else parent
        name = base.class_.__name__ if base is not None else "?"
        raise exc.MappingError(
            f"{cls.__name__} is concrete, so its base class {name} must derive from "
            "ConcreteBase (from corral import ConcreteBase), which queries the UNION of "
            "their tables"
        )


def _table_view(mapper: Mapper, table: Table) -> Mapper:
    """The mapper as a flush of its own table sees it (its ``table`` being a UNION)."""
    view = copy.copy(mapper)
    view.table = table
    view.flush_views = (view,)
    return view


def _mark_single(mapper: Mapper) -> None:
    """Every class sharing the table selects only its own columns from it: all need a plan."""
    info = mapper.inheritance
    assert info is not None
    table = mapper.local_table
    for other in [info.base, *info.base.inheritance.descendants()] if info.base.inheritance else []:
        if other.local_table is table and other.inheritance is not None:
            other.inheritance.needs_plan = True
            other.needs_plan = True


def local_view(mapper: Mapper, local: Table, own: dict[str, Column]) -> Mapper:
    """The joined subclass as its own table's flush sees it: that table's columns only,
    keyed by the attribute each one is written from."""
    view = copy.copy(mapper)
    by_column = {id(col): key for key, col in own.items()}
    columns: dict[str, Column] = {}
    for column in local.columns:
        assert isinstance(column, Column)
        key = by_column.get(id(column), column.key or column.name)
        if key not in own and key not in mapper.columns_by_key:
            continue
        columns[key] = column
    view.table = local
    view.local_table = local
    view.columns_by_key = columns
    view.column_keys = tuple(columns)
    view.primary_key = tuple(local.primary_key.columns)
    key_of = {id(c): k for k, c in columns.items()}
    missing = [c.name for c in view.primary_key if id(c) not in key_of]
    if missing:
        raise exc.MappingError(
            f"{mapper.class_.__name__}: the primary key column(s) {', '.join(missing)} of "
            f"table {local.name!r} are not mapped; declare them on the class"
        )
    view.primary_key_attrs = tuple(key_of[id(c)] for c in view.primary_key)
    if mapper.version_id_col is not None and id(mapper.version_id_col) not in key_of:
        view.version_id_col = None
        view.version_id_key = None
    view.flush_views = (view,)
    return view


def _attribute_of(mapper: Mapper, on: Any) -> str:
    """The attribute key of a ``polymorphic_on`` given as name, column or attribute."""
    if isinstance(on, str):
        if on in mapper.columns_by_key:
            return on
        for key, column in mapper.columns_by_key.items():
            if column.name == on:
                return key
    for klass in mapper.class_.__mro__:  # a mapped_column() from a class body
        for key, value in klass.__dict__.items():
            if value is on and key in mapper.columns_by_key:
                return key
    target = getattr(on, "column", on)  # an InstrumentedAttribute
    for key, column in mapper.columns_by_key.items():
        if column is target:
            return key
    raise exc.MappingError(
        f"{mapper.class_.__name__}.__mapper_args__['polymorphic_on'] is {on!r}, which is not "
        "one of its mapped columns; name the discriminator column's attribute "
        "(polymorphic_on='type') or pass the column itself"
    )


def own_expressions(mapper: Mapper, own: dict[str, Column]) -> dict[str, Column]:
    """A joined subclass's attributes that also name a parent column (its primary key):
    in SQL they stand for the subclass table's column (``Manager.id`` is ``manager.id``),
    as in SQLAlchemy, so statements on the subclass's table can use them."""
    info = mapper.inheritance
    if info is None or info.kind != JOINED:
        return {}
    return {
        key: column for key, column in own.items() if mapper.columns_by_key.get(key) is not column
    }


def stamp_identity(mapper: Mapper, obj: object) -> None:
    """Set a new object's discriminator to its class's polymorphic_identity."""
    info = mapper.inheritance
    if info is None or info.polymorphic_on is None:
        return
    if info.abstract:
        raise exc.InvalidRequestError(
            f"{mapper.class_.__name__} is polymorphic_abstract: it cannot be instantiated or "
            "flushed; create one of its subclasses instead"
        )
    if (
        info.identity is not None
        and info.polymorphic_on in mapper.columns_by_key  # not a concrete UNION's column
        and obj.__dict__.get(info.polymorphic_on) is None
    ):
        obj.__dict__[info.polymorphic_on] = info.identity


def view_for(mapper: Mapper, table_name: str) -> Mapper | None:
    """The flush view of ``mapper`` for the table named ``table_name`` (None: not its)."""
    for view in mapper.flush_views:
        if view.table.name == table_name:
            return view
    return None


__all__ = [
    "INHERITANCE_ARGS",
    "AbstractConcreteBase",
    "ConcreteBase",
    "Inheritance",
    "InheritanceJoin",
    "add_to_table",
    "base_table",
    "concrete_tables",
    "flush_table_names",
    "is_concrete",
    "joined_columns",
    "local_view",
    "mapped_parent",
    "own_expressions",
    "rebuild_union",
    "set_up",
    "stamp_identity",
    "take_mapper_args",
    "view_for",
]
