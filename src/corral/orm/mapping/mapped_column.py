"""``mapped_column()``: a column declared on a mapped class."""

from __future__ import annotations

import sys
from typing import Any

from corral import exc
from corral.orm.mapping.dataclass_fields import take_dataclass_options
from corral.sql.dialect_options import take_dialect_options
from corral.sql.schema import COLUMN_OPTIONS, Column, ForeignKey, split_column_arguments
from corral.sql.type_api import TypeEngine
from corral.util.arguments import refuse_unknown

#: SQLAlchemy's mapped_column() keywords corral does not implement, with what to do instead.
UNSUPPORTED_MAPPED_COLUMN_OPTIONS: dict[str, str] = {
    "type_": "give the type as a positional argument: mapped_column(String(50))",
    "use_existing_column": "corral has no single-table inheritance; remove it",
    "sort_order": "columns follow the order of the class body (mixins first); remove it",
    "key": "the attribute name is the key; remove it",
}


class MappedColumn:
    """What ``mapped_column()`` returns: Column arguments waiting for the class to be mapped."""

    __slots__ = (
        "active_history",
        "column",
        "dataclass_options",
        "deferred",
        "foreign_keys",
        "name",
        "options",
        "plain",
        "stand_in",
        "type",
    )

    def __init__(
        self,
        name: str | None,
        type_: TypeEngine | None,
        foreign_keys: list[ForeignKey],
        options: dict[str, Any],
    ) -> None:
        self.name = name
        self.type = type_
        self.foreign_keys = foreign_keys
        self.options = options
        #: The Column made from this declaration (once its class is mapped).
        self.column: Column | None = None
        #: ``(group, raiseload)`` when the column is deferred, else None.
        self.deferred: tuple[str | None, bool] | None = None
        #: The plain ``Column`` this declares, for ``deferred(Column(...))``.
        self.plain: Column | None = None
        #: A Column SQL in the class body was built on, made the mapped one when mapped.
        self.stand_in: Column | None = None
        #: ``init=``, ``default_factory=``... for ``MappedAsDataclass`` (see dataclass_fields).
        self.dataclass_options: dict[str, Any] = {}
        #: Setting the attribute loads an unloaded old value first (its history keeps it).
        self.active_history = False

    def make_column(
        self, attribute: str, type_: TypeEngine, nullable_from_annotation: bool | None
    ) -> Column:
        """The Column for attribute ``attribute``, its type and nullability filled in."""
        options = dict(self.options)
        if "nullable" not in options and nullable_from_annotation is not None:
            options["nullable"] = nullable_from_annotation
        arguments = (self.name or attribute, type_, *self.foreign_keys)
        if self.stand_in is not None:  # SQL built in the class body refers to this object
            self.column, self.stand_in = self.stand_in, None
            Column.__init__(self.column, *arguments, key=attribute, **options)
        else:
            self.column = Column(*arguments, key=attribute, **options)
        self.column.keyed_by_attribute = self.column.name != attribute
        return self.column

    # In the class body, ``column_property(first + " " + last)`` and correlated
    # subqueries (``Address.user_id == id``) use the column before the class is mapped:
    # they get a stand-in Column, which make_column() fills in once the name is known.

    def __clause_element__(self) -> Column:
        if self.column is not None:
            return self.column
        if self.stand_in is None:
            type_ = self.type if self.type is not None else _type_in_class_body(self)
            named = (self.name, type_) if self.name is not None else (type_,)
            self.stand_in = Column(*named, *self.foreign_keys)
        return self.stand_in

    def __add__(self, other: Any) -> Any:
        return self.__clause_element__() + other

    def __radd__(self, other: Any) -> Any:
        return other + self.__clause_element__()

    def __sub__(self, other: Any) -> Any:
        return self.__clause_element__() - other

    def __mul__(self, other: Any) -> Any:
        return self.__clause_element__() * other

    def __truediv__(self, other: Any) -> Any:
        return self.__clause_element__() / other

    def label(self, name: str | None) -> Any:
        return self.__clause_element__().label(name)


def _type_in_class_body(declared: MappedColumn) -> TypeEngine:
    """The SQL type the class body being executed annotates ``declared`` with (``Mapped[str]``
    gives String), so that SQL built in the body types its operators; NullType if unknown."""
    from typing import get_args, get_origin

    from corral.orm.base import Mapped
    from corral.orm.mapping.declarative import DEFAULT_TYPE_MAP
    from corral.sql.type_api import NullType

    frame: Any = sys._getframe(1)
    for _ in range(6):
        frame = frame.f_back
        if frame is None:
            break
        namespace = frame.f_locals
        if "__qualname__" not in namespace or "__module__" not in namespace:
            continue
        annotations = namespace.get("__annotations__", {})
        for name, value in namespace.items():
            if value is declared and name in annotations:
                annotation = annotations[name]
                if isinstance(annotation, str):
                    try:
                        scope = {"Mapped": Mapped, **frame.f_globals}
                        annotation = eval(annotation, scope, dict(namespace))
                    except Exception:
                        return NullType()
                if get_origin(annotation) is Mapped:
                    (inner,) = get_args(annotation)
                    args = [a for a in get_args(inner) if a is not type(None)]
                    inner = args[0] if get_origin(inner) is not None and args else inner
                    found = DEFAULT_TYPE_MAP.get(inner)
                    if found is not None:
                        return found() if isinstance(found, type) else found
        break
    return NullType()


def mapped_column(*args: Any, **kwargs: Any) -> Any:
    """Declare a mapped column: ``id: Mapped[int] = mapped_column(primary_key=True)``.

    Positional arguments are an optional column name, an optional type and any
    ``ForeignKey``; keywords are the ``Column`` options. The type and the
    nullability come from the ``Mapped[...]`` annotation when not given.
    """
    dataclass_options = take_dataclass_options(kwargs)
    positional_name, type_, foreign_keys = split_column_arguments(args, "mapped_column()")
    name: str | None = kwargs.pop("name", None) or positional_name
    deferred_flag = bool(kwargs.pop("deferred", False))
    group: str | None = kwargs.pop("deferred_group", None)
    raiseload = bool(kwargs.pop("deferred_raiseload", False))
    active_history = bool(kwargs.pop("active_history", False))
    known = COLUMN_OPTIONS | {"name", "deferred", "deferred_group", "deferred_raiseload"}
    # SQLAlchemy keywords corral lacks are refused with advice; anything else not a Column
    # option must be a dialect option (checked now, raising otherwise).
    advised = [
        key for key in kwargs if key not in known and key in UNSUPPORTED_MAPPED_COLUMN_OPTIONS
    ]
    refuse_unknown("mapped_column()", advised, known, UNSUPPORTED_MAPPED_COLUMN_OPTIONS)
    take_dialect_options(
        "column", {k: v for k, v in kwargs.items() if k not in known}, "mapped_column()", known
    )
    declared = MappedColumn(name, type_, foreign_keys, kwargs)
    declared.dataclass_options = dataclass_options
    declared.active_history = active_history
    if deferred_flag or group is not None or raiseload:
        declared.deferred = (group, raiseload)
    return declared


def deferred(declared: Any = None, *, group: str | None = None, raiseload: bool = False) -> Any:
    """A column left out of queries until read: ``bio: Mapped[str] = deferred(mapped_column())``.

    It also takes a plain ``Column(...)``, as older SQLAlchemy code writes it.
    Columns of one ``group`` load together; ``raiseload=True`` makes reading an
    unloaded value an error (load it with ``undefer()`` instead).
    """
    if declared is None:
        declared = mapped_column()
    if isinstance(declared, Column):
        column = declared
        declared = MappedColumn(None, None, [], {})
        declared.plain = column
    if not isinstance(declared, MappedColumn):
        raise exc.ArgumentError(
            f"deferred() takes a mapped_column(...) or a Column(...), got {declared!r}; or "
            "write mapped_column(deferred=True)"
        )
    declared.deferred = (group, raiseload)
    return declared
