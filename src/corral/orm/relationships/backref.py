"""The relationship ``backref=`` creates on the other class.

Without join keywords the backref is its relationship turned around: the same column pairs
and extra criteria, the opposite direction. With ``backref("x", primaryjoin=...)`` (or
``foreign_keys=``, ``remote_side=``, ``secondaryjoin=``) it is configured from its own join,
as a relationship() declared on the other class would be; a many-to-one whose join leaves
out a criterion of its one-to-many side (a discriminator) is written this way.
"""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.orm.relationships.configuration import evaluation_namespace, resolve_order_by
from corral.orm.relationships.direction import Direction
from corral.orm.relationships.options import has_own_join
from corral.orm.relationships.relationship import Relationship


def make_backref(rel: Relationship, classes: dict[str, type]) -> Relationship:
    """The configured other side of ``rel`` (whose ``backref`` is set), not yet attached."""
    assert rel.backref is not None
    name, options = (rel.backref, {}) if isinstance(rel.backref, str) else rel.backref
    if name in rel.mapper.relationships or name in rel.mapper.columns_by_key:
        raise exc.ArgumentError(
            f"{rel.describe()}: backref {name!r} clashes with the existing attribute "
            f"{rel.mapper.class_.__name__}.{name}"
        )
    if has_own_join(options):
        return _with_own_join(rel, name, options, classes)
    if rel.custom_join is not None:
        raise exc.ArgumentError(
            f"{rel.describe()}: backref= cannot turn the condition "
            f"{rel.custom_join.describe()} around; give backref() its own primaryjoin=, or "
            "declare the other side's relationship with its own primaryjoin= (viewonly=True)"
        )
    return _turned_around(rel, name, options)


def _with_own_join(
    rel: Relationship, name: str, options: dict[str, Any], classes: dict[str, type]
) -> Relationship:
    options = dict(options)
    if rel.secondary_argument is not None:
        options["secondary"] = rel.secondary_argument
    other = Relationship(rel.parent.class_, **options)
    other.key = name
    other.parent = rel.mapper
    other.configure(classes)
    return other


def _turned_around(rel: Relationship, name: str, options: dict[str, Any]) -> Relationship:
    """The other side of ``rel``, configured from ``rel``'s own pairs."""
    options = dict(options)
    uselist = options.pop("uselist", None)
    other = Relationship(rel.parent.class_, **options)
    other.key = name
    other.parent = rel.mapper
    other.mapper = rel.parent
    other.secondary = rel.secondary
    other.synchronize_pairs = list(rel.synchronize_pairs)
    other.secondary_pairs = list(rel.target_pairs)
    other.target_pairs = list(rel.secondary_pairs)
    other.extra_criteria = list(rel.extra_criteria)
    other.direction = {
        Direction.ONETOMANY: Direction.MANYTOONE,
        Direction.MANYTOONE: Direction.ONETOMANY,
        Direction.MANYTOMANY: Direction.MANYTOMANY,
    }[rel.direction]
    if other.collection_class_argument is not None:
        other.collection_class = other.collection_class_argument
    if uselist is not None:
        other.uselist = uselist
    elif other.direction is Direction.ONETOMANY and not rel.uselist:
        other.uselist = True
    else:
        other.uselist = other.direction is not Direction.MANYTOONE
    classes = rel.parent.class_.registry.classes_by_name
    other.order_by = resolve_order_by(other, evaluation_namespace(other, classes))
    other.configured = True
    return other


__all__ = ["make_backref"]
