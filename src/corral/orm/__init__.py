"""corral.orm: mapping, the Session and the unit of work."""

from corral.orm.base import Mapped, ObjectStatus
from corral.orm.declarative import DeclarativeBase, registry
from corral.orm.inspection import inspect
from corral.orm.mapped_column import mapped_column
from corral.orm.mapper import Mapper
from corral.orm.scoping import SessionLeakWarning, scoped_session
from corral.orm.session import Session, SessionTransaction, sessionmaker
from corral.orm.session.retry import Backoff

__all__ = [
    "Backoff",
    "DeclarativeBase",
    "Mapped",
    "Mapper",
    "ObjectStatus",
    "Session",
    "SessionLeakWarning",
    "SessionTransaction",
    "inspect",
    "mapped_column",
    "registry",
    "scoped_session",
    "sessionmaker",
]
