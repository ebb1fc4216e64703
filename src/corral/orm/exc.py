"""corral.orm.exc: the ORM's exceptions under the module path SQLAlchemy gives them.

They are the classes of ``corral.exc`` (one hierarchy), not copies: ``except`` clauses
written against either module catch the same errors.
"""

from corral.exc import (
    DetachedInstanceError,
    FlushError,
    MultipleResultsFound,
    NoResultFound,
    ObjectDeletedError,
    ObjectDereferencedError,
    StaleDataError,
    UnmappedClassError,
    UnmappedColumnError,
    UnmappedError,
    UnmappedInstanceError,
)

#: SQLAlchemy's older name for ``StaleDataError``.
ConcurrentModificationError = StaleDataError

__all__ = [
    "ConcurrentModificationError",
    "DetachedInstanceError",
    "FlushError",
    "MultipleResultsFound",
    "NoResultFound",
    "ObjectDeletedError",
    "ObjectDereferencedError",
    "StaleDataError",
    "UnmappedClassError",
    "UnmappedColumnError",
    "UnmappedError",
    "UnmappedInstanceError",
]
