"""SQL along relationships: joins, comparisons with objects, and EXISTS tests.

``select(Customer).join(Customer.orders)`` asks the relationship for the FROMs
to join and their ON clauses (``_join_parent`` / ``_join_steps``, the duck-typed
hook ``Select.join`` looks for). ``Order.customer == c`` compares the foreign
key with ``c``'s key, read when the statement runs (after autoflush);
``Customer.orders.any(...)`` is an EXISTS correlated to the enclosing query.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.mapping.aliased import EntityAlias
from corral.orm.mapping.attribute_join import table_aliases
from corral.orm.relationships.direction import Direction
from corral.sql.columns import NamedColumn, literal_column
from corral.sql.conditions import _condition, and_, not_, or_
from corral.sql.elements import (
    BinaryExpression,
    BindParameter,
    ColumnElement,
    Null,
    bindparam,
)
from corral.sql.from_clause import FromClause
from corral.sql.select_values import Exists
from corral.sql.selectable import Select, select
from corral.sql.visitors import substitute

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper
    from corral.orm.relationships.relationship import Relationship
    from corral.sql.schema import Column


class RelationshipPath:
    """A relationship from one FROM (the parent's table or alias) to another (the target's).

    ``Customer.orders`` on the class stands for the path between the two tables;
    ``aliased(Node).children`` starts from the alias, ``Node.children.of_type(child)``
    ends at one.
    """

    def __init__(
        self,
        rel: Relationship,
        *,
        parent: FromClause | None = None,
        target: FromClause | None = None,
        target_entity: Any = None,
        criteria: tuple[ColumnElement[bool], ...] = (),
    ) -> None:
        self.rel = rel
        self.parent_from: FromClause = parent if parent is not None else rel.parent.table
        self.target_from: FromClause = target if target is not None else rel.mapper.table
        self.target_entity: Any = target_entity if target_entity is not None else rel.mapper.class_
        #: ``.and_(...)``: conditions on the related rows added to the ON clause (or, in a
        #: loader option, to the loading SELECT).
        self.criteria = criteria

    @property
    def prop(self) -> Relationship:
        from corral.orm.mapping.properties import configure_mappers

        configure_mappers()
        return self.rel

    @property
    def class_(self) -> Any:
        return self.rel.parent.class_

    def and_(self, *criteria: Any) -> RelationshipPath:
        """This relationship with more conditions on the related rows:
        ``join(User.addresses.and_(Address.email.like("%@x")))``."""
        if not criteria:
            raise exc.ArgumentError(f"{self.describe()}.and_() needs at least one condition")
        terms = tuple(_condition(c, f"{self.describe()}.and_()") for c in criteria)
        return RelationshipPath(
            self.rel,
            parent=self.parent_from,
            target=self.target_from,
            target_entity=self.target_entity,
            criteria=(*self.criteria, *terms),
        )

    def describe(self) -> str:
        return self.rel.describe()

    def __repr__(self) -> str:
        return f"<RelationshipPath {self.describe()}>"

    # -- joins (the hook Select.join / join_from look for) ---------------------------------

    def _join_parent(self) -> FromClause:
        """The FROM the path starts at: the join attaches to the FROM holding it."""
        return self.parent_from

    def _join_entity(self) -> Any:
        """The class the path ends at: its criteria join the last ON clause."""
        return self.target_entity

    def _join_steps(
        self, left: FromClause, target: FromClause | None = None
    ) -> list[tuple[FromClause, ColumnElement[bool]]]:
        """The FROMs to join after ``left``, each with its ON clause; ``target`` ends the path."""
        rel = self.rel
        target_from = self.target_from if target is None else target
        if target_from._underlying() is not rel.mapper.table and not any(
            f is rel.mapper.table for f in target_from._covers()
        ):  # (a subclass's join, or with_polymorphic()'s, holds the related table)
            raise exc.ArgumentError(
                f"join({target_from.describe()}, {self.describe()}): {self.describe()} leads to "
                f"{rel.mapper.class_.__name__} ({rel.mapper.table.name}), not "
                f"{target_from.describe()}"
            )
        if target_from is self.parent_from:
            name = rel.mapper.class_.__name__
            raise exc.InvalidRequestError(
                f"join({self.describe()}) would join table {rel.mapper.table.name!r} to itself; "
                f"join an alias instead: child = aliased({name}); "
                f"select({rel.parent.class_.__name__}).join({self.describe()}.of_type(child))"
            )
        extra = self._criteria_on(target_from)
        if rel.secondary is None:
            on = direct_condition(rel, self.parent_from, target_from)
            return [(target_from, and_(on, *extra) if extra else on)]
        taken = sum(
            1 for f in left._covers() if isinstance(f, EntityAlias) and f.element is rel.secondary
        )
        secondary = EntityAlias(rel.secondary, f"{rel.secondary.name}_{taken + 1}")
        to_secondary, to_target = secondary_conditions(
            rel, self.parent_from, target_from, secondary
        )
        if extra:
            to_target = and_(to_target, *extra)
        return [(secondary, to_secondary), (target_from, to_target)]

    def _criteria_on(self, target_from: FromClause) -> list[ColumnElement[bool]]:
        """The ``.and_()`` conditions, moved onto ``target_from`` when it is another alias."""
        if target_from is self.target_from:
            return list(self.criteria)
        renamed = {id(self.target_from): target_from}
        return [adapt(c, renamed) for c in self.criteria]

    # -- comparisons ------------------------------------------------------------------------

    def __eq__(self, other: object) -> Any:
        return self.compare(other, negate=False)

    def __ne__(self, other: object) -> Any:
        return self.compare(other, negate=True)

    __hash__ = object.__hash__

    def compare(self, other: object, negate: bool) -> ColumnElement[bool]:
        """``rel == obj`` / ``rel != obj`` / ``rel == None`` as SQLAlchemy writes them."""
        rel, parent = self.rel, self.parent_from
        if other is None or isinstance(other, Null):
            if rel.direction is Direction.MANYTOONE:
                columns = [
                    rel.parent.selected_column(parent, fk) for _, fk in rel.synchronize_pairs
                ]
                if negate:
                    if len(columns) == 1:
                        return columns[0] != None  # noqa: E711 (SQL IS NOT NULL)
                    return not_(and_(*(c == None for c in columns)))  # noqa: E711
                return and_(*(c == None for c in columns))  # noqa: E711
            exists = self._exists(None, {})
            return exists if negate else not_(exists)
        if rel.uselist:
            raise exc.ArgumentError(
                f"{self.describe()} is a collection and cannot be compared with an object; use "
                f"{self.describe()}.contains(obj) to test membership, or == None / .any()"
            )
        self._check_object(other, "==" if not negate else "!=")
        on_parent = rel.parent.selected_column
        if negate:
            if rel.direction is Direction.MANYTOONE:
                return and_(
                    *(
                        or_(on_parent(parent, fk) != bind, on_parent(parent, fk) == None)  # noqa: E711
                        for fk, bind in self._many_to_one_binds(other, named_by_column=True)
                    )
                )
            return not_(self._exists(self._is_object(other), {}))
        if rel.direction is Direction.MANYTOONE:
            return and_(
                *(
                    _shown_reversed(on_parent(parent, fk) == bind)
                    for fk, bind in self._many_to_one_binds(other)
                )
            )
        return self._reverse_clause(other)

    def contains(self, other: object) -> ColumnElement[bool]:
        """``Customer.orders.contains(order)``: the parent's key equals the order's foreign key."""
        if not self.rel.uselist:
            raise exc.ArgumentError(
                f"{self.describe()}.contains() is for collections; {self.describe()} holds one "
                f"object, so compare it: {self.describe()} == obj"
            )
        self._check_object(other, "contains()")
        return self._reverse_clause(other)

    def _many_to_one_binds(
        self, other: object, named_by_column: bool = False
    ) -> list[tuple[Column, BindParameter[Any]]]:
        mapper = self.rel.mapper
        pairs = [(fk, _value_of(other, mapper, src, fk)) for src, fk in self.rel.synchronize_pairs]
        for fk, bind in pairs:
            if named_by_column:  # str() shows rel != obj as SQLAlchemy does: fk != :user_id_1
                bind.display_name = fk.key
        return pairs

    def _reverse_clause(self, other: object) -> ColumnElement[bool]:
        """The parent's columns matched with the values ``other`` (a target object) holds."""
        rel, parent, mapper = self.rel, self.parent_from, self.rel.mapper
        if rel.direction is Direction.MANYTOMANY:
            assert rel.secondary is not None
            secondary = EntityAlias(rel.secondary, None)
            return and_(
                *(
                    rel.parent.selected_column(parent, p) == secondary.columns[s.key]
                    for p, s in rel.secondary_pairs
                ),
                *(
                    _value_of(other, mapper, t, secondary.columns[s.key])
                    == secondary.columns[s.key]
                    for t, s in rel.target_pairs
                ),
            )
        terms = []
        for src, fk in rel.synchronize_pairs:
            column = rel.parent.selected_column(parent, src)
            terms.append(column == _value_of(other, mapper, fk, column))
        return and_(*terms)

    def _is_object(self, other: object) -> ColumnElement[bool]:
        """The target row is ``other``: its primary key columns equal the object's."""
        mapper = self.rel.mapper
        return and_(
            *(
                mapper.selected_column(self.target_from, col) == _value_of(other, mapper, col, col)
                for col in mapper.primary_key
            )
        )

    def _check_object(self, other: object, what: str) -> None:
        target = self.rel.mapper
        if getattr(type(other), "__mapper__", None) is not target:
            name = target.class_.__name__
            raise exc.ArgumentError(
                f"{self.describe()} {what} {other!r}: expected a {name} object (or None); to "
                f"compare a key value, use the foreign-key column instead"
            )

    # -- EXISTS -----------------------------------------------------------------------------

    def any(self, criterion: Any = None, **kwargs: Any) -> ColumnElement[bool]:
        """EXISTS a related row (matching ``criterion`` and ``kwargs``) of the collection."""
        if not self.rel.uselist:
            raise exc.ArgumentError(
                f"{self.describe()} holds one object; use {self.describe()}.has(...) instead "
                "of .any(...), which is for collections"
            )
        return self._exists(criterion, kwargs)

    def has(self, criterion: Any = None, **kwargs: Any) -> ColumnElement[bool]:
        """EXISTS the related object (matching ``criterion`` and ``kwargs``)."""
        if self.rel.uselist:
            raise exc.ArgumentError(
                f"{self.describe()} is a collection; use {self.describe()}.any(...) instead of "
                ".has(...), which is for a relationship to one object"
            )
        return self._exists(criterion, kwargs)

    def _exists(self, criterion: Any, kwargs: dict[str, Any]) -> ColumnElement[bool]:
        rel, parent, target = self.rel, self.parent_from, self.target_from
        entity = self.target_entity
        renamed: dict[int, FromClause] = {}
        if target is parent:  # self-referential: the related rows come from an alias
            target = EntityAlias(rel.mapper.table, None)
            renamed[id(rel.mapper.table)] = target
        terms: list[ColumnElement[Any]] = []
        if criterion is not None:
            terms.append(adapt(_condition(criterion, f"{self.describe()}.any()/has()"), renamed))
        for key, value in kwargs.items():
            if not hasattr(entity, key):
                raise exc.ArgumentError(
                    f"{self.describe()}.any()/has(): {rel.mapper.class_.__name__} has no "
                    f"attribute {key!r} to filter by"
                )
            terms.append(adapt(_condition(getattr(entity, key) == value, "any()/has()"), renamed))
        froms: list[FromClause]
        if rel.secondary is None:
            on = direct_condition(rel, parent, target)
            froms = [target]
        else:
            to_secondary, to_target = secondary_conditions(rel, parent, target, rel.secondary)
            on = and_(to_secondary, to_target)
            froms = [rel.secondary, target]
        inner = (
            select(literal_column("1"))
            .select_from(*froms)
            .where(on, *terms)
            .correlate_except(*froms)  # the related rows are always the subquery's own
        )
        # The related class's criteria (a single-table subclass's), after the relationship's
        # condition, as SQLAlchemy writes them.
        inner._from_entities = ((entity, target),)
        inner._entity_criteria_at = 1
        return Exists(inner)

    def of_type(self, target: Any) -> RelationshipPath:
        """This relationship ending at ``target`` (an ``aliased()`` of the related class)."""
        target_mapper = getattr(target, "__mapper__", None)
        subclass = (
            target_mapper is not None
            and target_mapper is not self.rel.mapper
            and target_mapper.inheritance is not None
            and issubclass(target_mapper.class_, self.rel.mapper.class_)
        )
        if target_mapper is not self.rel.mapper and not subclass:
            name = self.rel.mapper.class_.__name__
            raise exc.ArgumentError(
                f"{self.describe()}.of_type({target!r}): {self.describe()} leads to {name}; "
                f"pass {name}, a mapped subclass of it, aliased({name}) or with_polymorphic()"
            )
        # A single-table subclass's criteria come with it where it is joined (the ON clause,
        # an any()'s subquery), not as conditions of the relationship: a loader option's
        # of_type(Sub) loads every related row, Sub's columns too.
        renamed = {id(self.target_from): target.__table__}
        criteria = tuple(adapt(c, renamed) for c in self.criteria)
        return RelationshipPath(
            self.rel,
            parent=self.parent_from,
            target=target.__table__,
            target_entity=target,
            criteria=criteria,
        )


def _value_of(
    obj: object, mapper: Mapper, column: Column, compared: ColumnElement[Any]
) -> BindParameter[Any]:
    """A parameter holding ``obj``'s value of ``column``, read when the statement runs."""
    key = mapper.attribute_of(column)
    if key not in mapper.columns_by_key:
        raise exc.InvalidRequestError(
            f"{type(obj).__name__} maps no attribute to column {column.describe()}; "
            "map it to compare objects through this relationship"
        )
    bind: BindParameter[Any] = BindParameter(
        None, type_=compared.type, callable_=_AttributeReader(obj, key), origin=compared.describe()
    )
    bind.display_name = "param"  # str() shows an object's key as SQLAlchemy does: :param_1
    return bind


def _shown_reversed(condition: Any) -> Any:
    """``condition``, shown by ``str()`` with its value first (``:param_1 = t.fk``)."""
    if isinstance(condition, BinaryExpression):
        condition.shown_reversed = True
    return condition


class _AttributeReader:
    """Reads one attribute of an object when a statement's parameters are gathered."""

    __slots__ = ("key", "obj")

    def __init__(self, obj: object, key: str) -> None:
        self.obj = obj
        self.key = key

    def __call__(self) -> Any:
        return getattr(self.obj, self.key)


def direct_condition(
    rel: Relationship, parent: FromClause, target: FromClause
) -> ColumnElement[bool]:
    """The ON clause of a one-to-many or many-to-one between two FROMs (tables or aliases)."""
    if rel.custom_join is not None:
        return rel.join_condition(parent, target)
    on_parent, on_target = rel.parent.selected_column, rel.mapper.selected_column
    terms: list[ColumnElement[Any]] = []
    for src, fk in rel.synchronize_pairs:
        if rel.direction is Direction.MANYTOONE:
            terms.append(on_target(target, src) == on_parent(parent, fk))
        else:
            terms.append(on_parent(parent, src) == on_target(target, fk))
    return and_(*terms, *_extra_criteria(rel, parent, target, None))


def secondary_conditions(
    rel: Relationship, parent: FromClause, target: FromClause, secondary: FromClause
) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """ON clauses of a many-to-many: parent to the secondary, target to the secondary."""
    to_secondary = and_(
        *(
            rel.parent.selected_column(parent, p) == secondary.columns[s.key]
            for p, s in rel.secondary_pairs
        )
    )
    to_target = and_(
        *(
            rel.mapper.selected_column(target, t) == secondary.columns[s.key]
            for t, s in rel.target_pairs
        ),
        *_extra_criteria(rel, parent, target, secondary),
    )
    return to_secondary, to_target


def _extra_criteria(
    rel: Relationship, parent: FromClause, target: FromClause, secondary: FromClause | None
) -> list[ColumnElement[Any]]:
    """``primaryjoin`` conditions beyond the column pairs, moved onto the FROMs used."""
    renamed = table_aliases(rel.parent.table, parent)
    # self-referential: the conditions name the target
    renamed.update(table_aliases(rel.mapper.table, target))
    if secondary is not None and rel.secondary is not None:
        renamed[id(rel.secondary)] = secondary
    return [adapt(condition, renamed) for condition in rel.extra_criteria]


def adapt(element: Any, renamed: dict[int, FromClause]) -> Any:
    """``element`` with each column of a table in ``renamed`` replaced by the alias's column."""
    if not renamed:
        return element

    def aliased_column(column: NamedColumn[Any]) -> Any:
        table = column.table
        replacement = renamed.get(id(table)) if table is not None else None
        if replacement is None or replacement is table:
            return column
        return replacement.columns[column.key]

    return substitute(element, aliased_column)


# -- what RelationshipAttribute delegates to ---------------------------------------------


def compare(rel: Relationship, other: object, negate: bool) -> ColumnElement[bool]:
    return RelationshipPath(rel).compare(other, negate)


def any_(rel: Relationship, criterion: Any, kwargs: dict[str, Any]) -> ColumnElement[bool]:
    return RelationshipPath(rel).any(criterion, **kwargs)


def has(rel: Relationship, criterion: Any, kwargs: dict[str, Any]) -> ColumnElement[bool]:
    return RelationshipPath(rel).has(criterion, **kwargs)


def contains(rel: Relationship, other: object) -> ColumnElement[bool]:
    return RelationshipPath(rel).contains(other)


def of_type(rel: Relationship, target: Any) -> RelationshipPath:
    return RelationshipPath(rel).of_type(target)


def path(rel: Relationship) -> RelationshipPath:
    """The relationship between its parent's and its target's tables."""
    return RelationshipPath(rel)


__all__ = ["RelationshipPath", "adapt", "any_", "compare", "contains", "has", "of_type", "path"]


def lazy_statement(rel: Relationship) -> Select:
    """``SELECT target WHERE <remote columns> = :corral_lazy_N``, built once per relationship."""
    cached: Select | None = rel.lazy_select
    if cached is not None:
        return cached
    statement = select(rel.mapper.class_)
    if rel.custom_join is not None:  # the parent's values in place of its columns
        slots = {
            id(column): bindparam(f"corral_lazy_{i}", type_=column.type)
            for i, column in enumerate(rel.custom_join.local_columns)
        }
        condition = rel.custom_join.render(lambda c: slots[id(c)], lambda c: c)
        statement = statement.where(condition)
        if rel.order_by:
            statement = statement.order_by(*rel.order_by)
        rel.lazy_select = statement.freeze()
        return statement
    if rel.direction is Direction.MANYTOMANY:
        assert rel.secondary is not None
        on = and_(*(target == secondary for target, secondary in rel.target_pairs))
        statement = statement.join(rel.secondary, on)
    conditions = [
        column == bindparam(f"corral_lazy_{i}", type_=column.type)
        for i, column in enumerate(rel.remote_columns())
    ]
    statement = statement.where(and_(*conditions, *rel.extra_criteria))
    if rel.order_by:
        statement = statement.order_by(*rel.order_by)
    rel.lazy_select = statement.freeze()
    return statement
