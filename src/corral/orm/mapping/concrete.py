"""Concrete-table inheritance: every class of the hierarchy has a complete table of its
own, and the base is queried through the UNION ALL of them (``pjoin``), with a ``type``
column saying which class each row is. The base derives from ``ConcreteBase`` (it has a
table of its own, part of the UNION) or ``AbstractConcreteBase`` (it has none; see
``abstract_concrete``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from corral import exc
from corral.sql.from_clause import FromClause
from corral.sql.schema import Column

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper

#: The kind of a class mapped with ``"concrete": True`` (see ``inheritance.Inheritance``).
CONCRETE = "concrete"
#: The discriminator column of a concrete hierarchy's UNION (as SQLAlchemy names it).
CONCRETE_DISCRIMINATOR = "type"


class ConcreteBase:
    """Mixin for the base class of a concrete-table hierarchy: each subclass (mapped with
    ``"concrete": True``) has a complete table of its own, and querying the base reads
    the UNION ALL of every class's table (``pjoin``), with a ``type`` column saying which
    class each row is."""

    __corral_concrete_base__ = True


class AbstractConcreteBase(ConcreteBase):
    """Mixin for the base class of a concrete-table hierarchy that has no table of its own:
    mapped when the mappers are configured, onto the UNION ALL of its subclasses' tables
    (see ``abstract_concrete``)."""


def rebuild_union(base: Mapper, include_base: bool = True) -> None:
    """The concrete base's UNION ALL of its own (unless ``include_base`` is False: an
    abstract base has none) and every concrete subclass's table."""
    from corral.sql.elements import null
    from corral.sql.selectable import select, union_all
    from corral.sql.wrappers import cast as sql_cast

    info = base.inheritance
    assert info is not None
    if not info.concrete_base:
        raise exc.MappingError(
            f"{base.class_.__name__}: a concrete subclass needs its base class to derive from "
            "ConcreteBase (from corral.orm import ConcreteBase), which queries the UNION"
        )
    below = [m for m in info.descendants() if m.inheritance and m.inheritance.kind == CONCRETE]
    # SQLAlchemy's order: the base, then its subclasses; without a base table, the
    # subclasses last declared first (it collects them from a stack).
    members = [base, *below] if include_base else below[::-1]
    columns: dict[str, Column] = {}
    for member in members:
        for key, column in member.columns_by_key.items():
            columns.setdefault(key, column)
    selects = []
    for member in members:
        items: list[Any] = []
        for key, first in columns.items():
            own = member.columns_by_key.get(key)
            items.append(
                own.label(key) if own is not None else sql_cast(null(), first.type).label(key)
            )
        assert member.inheritance is not None
        items.append(_identity_sql(member.inheritance.identity).label(CONCRETE_DISCRIMINATOR))
        selects.append(select(*items))
    union = union_all(*selects).subquery("pjoin")
    union.local_table = base.local_table  # type: ignore[attr-defined]
    # Criteria written on the member tables' columns are moved onto the UNION (of_type()).
    renamed = {id(m.local_table): union for m in [base, *members]}
    union.concrete_renamed = renamed  # type: ignore[attr-defined]
    info.union_keys = select_order(list(base.columns_by_key) if include_base else [], below)
    info.needs_plan = True
    base.needs_plan = True
    base.table = cast(Any, union)  # selected (and named) like a table, as a joined class's
    base.class_.__table__ = union
    base.get_statement = None


def select_order(first: list[str], below: list[Mapper]) -> tuple[str, ...]:
    """The order a query of a concrete base selects the UNION's columns in, as
    SQLAlchemy's: the base's own (``first``), the discriminator, then the subclasses'
    others, in the order the subclasses were declared."""
    rest: list[str] = []
    for member in below:
        rest.extend(k for k in member.columns_by_key if k not in first and k not in rest)
    return (*first, CONCRETE_DISCRIMINATOR, *rest)


def _identity_sql(identity: Any) -> Any:
    """A class's discriminator value written into the UNION's SQL (``'manager' AS type``),
    as SQLAlchemy writes it; a value of another type is a bound parameter."""
    from corral.sql.columns import literal_column
    from corral.sql.elements import literal

    if isinstance(identity, str):
        return literal_column("'" + identity.replace("'", "''") + "'")
    if isinstance(identity, int | float) and not isinstance(identity, bool):
        return literal_column(repr(identity))
    return literal(identity)


def flush_table_names(mapper: Mapper) -> list[str]:
    """The tables a flush writes objects of ``mapper`` (or, for a concrete base, of any
    class of its hierarchy) into, by name: where their foreign keys are copied."""
    info = mapper.inheritance
    if info is None or not info.concrete_base:
        return [mapper.table.name]
    return [mapper.local_table.name] + [
        sub.local_table.name
        for sub in info.descendants()
        if sub.inheritance is not None and sub.inheritance.kind == CONCRETE
    ]


def concrete_tables(mapper: Mapper) -> dict[int, FromClause]:
    """For a query of a concrete base: each member table's id -> the UNION (to adapt
    criteria written on the tables' columns onto it); empty for other mappers."""
    info = mapper.inheritance
    if info is None or not info.concrete_base or not info.union_keys:
        return {}
    found: dict[int, FromClause] = {id(mapper.local_table): mapper.table}
    for sub in info.descendants():
        if sub.inheritance is not None and sub.inheritance.kind == CONCRETE:
            found[id(sub.local_table)] = mapper.table
    return found


__all__ = [
    "CONCRETE",
    "CONCRETE_DISCRIMINATOR",
    "AbstractConcreteBase",
    "ConcreteBase",
    "concrete_tables",
    "flush_table_names",
    "rebuild_union",
    "select_order",
]
