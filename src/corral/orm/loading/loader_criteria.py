"""``with_loader_criteria()``: a condition added to every SELECT of a class (or of the
mapped subclasses of a mixin) that a statement loads: the soft-delete or
multi-tenant filter, usually added by a ``do_orm_execute`` listener.

corral applies it to the entities the statement selects (to aliased ones with
``include_aliases=True``) and, with ``propagate_to_loaders``, to the lazy,
selectin and subquery loads of the objects loaded (the load tree carries it:
``LoadNode.propagated``); a mapped table the statement joins gets it in its ON
clause. Joined eager loads and reloads of expired attributes do not carry it yet.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from corral import exc
from corral.sql.conditions import and_
from corral.sql.from_clause import Join, Subquery
from corral.sql.schema import Table
from corral.sql.selectable import Select


class LoaderCriteriaOption:
    """The option ``with_loader_criteria()`` returns."""

    #: Statements take as options what has a ``path`` (a loader option's); this has none.
    path: tuple[object, ...] = ()

    def __init__(
        self,
        entity: Any,
        criteria: Any,
        include_aliases: bool,
        propagate_to_loaders: bool,
    ) -> None:
        self.entity = getattr(entity, "class_", entity)  # a Mapper stands for its class
        self.criteria = criteria
        self.include_aliases = include_aliases
        self.propagate_to_loaders = propagate_to_loaders

    def __repr__(self) -> str:
        return f"with_loader_criteria({getattr(self.entity, '__name__', self.entity)!r}, ...)"

    def condition_for(self, entity: Any) -> Any:
        """The condition on ``entity`` (a selected class or alias), or None if not ours."""
        aliased = not isinstance(entity, type)
        mapper = getattr(entity, "__mapper__", None)
        if mapper is None or (aliased and not self.include_aliases):
            return None
        if not issubclass(mapper.class_, self.entity):
            return None
        if callable(self.criteria) and not hasattr(self.criteria, "__clause_element__"):
            return self.criteria(entity)
        if aliased:
            raise exc.ArgumentError(
                f"{self!r}: give the criteria as a lambda (lambda cls: cls.deleted == false()) "
                "so that corral can apply it to the aliased class"
            )
        return self.criteria


def with_loader_criteria(
    entity_or_base: Any,
    where_criteria: Any | Callable[[Any], Any],
    loader_only: bool = False,
    include_aliases: bool = False,
    propagate_to_loaders: bool = True,
    track_closure_variables: bool = True,
) -> LoaderCriteriaOption:
    """A condition on every SELECT of ``entity_or_base`` (a class, a mixin or base of mapped
    classes, or a Mapper) in the statement; ``where_criteria`` is an expression or a
    lambda taking the class."""
    if loader_only:
        raise exc.ArgumentError(
            "with_loader_criteria(loader_only=True) is not supported: corral applies the "
            "criteria to the statement's own entities only; drop loader_only"
        )
    return LoaderCriteriaOption(
        entity_or_base, where_criteria, include_aliases, propagate_to_loaders
    )


def apply_criteria(statement: Select) -> Select:
    """``statement`` with the conditions of its ``with_loader_criteria()`` options added."""
    options = [o for o in statement._with_options if isinstance(o, LoaderCriteriaOption)]
    if not options:
        return statement
    owners: list[Any] = []
    for entity in statement._entities:
        owner = entity if hasattr(entity, "__mapper__") else getattr(entity, "class_", None)
        if owner is not None and not any(owner is seen for seen in owners):
            owners.append(owner)  # select(User.name) filters on User's rows too
    for owner in owners:
        for option in options:
            condition = option.condition_for(owner)
            if condition is not None:
                statement = statement.where(condition)
    return _apply_to_joined(statement, options, owners)


def _apply_to_joined(
    statement: Select, options: list[LoaderCriteriaOption], owners: list[Any]
) -> Select:
    """The conditions for the mapped tables the statement's FROM brings in besides its
    entities (``select(Child).join(Parent.child)``): a joined table's go into its ON clause,
    the leftmost table's into the WHERE clause."""
    selected = {id(getattr(o, "__table__", None)) for o in owners}

    def conditions(table: Any) -> list[Any]:
        if not isinstance(table, Table) or id(table) in selected:
            return []
        found = []
        for cls in _classes_of(table):
            for option in options:
                condition = option.condition_for(cls)
                if condition is not None:
                    found.append(condition)
        return found

    # select(func.count()).select_from(select(User).subquery()) (Query.count()): nothing
    # outside refers to the subquery's columns, so its SELECT can take the criteria.
    counting = (
        not any(getattr(e, "_from_objects", lambda: [])() for e in statement._entities)
        and not statement._where
    )

    def rebuilt(from_: Any) -> Any:
        if counting and isinstance(from_, Subquery) and isinstance(from_.element, Select):
            inner = apply_criteria(from_.element.options(*options))
            return from_ if inner is from_.element else inner.subquery(from_.name)
        if not isinstance(from_, Join):
            return from_
        left = rebuilt(from_.left)
        extra = conditions(from_.right)
        if left is from_.left and not extra:
            return from_
        clone = copy.copy(from_)
        clone.left = left
        if extra:
            clone.onclause = and_(from_.onclause, *extra)
        return clone

    froms = [rebuilt(f) for f in statement._from_obj]
    where: list[Any] = []
    for f in froms:
        if not isinstance(f, Join):
            continue  # select_from(table): a table, not an entity of the statement
        leftmost: Any = f
        while isinstance(leftmost, Join):
            leftmost = leftmost.left
        where += conditions(leftmost)
    if all(new is old for new, old in zip(froms, statement._from_obj, strict=True)) and not where:
        return statement
    clone = statement._clone()
    clone._from_obj = froms
    return clone.where(*where) if where else clone


def _classes_of(table: Table) -> list[type]:
    """The mapped classes whose rows live in ``table`` (the base of a hierarchy only)."""
    from corral.orm.mapping.mapper_lookup import REGISTRIES

    found = []
    for registry in list(REGISTRIES):
        for cls, mapper in list(registry.mappers.items()):
            if mapper.local_table is table and not any(
                getattr(getattr(base, "__mapper__", None), "local_table", None) is table
                for base in cls.__mro__[1:]
            ):
                found.append(cls)
    return found


__all__ = ["LoaderCriteriaOption", "apply_criteria", "with_loader_criteria"]
