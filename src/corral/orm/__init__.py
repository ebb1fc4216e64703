"""corral.orm: mapping, relationships, loading, the unit of work and the Session.

Sub-packages, each importing only those before it: ``mapping``, ``relationships``,
``loading`` and ``unit_of_work`` (independent of each other), ``session``; ``base``
holds the definitions all of them share. import-linter checks the order (pyproject.toml).
"""

from corral.exc import SessionLeakWarning
from corral.orm.base import Mapped, ObjectStatus
from corral.orm.loading import descriptions as _descriptions  # noqa: F401 (the SQL hooks)
from corral.orm.loading.bundle import Bundle
from corral.orm.loading.strategy_options import (
    Load,
    contains_eager,
    defaultload,
    defer,
    joinedload,
    lazyload,
    load_only,
    noload,
    raiseload,
    selectinload,
    subqueryload,
    undefer,
    undefer_group,
    with_expression,
)
from corral.orm.mapping.aliased import aliased
from corral.orm.mapping.declarative import DeclarativeBase, registry
from corral.orm.mapping.declarative_base import declarative_base
from corral.orm.mapping.inspection import AttributeState, inspect
from corral.orm.mapping.mapped_column import MappedColumn, deferred, mapped_column
from corral.orm.mapping.mapper import Mapper
from corral.orm.mapping.properties import MapperProperty, configure_mappers
from corral.orm.mapping.query_expression import query_expression
from corral.orm.relationships import Relationship, RelationshipProperty
from corral.orm.relationships.annotations import foreign, remote
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
from corral.orm.session.query import Query
from corral.orm.session.retry import Backoff
from corral.orm.session.scoping import scoped_session
from corral.sql.from_statement import FromStatement

__all__ = [
    "AttributeState",
    "Backoff",
    "Bundle",
    "DeclarativeBase",
    "FromStatement",
    "Load",
    "Mapped",
    "MappedColumn",
    "Mapper",
    "MapperProperty",
    "ObjectStatus",
    "Query",
    "Relationship",
    "RelationshipProperty",
    "Session",
    "SessionLeakWarning",
    "SessionTransaction",
    "WriteOnlyCollection",
    "WriteOnlyMapped",
    "aliased",
    "backref",
    "configure_mappers",
    "contains_eager",
    "declarative_base",
    "defaultload",
    "defer",
    "deferred",
    "foreign",
    "inspect",
    "joinedload",
    "lazyload",
    "load_only",
    "make_transient",
    "make_transient_to_detached",
    "mapped_column",
    "noload",
    "object_session",
    "query_expression",
    "raiseload",
    "registry",
    "relationship",
    "remote",
    "scoped_session",
    "selectinload",
    "sessionmaker",
    "subqueryload",
    "undefer",
    "undefer_group",
    "with_expression",
    "with_parent",
]
