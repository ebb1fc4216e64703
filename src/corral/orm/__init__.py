"""corral.orm: mapping, the Session and the unit of work."""

from corral.orm.aliased import aliased
from corral.orm.base import Mapped, ObjectStatus
from corral.orm.declarative import DeclarativeBase, registry
from corral.orm.inspection import inspect
from corral.orm.mapped_column import deferred, mapped_column
from corral.orm.mapper import Mapper
from corral.orm.relationships import backref, configure_mappers, relationship
from corral.orm.scoping import SessionLeakWarning, scoped_session
from corral.orm.session import Session, SessionTransaction, sessionmaker
from corral.orm.session.retry import Backoff
from corral.orm.strategy_options import (
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
)
from corral.orm.write_only import WriteOnlyCollection, WriteOnlyMapped

__all__ = [
    "Backoff",
    "DeclarativeBase",
    "Load",
    "Mapped",
    "Mapper",
    "ObjectStatus",
    "Session",
    "SessionLeakWarning",
    "SessionTransaction",
    "WriteOnlyCollection",
    "WriteOnlyMapped",
    "aliased",
    "backref",
    "configure_mappers",
    "contains_eager",
    "defaultload",
    "defer",
    "deferred",
    "inspect",
    "joinedload",
    "lazyload",
    "load_only",
    "mapped_column",
    "noload",
    "raiseload",
    "registry",
    "relationship",
    "scoped_session",
    "selectinload",
    "sessionmaker",
    "subqueryload",
    "undefer",
]
