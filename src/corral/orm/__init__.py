"""corral.orm: mapping, relationships, loading, the unit of work and the Session.

Sub-packages, each importing only those before it: ``mapping``, ``relationships``,
``loading`` and ``unit_of_work`` (independent of each other), ``session``; ``base``
holds the definitions all of them share. import-linter checks the order (pyproject.toml).
"""

from corral.exc import SessionLeakWarning
from corral.orm.base import Mapped, ObjectStatus
from corral.orm.loading import composite_bundle as _composite_bundle  # noqa: F401 (a hook)
from corral.orm.loading import descriptions as _descriptions  # noqa: F401 (the SQL hooks)
from corral.orm.loading.bundle import Bundle
from corral.orm.loading.loader_criteria import with_loader_criteria
from corral.orm.loading.strategy_options import (
    Load,
    contains_eager,
    defaultload,
    defer,
    immediateload,
    joinedload,
    lazyload,
    load_only,
    noload,
    raiseload,
    selectin_polymorphic,
    selectinload,
    subqueryload,
    undefer,
    undefer_group,
    with_expression,
)
from corral.orm.loading.user_options import UserDefinedOption
from corral.orm.mapping.aliased import aliased
from corral.orm.mapping.attribute_events import AttributeEvents, InstrumentationEvents
from corral.orm.mapping.column_property import column_property
from corral.orm.mapping.composite import composite
from corral.orm.mapping.dataclasses import MappedAsDataclass
from corral.orm.mapping.declarative import DeclarativeBase, registry
from corral.orm.mapping.declarative_base import declarative_base
from corral.orm.mapping.declared_attr import declared_attr
from corral.orm.mapping.events import InstanceEvents, MapperEvents
from corral.orm.mapping.events import mapper as mapper
from corral.orm.mapping.inspection import AttributeState, inspect
from corral.orm.mapping.mapped_column import MappedColumn, deferred, mapped_column
from corral.orm.mapping.mapper import Mapper
from corral.orm.mapping.mapper_lookup import class_mapper, clear_mappers, object_mapper
from corral.orm.mapping.prop_comparator import PropComparator
from corral.orm.mapping.properties import MapperProperty, configure_mappers
from corral.orm.mapping.query_expression import query_expression
from corral.orm.mapping.synonym import Synonym, synonym, synonym_for
from corral.orm.mapping.validates import validates
from corral.orm.mapping.with_polymorphic import with_polymorphic
from corral.orm.relationships import Relationship, RelationshipProperty
from corral.orm.relationships.annotations import foreign, remote
from corral.orm.relationships.dynamic import AppenderQuery, DynamicMapped, dynamic_loader
from corral.orm.relationships.keyed_collections import (
    KeyFuncDict,
    MappedCollection,
    attribute_keyed_dict,
    attribute_mapped_collection,
    column_keyed_dict,
    column_mapped_collection,
    keyfunc_mapping,
    mapped_collection,
)
from corral.orm.relationships.relationship import backref, relationship
from corral.orm.relationships.with_parent import with_parent
from corral.orm.relationships.write_only import WriteOnlyCollection, WriteOnlyMapped
from corral.orm.session import (
    Session,
    SessionTransaction,
    make_transient,
    make_transient_to_detached,
    object_session,
    sessionmaker,
)
from corral.orm.session.events import ORMExecuteState, SessionEvents
from corral.orm.session.merging import merge_frozen_result
from corral.orm.session.query import Query
from corral.orm.session.retry import Backoff
from corral.orm.session.scoping import scoped_session
from corral.sql.from_statement import FromStatement

__all__ = [
    "AppenderQuery",
    "AttributeEvents",
    "AttributeState",
    "Backoff",
    "Bundle",
    "DeclarativeBase",
    "DynamicMapped",
    "FromStatement",
    "InstanceEvents",
    "InstrumentationEvents",
    "KeyFuncDict",
    "Load",
    "Mapped",
    "MappedAsDataclass",
    "MappedCollection",
    "MappedColumn",
    "Mapper",
    "MapperEvents",
    "MapperProperty",
    "ORMExecuteState",
    "ObjectStatus",
    "PropComparator",
    "Query",
    "Relationship",
    "RelationshipProperty",
    "Session",
    "SessionEvents",
    "SessionLeakWarning",
    "SessionTransaction",
    "Synonym",
    "UserDefinedOption",
    "WriteOnlyCollection",
    "WriteOnlyMapped",
    "aliased",
    "attribute_keyed_dict",
    "attribute_mapped_collection",
    "backref",
    "class_mapper",
    "clear_mappers",
    "column_keyed_dict",
    "column_mapped_collection",
    "column_property",
    "composite",
    "configure_mappers",
    "contains_eager",
    "declarative_base",
    "declared_attr",
    "defaultload",
    "defer",
    "deferred",
    "dynamic_loader",
    "foreign",
    "immediateload",
    "inspect",
    "joinedload",
    "keyfunc_mapping",
    "lazyload",
    "load_only",
    "make_transient",
    "make_transient_to_detached",
    "mapped_collection",
    "mapped_column",
    "merge_frozen_result",
    "noload",
    "object_mapper",
    "object_session",
    "query_expression",
    "raiseload",
    "registry",
    "relationship",
    "remote",
    "scoped_session",
    "selectin_polymorphic",
    "selectinload",
    "sessionmaker",
    "subqueryload",
    "synonym",
    "synonym_for",
    "undefer",
    "undefer_group",
    "validates",
    "with_expression",
    "with_loader_criteria",
    "with_parent",
    "with_polymorphic",
]
