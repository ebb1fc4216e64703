"""The Session, its transactions, sessionmaker, scoped sessions, retry and ORM-enabled
UPDATE/DELETE. The top of the ORM: it may import every other ``orm`` sub-package."""

from corral.orm.session.events import ORMExecuteState
from corral.orm.session.maker import sessionmaker
from corral.orm.session.object_states import (
    make_transient,
    make_transient_to_detached,
    object_session,
)
from corral.orm.session.session import Session
from corral.orm.session.transaction import SessionTransaction, TransactionStatus

__all__ = [
    "ORMExecuteState",
    "Session",
    "SessionTransaction",
    "TransactionStatus",
    "make_transient",
    "make_transient_to_detached",
    "object_session",
    "sessionmaker",
]
