"""``DeferredReflection``: declarative classes whose tables are read from the database later.

A class that derives from a ``DeferredReflection`` subclass and a ``DeclarativeBase``
is not mapped when Python creates it: it waits until ``prepare(engine)`` reads its
``__tablename__`` from the database, then maps every column of that table (and its
relationships), as SQLAlchemy's extension does. The class declares no columns of
its own (annotating the reflected ones, ``id: Mapped[int]``, is fine); a column it
declares raises at ``prepare()``, naming it.
"""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.orm.mapping.declarative import DeclarativeBase, _map_class
from corral.orm.mapping.mapped_column import MappedColumn
from corral.sql.schema import Column, Table

__all__ = ["DeferredReflection"]


class DeferredReflection:
    """Mixin for declarative classes mapped to tables read by ``prepare(engine)``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        if issubclass(cls, DeclarativeBase) and not cls.__dict__.get("__abstract__", False):
            if DeclarativeBase in cls.__bases__:
                raise exc.ArgumentError(
                    f"{cls.__name__}: make the declarative base on its own and mix "
                    "DeferredReflection into the mapped classes"
                )
            return  # mapped by prepare(), not now
        super().__init_subclass__(**kwargs)

    @classmethod
    def prepare(cls, bind: Any, **reflect_kw: Any) -> None:
        """Read the table of each waiting class that derives from ``cls`` from ``bind`` (an
        Engine or a Connection) and map the class to it."""
        if reflect_kw:
            raise exc.ArgumentError(
                f"DeferredReflection.prepare() does not take {', '.join(sorted(reflect_kw))}; "
                "it reads each class's __tablename__ with its foreign keys' tables"
            )
        for klass in _waiting(cls):
            declared = [
                name
                for name, value in klass.__dict__.items()
                if isinstance(value, MappedColumn | Column)
            ]
            if declared:
                raise exc.MappingError(
                    f"{klass.__name__} declares {', '.join(declared)}, but DeferredReflection "
                    "classes take every column from the database; leave them out"
                )
            name = klass.__dict__.get("__tablename__")
            if not name:
                raise exc.MappingError(
                    f"{klass.__name__} needs __tablename__ to be read by "
                    "DeferredReflection.prepare()"
                )
            metadata = klass.metadata
            tables = metadata.tables
            table = tables[name] if name in tables else Table(name, metadata, autoload_with=bind)
            klass.__table__ = table
            _map_class(klass)


def _waiting(cls: type) -> list[type[DeclarativeBase]]:
    """The subclasses of ``cls`` (at any depth) that wait to be mapped, in creation order."""
    found: list[type[DeclarativeBase]] = []
    pending: list[type] = list(cls.__subclasses__())
    while pending:
        klass = pending.pop(0)
        pending.extend(klass.__subclasses__())
        if not issubclass(klass, DeclarativeBase) or "__mapper__" in klass.__dict__:
            continue
        if not klass.__dict__.get("__abstract__", False) and klass not in found:
            found.append(klass)
    return found
