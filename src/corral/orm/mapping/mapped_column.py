"""``mapped_column()``: a column declared on a mapped class."""

from __future__ import annotations

from typing import Any

from corral import exc
from corral.sql.dialect_options import take_dialect_options
from corral.sql.schema import COLUMN_OPTIONS, Column, ForeignKey, split_column_arguments
from corral.sql.type_api import TypeEngine
from corral.util.arguments import refuse_unknown

_DATACLASS = "a dataclass option, and corral has no MappedAsDataclass; remove it"

#: SQLAlchemy's mapped_column() keywords corral does not implement, with what to do instead.
UNSUPPORTED_MAPPED_COLUMN_OPTIONS: dict[str, str] = {
    "type_": "give the type as a positional argument: mapped_column(String(50))",
    "active_history": "corral does not implement it yet; remove it",
    "use_existing_column": "corral has no single-table inheritance; remove it",
    "sort_order": "columns follow the order of the class body (mixins first); remove it",
    "key": "the attribute name is the key; remove it",
    **dict.fromkeys(
        ("init", "repr", "default_factory", "compare", "kw_only", "hash", "dataclass_metadata"),
        _DATACLASS,
    ),
}


class MappedColumn:
    """What ``mapped_column()`` returns: Column arguments waiting for the class to be mapped."""

    __slots__ = ("column", "deferred", "foreign_keys", "name", "options", "plain", "type")

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

    def make_column(
        self, attribute: str, type_: TypeEngine, nullable_from_annotation: bool | None
    ) -> Column:
        """The Column for attribute ``attribute``, its type and nullability filled in."""
        options = dict(self.options)
        if "nullable" not in options and nullable_from_annotation is not None:
            options["nullable"] = nullable_from_annotation
        self.column = Column(
            self.name or attribute, type_, *self.foreign_keys, key=attribute, **options
        )
        return self.column


def mapped_column(*args: Any, **kwargs: Any) -> Any:
    """Declare a mapped column: ``id: Mapped[int] = mapped_column(primary_key=True)``.

    Positional arguments are an optional column name, an optional type and any
    ``ForeignKey``; keywords are the ``Column`` options. The type and the
    nullability come from the ``Mapped[...]`` annotation when not given.
    """
    positional_name, type_, foreign_keys = split_column_arguments(args, "mapped_column()")
    name: str | None = kwargs.pop("name", None) or positional_name
    deferred_flag = bool(kwargs.pop("deferred", False))
    group: str | None = kwargs.pop("deferred_group", None)
    raiseload = bool(kwargs.pop("deferred_raiseload", False))
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
