"""ModelFactory: mapped instances for tests, with required columns filled from a sequence."""

from __future__ import annotations

import datetime
import decimal
import enum
import uuid
from typing import TYPE_CHECKING, Any, TypeVar

from corral import exc
from corral.inspection import inspect

if TYPE_CHECKING:
    from corral.orm.session.session import Session
    from corral.sql.schema import Column

T = TypeVar("T")

_EPOCH = datetime.datetime(2000, 1, 1)


def _invented(column: Column, key: str, number: int) -> Any:
    """A value of ``column``'s Python type unique to ``number``, or ``None`` for none."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return None
    if issubclass(python_type, bool):
        return False
    if issubclass(python_type, enum.Enum):
        return next(iter(python_type))
    length = getattr(column.type, "length", None)
    if issubclass(python_type, str):
        text = f"{key}-{number}"
        return text[-length:] if length else text
    if issubclass(python_type, bytes):
        return f"{key}-{number}".encode()
    if issubclass(python_type, int | float | decimal.Decimal):
        return python_type(number)
    if issubclass(python_type, datetime.datetime):
        return _EPOCH + datetime.timedelta(seconds=number)
    if issubclass(python_type, datetime.date):
        return (_EPOCH + datetime.timedelta(days=number)).date()
    if issubclass(python_type, datetime.time):
        return datetime.time(number % 24)
    if issubclass(python_type, datetime.timedelta):
        return datetime.timedelta(seconds=number)
    if issubclass(python_type, uuid.UUID):
        return uuid.uuid4()
    return None


def _needs_value(column: Column) -> bool:
    """Whether an INSERT without ``column`` would fail: NOT NULL with nothing to fill it."""
    if column.nullable or column.default is not None or column.server_default is not None:
        return False
    if column.foreign_keys:
        return False  # a row to point at is the test's to choose
    return not (column.primary_key and column.autoincrement in (True, "auto"))


class ModelFactory:
    """Makes mapped instances: ``factory.create(User, name="ann")`` adds one to the session
    and flushes it; NOT NULL columns without a default that the call does not set get a value
    of their type numbered per model (``name-1``, ``name-2``...). A value that is a callable is
    called with that number: ``email=lambda n: f"user{n}@example.com"``."""

    def __init__(self, session: Session | None = None) -> None:
        self.session = session
        self._numbers: dict[type, int] = {}

    def build(self, model: type[T], **values: Any) -> T:
        """A new transient ``model`` instance; the session is not touched."""
        mapper = inspect(model, raiseerr=False)
        if mapper is None or not hasattr(mapper, "column_attrs"):
            raise exc.ArgumentError(
                f"ModelFactory.build() needs a mapped class; {model!r} is not mapped "
                f"(declare it on a DeclarativeBase, or map it with registry.map_imperatively)"
            )
        number = self._numbers[model] = self._numbers.get(model, 0) + 1
        resolved = {
            key: value(number) if callable(value) and not isinstance(value, type) else value
            for key, value in values.items()
        }
        for attribute in mapper.column_attrs:
            if attribute.key in resolved or len(attribute.columns) != 1:
                continue
            column = attribute.columns[0]
            if _needs_value(column):
                value = _invented(column, attribute.key, number)
                if value is not None:
                    resolved[attribute.key] = value
        return model(**resolved)

    def create(self, model: type[T], **values: Any) -> T:
        """A new ``model`` instance added to the session and flushed (so it has its key)."""
        if self.session is None:
            raise exc.InvalidRequestError(
                "ModelFactory.create() adds to a Session, and this factory has none; "
                "pass one: ModelFactory(session), or use build() for a transient instance"
            )
        instance = self.build(model, **values)
        self.session.add(instance)
        self.session.flush()
        return instance

    def create_batch(self, model: type[T], count: int, **values: Any) -> list[T]:
        """``count`` new instances added and flushed together."""
        if self.session is None:
            raise exc.InvalidRequestError(
                "ModelFactory.create_batch() adds to a Session, and this factory has none; "
                "pass one: ModelFactory(session), or use build() for transient instances"
            )
        instances = [self.build(model, **values) for _ in range(count)]
        self.session.add_all(instances)
        self.session.flush()
        return instances

    __call__ = create
