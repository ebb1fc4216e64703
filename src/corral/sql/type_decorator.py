"""``TypeDecorator`` and ``UserDefinedType``: SQL types written by the user.

A ``TypeDecorator`` wraps an existing type (its ``impl``): the database sees
the ``impl`` (its DDL, its driver conversions), while values pass through the
decorator's ``process_bind_param`` on the way in and ``process_result_value``
on the way out, in INSERT and UPDATE values, in WHERE comparisons and in the
ORM alike. A ``UserDefinedType`` spells its own DDL (``get_col_spec()``) and
brings its own ``bind_processor`` / ``result_processor``.
"""

from __future__ import annotations

import copy as copy_module
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, ClassVar

from corral import exc
from corral.sql.type_api import (
    Processor,
    StorageCheck,
    TypeEngine,
    constructor_repr,
    to_instance,
)

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect


def _instance_key(type_: TypeEngine) -> Hashable:
    """A cache key from a user type's attributes, or its identity when they do not hash."""
    items = tuple(
        sorted(((k, v) for k, v in vars(type_).items() if k not in ("impl", "_impl")), key=str)
    )
    try:
        hash(items)
    except TypeError:
        return (type(type_), id(type_))
    return (type(type_), items)


class TypeDecorator(TypeEngine):
    """A type that converts values around an existing type, its ``impl``.

    Subclass it, set ``impl`` (a type class or instance) and ``cache_ok = True``
    when instances with equal attributes behave alike, and override
    ``process_bind_param(value, dialect)`` and ``process_result_value(value,
    dialect)``; ``load_dialect_impl(dialect)`` may choose another type per
    dialect. Constructor arguments go to the ``impl`` class.
    """

    #: The wrapped type: a class or instance on the class, its instance on an instance.
    impl: TypeEngine | type[TypeEngine]
    #: Whether statements using this type may share compiled SQL by its attributes.
    cache_ok: ClassVar[bool | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        declared = type(self).__dict__.get("impl", getattr(type(self), "impl", None))
        if declared is None:
            raise exc.ArgumentError(
                f"{type(self).__name__} is a TypeDecorator without impl; set the class "
                "attribute impl to the type it wraps (impl = String)"
            )
        if isinstance(declared, type):
            if not issubclass(declared, TypeEngine):
                raise exc.ArgumentError(
                    f"{type(self).__name__}.impl must be a SQL type, got {declared!r}"
                )
            instance = declared(*args, **kwargs)
        else:
            if args or kwargs:
                raise exc.ArgumentError(
                    f"{type(self).__name__}() takes no arguments: its impl is the instance "
                    f"{declared!r}; make impl a class to pass it arguments"
                )
            instance = copy_module.copy(declared)
        self.impl = instance
        self._impl: TypeEngine = instance

    # -- what the database sees ------------------------------------------------------------

    @property
    def impl_instance(self) -> TypeEngine:
        return self._impl

    def load_dialect_impl(self, dialect: SQLDialect) -> TypeEngine:
        """The type used on ``dialect`` (``impl`` unless overridden)."""
        return self._impl

    def dialect_impl(self, dialect: SQLDialect) -> TypeEngine:
        return to_instance(self.load_dialect_impl(dialect)).dialect_impl(dialect)

    def __getattr__(self, name: str) -> Any:
        # Attributes of the wrapped type (length, timezone, ...) read through, as in SQLAlchemy.
        if name in ("impl", "_impl") or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._impl, name)

    @property
    def affinity(self) -> Any:  # type: ignore[override]
        return self._impl.affinity

    @property
    def python_type(self) -> type:
        return self._impl.python_type

    # -- the user's conversions ------------------------------------------------------------

    def process_bind_param(self, value: Any, dialect: SQLDialect) -> Any:
        """A Python value converted for the ``impl`` (unchanged unless overridden)."""
        return value

    def process_result_value(self, value: Any, dialect: SQLDialect) -> Any:
        """A value read through the ``impl`` converted to Python (unchanged unless overridden)."""
        return value

    def process_literal_param(self, value: Any, dialect: SQLDialect) -> Any:
        """A value converted for writing into SQL text (``process_bind_param`` unless
        overridden)."""
        return self.process_bind_param(value, dialect)

    def literal_value(self, value: Any, dialect: SQLDialect) -> Any:
        return self.dialect_impl(dialect).literal_value(
            self.process_literal_param(value, dialect), dialect
        )

    def accepts(self, value: object) -> bool:
        return True  # what the decorator takes is its own business; the impl checks its result

    def storage_check(self, dialect: SQLDialect, *, stored: bool) -> StorageCheck | None:
        return None

    def bind_processor(self, dialect: SQLDialect) -> Processor | None:
        impl = self.dialect_impl(dialect)
        impl_convert = impl.bind_processor(dialect)
        check = impl.storage_check(dialect, stored=True)
        process_bind_param = self.process_bind_param
        name = type(self).__name__

        def convert(value: Any) -> Any:
            value = process_bind_param(value, dialect)
            if value is None:
                return None
            if not impl.accepts(value):
                raise exc.ArgumentError(
                    f"{name}.process_bind_param() returned a value its impl refuses: "
                    f"{impl.rejection(value)}"
                )
            if check is not None and (reason := check(value)) is not None:
                raise exc.ArgumentError(f"{name}: {reason}")
            return value if impl_convert is None else impl_convert(value)

        return convert

    def result_processor(self, dialect: SQLDialect, coltype: object = None) -> Processor | None:
        impl_convert = self.dialect_impl(dialect).result_processor(dialect, coltype)
        process_result_value = self.process_result_value

        def convert(value: Any) -> Any:
            if impl_convert is not None:
                value = impl_convert(value)
            return process_result_value(value, dialect)

        return convert

    def coerce_compared_value(self, op: object, value: Any) -> TypeEngine:
        return self

    def copy(self, **kw: Any) -> TypeDecorator:
        """A copy of this type, its ``impl`` copied too."""
        clone = copy_module.copy(self)
        clone._impl = copy_module.copy(self._impl)
        clone.impl = clone._impl
        clone.__dict__.update(kw)
        return clone

    def cache_key(self) -> Hashable:
        if not type(self).cache_ok:
            return (type(self), id(self))
        return (_instance_key(self), self._impl.cache_key())

    def describe(self) -> str:
        return f"{type(self).__name__}({self._impl.describe()})"

    def __repr__(self) -> str:
        return constructor_repr(self, self._impl)


class UserDefinedType(TypeEngine):
    """A type of the user's making: ``get_col_spec()`` gives its DDL; override
    ``bind_processor(dialect)`` and ``result_processor(dialect, coltype)`` to convert."""

    visit_name = "user_defined"
    cache_ok: ClassVar[bool | None] = None

    def get_col_spec(self, **kw: Any) -> str:
        raise exc.CompileError(
            f"{type(self).__name__} is a UserDefinedType without get_col_spec(); define it to "
            "return the type's DDL (such as 'POINT')"
        )

    def bind_processor(self, dialect: SQLDialect) -> Processor | None:
        return None

    def result_processor(self, dialect: SQLDialect, coltype: object = None) -> Processor | None:
        return None

    def coerce_compared_value(self, op: object, value: Any) -> TypeEngine:
        return self

    def cache_key(self) -> Hashable:
        if not type(self).cache_ok:
            return (type(self), id(self))
        return _instance_key(self)

    def describe(self) -> str:
        return type(self).__name__
