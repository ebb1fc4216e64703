"""corral.orm: mapping, the Session and the unit of work."""

from corral.orm.base import Mapped, ObjectStatus
from corral.orm.declarative import DeclarativeBase, registry
from corral.orm.inspection import inspect
from corral.orm.mapped_column import mapped_column
from corral.orm.mapper import Mapper
from corral.orm.session import Session, SessionTransaction, sessionmaker

__all__ = [
    "DeclarativeBase",
    "Mapped",
    "Mapper",
    "ObjectStatus",
    "Session",
    "SessionTransaction",
    "inspect",
    "mapped_column",
    "registry",
    "sessionmaker",
]
