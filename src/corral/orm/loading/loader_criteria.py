"""``with_loader_criteria()``: a condition added to every SELECT of a class (or of the
mapped subclasses of a mixin) that a statement loads: the soft-delete or
multi-tenant filter, usually added by a ``do_orm_execute`` listener.

corral applies it to the entities the statement selects (to aliased ones with
``include_aliases=True``) and, with ``propagate_to_loaders``, to the lazy,
selectin and subquery loads of the objects loaded (the load tree carries it:
``LoadNode.propagated``); joined eager loads and reloads of expired attributes
do not carry it yet.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from corral import exc
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
    return statement


__all__ = ["LoaderCriteriaOption", "apply_criteria", "with_loader_criteria"]
