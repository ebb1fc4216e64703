"""The Session, its transaction and sessionmaker."""

from corral.orm.session.maker import sessionmaker
from corral.orm.session.session import Session
from corral.orm.session.transaction import SessionTransaction, TransactionStatus

__all__ = ["Session", "SessionTransaction", "TransactionStatus", "sessionmaker"]
