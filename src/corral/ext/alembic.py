"""Alembic: corral's MetaData as SQLAlchemy MetaData, for ``target_metadata`` in env.py.

::

    from corral.ext.alembic import to_sqlalchemy
    from myapp.models import Base
    target_metadata = to_sqlalchemy(Base.metadata)

Alembic then autogenerates, upgrades, downgrades and writes offline SQL as it does for a
SQLAlchemy project (``python -m corral migrations init`` writes such an env.py). The copy
carries what Alembic compares: tables and their comments; columns with their types,
nullability, server defaults, identity and comments; primary keys, foreign keys (with their
actions), unique and check constraints; indexes. Python-side defaults and ORM mapping do not
matter to a migration and are left out. A type is matched by its class name in
``sqlalchemy.types`` (or ``sqlalchemy.dialects.<database>`` for a dialect's own type), with
the arguments both define; a TypeDecorator is given as its ``impl``. Needs the ``alembic``
extra (``pip install corral[alembic]``), at migration time only.
"""

from __future__ import annotations

import importlib
import inspect as pyinspect
from typing import Any

import sqlalchemy as sa

from corral import exc
from corral.engine import make_url
from corral.sql import MetaData
from corral.sql.elements import ClauseElement
from corral.sql.schema import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Table,
    UniqueConstraint,
)
from corral.sql.text import TextClause
from corral.sql.type_decorator import TypeDecorator

__all__ = ["load_metadata", "sqlalchemy_url", "to_sqlalchemy", "to_sqlalchemy_type"]

#: The SQLAlchemy driver for each corral backend: the DB-API modules corral itself uses.
DRIVERS = {"postgresql": "postgresql+psycopg", "mysql": "mysql+pymysql", "sqlite": "sqlite"}


def _sqlalchemy_class(corral_type: Any) -> type[Any]:
    name = type(corral_type).__name__
    module = type(corral_type).__module__
    if module.startswith("corral.dialects."):
        dialect = module.split(".")[2]
        found = getattr(importlib.import_module(f"sqlalchemy.dialects.{dialect}"), name, None)
        if found is not None:
            return found  # type: ignore[no-any-return]
    for klass in type(corral_type).__mro__:
        found = getattr(sa.types, klass.__name__, None)
        if isinstance(found, type) and issubclass(found, sa.types.TypeEngine):
            return found
    raise exc.ArgumentError(
        f"corral.ext.alembic has no SQLAlchemy type for {name} (from {module}); wrap it in a "
        f"TypeDecorator whose impl is a standard type, or give the column a standard type"
    )


def to_sqlalchemy_type(corral_type: Any) -> Any:
    """The SQLAlchemy type instance equal to ``corral_type`` (same class name and arguments)."""
    if isinstance(corral_type, TypeDecorator):
        return to_sqlalchemy_type(corral_type.impl)
    klass = _sqlalchemy_class(corral_type)
    if issubclass(klass, sa.Enum):
        return klass(
            *corral_type.enums,
            name=corral_type.name,
            native_enum=corral_type.native_enum,
            length=corral_type.length,
            create_constraint=corral_type.create_constraint,
        )
    if hasattr(corral_type, "item_type"):  # ARRAY
        return klass(to_sqlalchemy_type(corral_type.item_type), dimensions=corral_type.dimensions)
    arguments = {}
    for parameter in pyinspect.signature(klass.__init__).parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name != "self" and hasattr(corral_type, parameter.name):
            arguments[parameter.name] = getattr(corral_type, parameter.name)
    return klass(**arguments)


def _server_default(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, TextClause):
        return sa.text(value.text)
    if isinstance(value, ClauseElement):  # func.now(), ...: its SQL, as corral prints it
        return sa.text(str(value))
    raise exc.ArgumentError(
        f"corral.ext.alembic cannot copy the server default {value!r}; write it as a string, "
        f"text('...') or a SQL expression such as func.now()"
    )


def _column(column: Column) -> Any:
    extras: list[Any] = []
    identity = column.identity
    if identity is not None:
        extras.append(
            sa.Identity(
                **{
                    name: getattr(identity, name)
                    for name in ("always", "start", "increment", "minvalue", "maxvalue", "cycle")
                    if getattr(identity, name) is not None
                }
            )
        )
    return sa.Column(
        column.name,
        to_sqlalchemy_type(column.type),
        *extras,
        key=column.key,
        primary_key=column.primary_key,
        nullable=column.nullable,
        autoincrement=column.autoincrement,  # type: ignore[arg-type]
        server_default=_server_default(column.server_default),
        comment=column.comment,
    )


def _target(column: Any) -> str:
    """``"table.column"``: where a foreign key points."""
    return f"{column.table.name}.{column.name}"


def _names(columns: list[Any]) -> list[str]:
    return [column.name for column in columns]


def _table(table: Table, target: Any) -> Any:
    items: list[Any] = [_column(column) for column in table.c if isinstance(column, Column)]
    if table.primary_key.columns:
        items.append(
            sa.PrimaryKeyConstraint(*_names(table.primary_key.columns), name=table.primary_key.name)
        )
    for constraint in table.constraints:
        if isinstance(constraint, ForeignKeyConstraint):
            items.append(
                sa.ForeignKeyConstraint(
                    _names(constraint.columns),
                    [_target(element.column) for element in constraint.elements],
                    name=constraint.name,
                    ondelete=constraint.ondelete,
                    onupdate=constraint.onupdate,
                    deferrable=constraint.deferrable,
                    initially=constraint.initially,
                    use_alter=constraint.use_alter,
                )
            )
        elif isinstance(constraint, UniqueConstraint):
            items.append(sa.UniqueConstraint(*_names(constraint.columns), name=constraint.name))
        elif isinstance(constraint, CheckConstraint):
            sqltext = constraint.sqltext
            if not isinstance(sqltext, str):
                raise exc.ArgumentError(
                    f"corral.ext.alembic copies CheckConstraint text only; write the check on "
                    f"table {table.name!r} as a string, e.g. CheckConstraint('price > 0')"
                )
            items.append(sa.CheckConstraint(sqltext, name=constraint.name))
    copy = sa.Table(table.name, target, *items, comment=table.comment)
    for index in table.indexes:
        _index(index, copy)
    return copy


def _index(index: Index, table: Any) -> None:
    columns = [table.c[column.key] for column in index.columns]
    sa.Index(index.name, *columns, unique=index.unique)


def to_sqlalchemy(metadata: MetaData) -> Any:
    """A new ``sqlalchemy.MetaData`` holding a copy of each of ``metadata``'s tables."""
    target = sa.MetaData()
    for table in metadata.tables.values():
        _table(table, target)
    return target


def sqlalchemy_url(url: str) -> str:
    """``url`` (a corral database URL) for SQLAlchemy, naming the driver corral uses."""
    parsed = make_url(url)
    driver = DRIVERS.get(parsed.backend_name)
    if driver is None:
        raise exc.ArgumentError(
            f"corral.ext.alembic does not know SQLAlchemy's driver for {parsed.backend_name!r}; "
            f"give sqlalchemy.url in alembic.ini as SQLAlchemy spells it"
        )
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def load_metadata(path: str) -> MetaData:
    """The corral MetaData ``"module:attribute"`` names (a declarative base gives its own)."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise exc.ArgumentError(
            f"corral_metadata = {path!r} is not 'module:attribute'; write e.g. 'myapp.models:Base'"
        )
    found: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        found = getattr(found, part)
    found = getattr(found, "metadata", found)
    if not isinstance(found, MetaData):
        raise exc.ArgumentError(
            f"corral_metadata = {path!r} names {found!r}, which is neither a corral MetaData "
            f"nor a declarative base"
        )
    return found
