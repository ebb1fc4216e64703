"""Schema objects: MetaData, Table, Column, foreign keys, constraints and indexes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql import schema_keywords as keywords
from corral.sql.columns import NamedColumn
from corral.sql.constraint_set import ConstraintSet
from corral.sql.defaults import ColumnDefault, Identity, take_identity
from corral.sql.dialect_options import flat as flat_dialect_options
from corral.sql.elements import ColumnElement
from corral.sql.foreign_key_types import adopt_referred_types
from corral.sql.from_clause import ColumnCollection, TableClause
from corral.sql.reflect import reflect_metadata, reflect_table
from corral.sql.schema_names import (
    foreign_key_target,
    metadata_schema,
    table_key,
    table_schema,
)
from corral.sql.schema_repr import column_repr, index_ddl, table_repr
from corral.sql.table_alter import append_column, append_constraint, attach_column_flags
from corral.sql.text import TextClause
from corral.sql.type_api import TypeEngine, to_instance

if TYPE_CHECKING:
    from corral.sql.ddl import Bind


#: ``Table.to_metadata(schema=)``'s default: the copy stays in the original's schema.
RETAIN_SCHEMA: Any = type("RetainSchema", (), {"__repr__": lambda self: "RETAIN_SCHEMA"})()

#: Keyword options of ``Column()`` (and of ``mapped_column()``) besides ``key``, ``name``
#: and ``type_``; dialect options (``sqlite_on_conflict_not_null=...``) come on top.
COLUMN_OPTIONS = frozenset(
    {
        "primary_key",
        "nullable",
        "default",
        "insert_default",
        "server_default",
        "onupdate",
        "server_onupdate",
        "unique",
        "index",
        "autoincrement",
        "comment",
        "info",
        "doc",
        "quote",
        "system",
    }
)


def split_column_arguments(
    args: tuple[Any, ...], what: str
) -> tuple[str | None, TypeEngine | None, list[ForeignKey]]:
    """A column's positional arguments: an optional name, an optional type, ForeignKeys."""
    name: str | None = None
    type_: TypeEngine | None = None
    foreign_keys: list[ForeignKey] = []
    for arg in args:
        if isinstance(arg, str) and name is None and type_ is None and not foreign_keys:
            name = arg
        elif isinstance(arg, TypeEngine) or (isinstance(arg, type) and issubclass(arg, TypeEngine)):
            type_ = to_instance(arg)
        elif arg is None and type_ is None and not foreign_keys:
            pass  # ``Column("x", None, ForeignKey(...))``: no type, the foreign key gives it
        elif isinstance(arg, ForeignKey | Identity):
            foreign_keys.append(arg)  # type: ignore[arg-type]  # Identity: Column takes it out
        else:
            raise exc.ArgumentError(
                f"{what} does not understand the argument {arg!r}; it takes a column name, "
                "a type, ForeignKey()s and keyword options"
            )
    return name, type_, foreign_keys


class Column(NamedColumn[Any]):
    """A table column with its type, keys, nullability and defaults."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        name, type_, foreign_keys = split_column_arguments(args, "Column()")
        name = keywords.positional_or_keyword(name, kwargs.pop("name", None), "Column", "name")
        given_type = kwargs.pop("type_", None)
        if given_type is not None:
            if type_ is not None:
                raise exc.ArgumentError(f"Column {name!r} got a type twice; give it once")
            _, type_, _ = split_column_arguments((given_type,), f"Column {name!r}, type_=")
        self.primary_key: bool = kwargs.pop("primary_key", False)
        nullable = kwargs.pop("nullable", None)
        self.nullable: bool = (not self.primary_key) if nullable is None else bool(nullable)
        default = keywords.default_or_insert_default(kwargs, f"Column {name!r}")
        self.default = ColumnDefault(default) if default is not None else None
        self.server_default: str | TextClause | None = kwargs.pop("server_default", None)
        onupdate = kwargs.pop("onupdate", None)
        self.onupdate = ColumnDefault(onupdate) if onupdate is not None else None
        self.server_onupdate: Any = kwargs.pop("server_onupdate", None)
        self.unique: bool = kwargs.pop("unique", False)
        self.index: bool = kwargs.pop("index", False)
        self.autoincrement: bool | str = kwargs.pop("autoincrement", "auto")
        if self.autoincrement not in (True, False, "auto", "ignore_fk"):
            raise exc.ArgumentError(
                f"Column {name!r}: autoincrement= takes True, False, 'auto' or 'ignore_fk', "
                f"got {self.autoincrement!r}"
            )
        self.comment: str | None = keywords.comment(kwargs, f"Column {name!r}")
        self.info: dict[Any, Any] = keywords.info(kwargs, f"Column {name!r}")
        self.doc: str | None = kwargs.pop("doc", None)
        keywords.refuse_quote(kwargs, f"Column {name!r}")
        if kwargs.pop("system", False):
            raise exc.ArgumentError(
                f"Column {name!r}: system=True (a column the database provides, such as "
                "PostgreSQL's ctid) is not supported; select it with literal_column() instead"
            )
        key: str | None = kwargs.pop("key", None)
        self.dialect_options = keywords.dialect_options(
            "column", kwargs, f"Column {name!r}", COLUMN_OPTIONS | {"key", "name", "type_"}
        )
        super().__init__(name or "", type_)
        self.key = key or name or ""
        #: ``Identity()`` given as an argument: the database numbers this column.
        self.identity: Identity | None = take_identity(foreign_keys, f"Column {name!r}")
        self.foreign_keys: list[ForeignKey] = []
        for fk in foreign_keys:
            fk.parent = self
            self.foreign_keys.append(fk)

    @property
    def dialect_kwargs(self) -> dict[str, Any]:
        return flat_dialect_options(self.dialect_options)

    def __repr__(self) -> str:
        return column_repr(self)

    def __str__(self) -> str:
        """As SQLAlchemy's: ``user.id``, the table's and the column's names as they are,
        unquoted (any other expression prints as compiled SQL)."""
        return self.describe() if self.name else "(no name)"

    @property
    def is_autoincrement(self) -> bool:
        """Whether the database generates this column's value (an integer primary key)."""
        table = self.table
        if not isinstance(table, Table) or not self.primary_key:
            return False
        if self.foreign_keys and self.autoincrement != "ignore_fk":
            return False
        if self.autoincrement is True or self.identity is not None:
            return True
        if self.autoincrement is False or self.type.affinity != "integer":
            return False
        return len(table.primary_key.columns) == 1


class ForeignKey:
    """A reference from a column to ``"table.column"`` (or a Column)."""

    def __init__(
        self,
        column: str | ColumnElement[Any],
        *,
        ondelete: str | None = None,
        onupdate: str | None = None,
        name: str | None = None,
        use_alter: bool = False,
        deferrable: bool | None = None,
        initially: str | None = None,
        match: str | None = None,
        link_to_name: bool = False,
        info: dict[Any, Any] | None = None,
        comment: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        what = f"ForeignKey({column!r})" if isinstance(column, str) else "ForeignKey"
        keywords.refuse_link_to_name(link_to_name, what)
        keywords.refuse_constraint_comment(comment, what)
        element = getattr(column, "__clause_element__", None)  # ``User.id``: its column
        target = element() if element is not None else column
        if not isinstance(target, str | Column):
            raise exc.ArgumentError(
                f"ForeignKey({column!r}) takes 'table.column' or a table's Column"
            )
        self._target: str | Column = target
        self.ondelete = ondelete
        self.onupdate = onupdate
        self.name = name
        self.use_alter = use_alter
        self.deferrable = deferrable
        self.initially = keywords.initially(initially, what)
        self.match = keywords.match(match, what)
        self.info: dict[Any, Any] = keywords.info({"info": info}, what)
        self.dialect_options = keywords.dialect_options(
            "foreign_key", dialect_kw, what, keywords.FOREIGN_KEY_OPTIONS
        )
        self.parent: Column | None = None
        self.constraint: ForeignKeyConstraint | None = None

    @property
    def target(self) -> str:
        if isinstance(self._target, Column):
            return f"{getattr(self._target.table, 'fullname', '?')}.{self._target.name}"
        return self._target

    def references(self, table: Any) -> bool:
        """Whether this key refers to a column of ``table``."""
        if isinstance(self._target, Column):
            return self._target.table is table
        referred = self._target.rpartition(".")[0]
        return referred in (getattr(table, "fullname", None), getattr(table, "name", None))

    @property
    def column(self) -> Column:
        """The referred column, resolved through the parent table's MetaData."""
        if isinstance(self._target, Column):
            return self._target
        parent_table = self.parent.table if self.parent is not None else None
        metadata = getattr(parent_table, "metadata", None)
        if "." not in self._target or metadata is None:
            raise exc.ArgumentError(
                f"ForeignKey({self._target!r}) must name 'table.column' and belong to a Table"
            )
        table_name, column_name = foreign_key_target(self._target, metadata.schema)
        target_table = metadata.tables.get(table_name)
        if target_table is None:
            raise exc.InvalidRequestError(
                f"ForeignKey({self._target!r}) on "
                f"{self.parent.describe() if self.parent is not None else '?'}"
                f" refers to table {table_name!r}, which this MetaData does not have; "
                "define that table (in the same MetaData) first"
            )
        column = target_table.columns.get(column_name)
        if not isinstance(column, Column):
            raise exc.NoSuchColumnError(
                f"ForeignKey({self._target!r}): table {table_name!r} has no column "
                f"{column_name!r}; its columns are {', '.join(target_table.columns.keys())}"
            )
        return column

    def __repr__(self) -> str:
        return f"ForeignKey({self.target!r})"


class Constraint:
    """Base of table constraints: a name, deferrability, ``info`` and dialect options."""

    kind: keywords.ConstraintKind = "check"

    def __init__(
        self,
        *,
        name: str | None = None,
        deferrable: bool | None = None,
        initially: str | None = None,
        info: dict[Any, Any] | None = None,
        comment: str | None = None,
        **dialect_kw: Any,
    ) -> None:
        what = f"{type(self).__name__}({name!r})" if name else type(self).__name__
        keywords.refuse_constraint_comment(comment, what)
        self.name = name
        self.deferrable = deferrable
        self.initially = keywords.initially(initially, what)
        self.info: dict[Any, Any] = keywords.info({"info": info}, what)
        self.dialect_options = keywords.dialect_options(
            self.kind, dialect_kw, what, keywords.CONSTRAINT_OPTIONS
        )
        self.table: Table | None = None

    @property
    def dialect_kwargs(self) -> dict[str, Any]:
        return flat_dialect_options(self.dialect_options)

    def _set_table(self, table: Table) -> None:
        self.table = table


class _ColumnsConstraint(Constraint):
    def __init__(self, *columns: ColumnRef, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._column_refs = list(columns)
        self.columns: list[Column] = []

    def _set_table(self, table: Table) -> None:
        super()._set_table(table)
        self.columns = [_resolve(table, ref) for ref in self._column_refs]

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __contains__(self, column: object) -> bool:
        return any(c is column for c in self.columns)


ColumnRef = str | ColumnElement[Any]


def _resolve(table: Table, ref: ColumnRef) -> Column:
    col = table.columns[ref] if isinstance(ref, str) else ref.__clause_element__()
    if not isinstance(col, Column):
        raise exc.ArgumentError(
            f"Constraints and indexes of table {table.name!r} take its column names or Column "
            f"objects, got {ref!r}"
        )
    return col


class PrimaryKeyConstraint(_ColumnsConstraint):
    """``PRIMARY KEY (columns)``."""

    kind = "primary_key"

    def __repr__(self) -> str:
        return f"PrimaryKeyConstraint({', '.join(repr(c) for c in self.columns)})"


class UniqueConstraint(_ColumnsConstraint):
    """``UNIQUE (columns)``."""

    kind = "unique"


class CheckConstraint(Constraint):
    """``CHECK (condition)``; the condition is SQL text or an expression."""

    kind = "check"

    def __init__(self, sqltext: str | ColumnElement[Any], **kwargs: Any) -> None:
        if kwargs.get("deferrable") or kwargs.get("initially") is not None:
            raise exc.ArgumentError(
                f"CheckConstraint({sqltext!r}): CHECK constraints cannot be deferred on "
                "SQLite, PostgreSQL or MariaDB; drop deferrable=/initially="
            )
        super().__init__(**kwargs)
        self.sqltext = sqltext


class ForeignKeyConstraint(Constraint):
    """``FOREIGN KEY (columns) REFERENCES table (columns)``."""

    kind = "foreign_key"

    def __init__(
        self,
        columns: Sequence[ColumnRef],
        refcolumns: Sequence[str | Column],
        *,
        name: str | None = None,
        ondelete: str | None = None,
        onupdate: str | None = None,
        use_alter: bool = False,
        match: str | None = None,
        link_to_name: bool = False,
        **kwargs: Any,
    ) -> None:
        keywords.refuse_link_to_name(link_to_name, "ForeignKeyConstraint")
        super().__init__(name=name, **kwargs)
        if len(columns) != len(refcolumns):
            raise exc.ArgumentError(
                "ForeignKeyConstraint needs as many referred columns as columns"
            )
        self._column_refs = list(columns)
        self.elements = [
            ForeignKey(ref, ondelete=ondelete, onupdate=onupdate, name=name, use_alter=use_alter)
            for ref in refcolumns
        ]
        self.ondelete = ondelete
        self.onupdate = onupdate
        self.use_alter = use_alter
        self.match = keywords.match(match, "ForeignKeyConstraint")
        self.columns: list[Column] = []

    @classmethod
    def _from_foreign_key(
        cls, fk: ForeignKey, column: Column, table: Table
    ) -> ForeignKeyConstraint:
        """The one-column constraint a ``ForeignKey`` on a column stands for."""
        constraint = cls(
            [column],
            [fk._target],
            name=fk.name,
            ondelete=fk.ondelete,
            onupdate=fk.onupdate,
            use_alter=fk.use_alter,
            deferrable=fk.deferrable,
            initially=fk.initially,
            match=fk.match,
            info=fk.info,
        )
        constraint.dialect_options = fk.dialect_options
        constraint.elements = [fk]
        fk.constraint = constraint
        constraint.table = table
        constraint.columns = [column]
        return constraint

    def _set_table(self, table: Table) -> None:
        super()._set_table(table)
        self.columns = [_resolve(table, ref) for ref in self._column_refs]
        for col, fk in zip(self.columns, self.elements, strict=True):
            fk.parent = col
            fk.constraint = self
            if fk not in col.foreign_keys:
                col.foreign_keys.append(fk)

    @property
    def referred_table(self) -> Table:
        table = self.elements[0].column.table
        assert isinstance(table, Table)
        return table


class Index:
    """``CREATE [UNIQUE] INDEX name ON table (columns)``."""

    def __init__(
        self,
        name: str,
        *columns: ColumnRef,
        unique: bool = False,
        quote: bool | None = None,
        info: dict[Any, Any] | None = None,
        **dialect_kw: Any,
    ) -> None:
        what = f"Index({name!r})"
        keywords.refuse_quote({"quote": quote}, what)
        self.name = name
        self._column_refs = list(columns)
        self.unique = unique
        self.info: dict[Any, Any] = keywords.info({"info": info}, what)
        self.dialect_options = keywords.dialect_options(
            "index", dialect_kw, what, keywords.INDEX_OPTIONS
        )
        self.table: Table | None = None
        self.columns: list[Column] = []
        given = [c.__clause_element__() for c in columns if isinstance(c, ColumnElement)]
        first = next((c for c in given if isinstance(c, Column)), None)
        if first is not None and isinstance(first.table, Table):
            first.table.indexes.append(self)
            self._set_table(first.table)

    @property
    def dialect_kwargs(self) -> dict[str, Any]:
        return flat_dialect_options(self.dialect_options)

    def _set_table(self, table: Table) -> None:
        self.table = table
        self.columns = [_resolve(table, ref) for ref in self._column_refs]

    def create(self, bind: Bind, checkfirst: bool = False) -> None:
        """CREATE this index on its table (now, not with ``create_all``)."""
        index_ddl(bind, self, "create", checkfirst)

    def drop(self, bind: Bind, checkfirst: bool = False) -> None:
        """DROP this index."""
        index_ddl(bind, self, "drop", checkfirst)


class Table(TableClause):
    """A table in a MetaData: columns, primary key, foreign keys, constraints, indexes."""

    def __new__(cls, name: str, metadata: MetaData, *items: Any, **kwargs: Any) -> Table:
        existing = None
        if isinstance(metadata, MetaData):
            schema = kwargs.get("schema") or metadata.schema
            existing = metadata.tables.get(table_key(name, schema))
        if existing is not None and keywords.reuses_existing(name, items, kwargs):
            return existing
        if existing is None and kwargs.get("must_exist"):
            raise exc.InvalidRequestError(
                f"Table {name!r} is not defined in this MetaData (must_exist=True); define it first"
            )
        return super().__new__(cls)

    def __init__(self, name: str, metadata: MetaData, *items: Any, **kwargs: Any) -> None:
        if getattr(self, "metadata", None) is metadata and self in metadata.tables.values():
            if kwargs.get("extend_existing") and kwargs.get("autoload_with") is not None:
                reflect_table(self, keywords.reflection(dict(kwargs), f"Table {name!r}"))
            return  # Table(name, metadata) again: the existing table (extended when asked)
        if not isinstance(metadata, MetaData):
            raise exc.ArgumentError(
                f"Table({name!r}, ...) takes a MetaData as its second argument, "
                f"got {type(metadata).__name__}"
            )
        what = f"Table {name!r}"
        schema = table_schema(kwargs, metadata, what)
        key = table_key(name, schema)
        if key in metadata.tables:
            raise exc.InvalidRequestError(
                f"Table {key!r} is already defined in this MetaData; use "
                f"metadata.tables[{key!r}] to reach it (or pass keep_existing=True)"
            )
        options = keywords.table_keywords(kwargs, what)
        self.comment: str | None = options.comment
        self.info: dict[Any, Any] = options.info
        self.prefixes: tuple[str, ...] = options.prefixes
        self.implicit_returning = True
        self.dialect_options = keywords.dialect_options(
            "table", kwargs, what, keywords.TABLE_OPTIONS
        )
        columns = [item for item in items if isinstance(item, Column)]
        for col in columns:
            if not col.name:
                raise exc.ArgumentError(f"A column of table {name!r} has no name")
            if isinstance(col.table, Table):
                raise exc.ArgumentError(
                    f"Column {col.name!r} already belongs to table {col.table.name!r}; "
                    "give each table its own Column objects"
                )
        super().__init__(name, *columns, schema=schema)
        self.metadata = metadata
        self.constraints = ConstraintSet()
        self.indexes: list[Index] = []
        pk_columns = [c for c in columns if c.primary_key]
        explicit_pk = [i for i in items if isinstance(i, PrimaryKeyConstraint)]
        self.primary_key = explicit_pk[0] if explicit_pk else PrimaryKeyConstraint(*pk_columns)
        for item in items:
            if isinstance(item, Column):
                continue
            if isinstance(item, Index):
                item._set_table(self)
                self.indexes.append(item)
            elif isinstance(item, Constraint):
                self.constraints.add(item)
            else:
                raise exc.ArgumentError(f"Table {name!r} does not understand the argument {item!r}")
        self.primary_key._set_table(self)
        for col in self.primary_key.columns:
            col.primary_key = True
            col.nullable = False
        for constraint in self.constraints:
            constraint._set_table(self)
        for col in columns:
            attach_column_flags(self, col)
        metadata.tables[key] = self
        if options.reflection is not None:
            try:
                reflect_table(self, options.reflection)
            except BaseException:
                del metadata.tables[key]
                raise
        adopt_referred_types(self)

    @property
    def dialect_kwargs(self) -> dict[str, Any]:
        return flat_dialect_options(self.dialect_options)

    def __repr__(self) -> str:
        return table_repr(self)

    @property
    def foreign_key_constraints(self) -> list[ForeignKeyConstraint]:
        return [c for c in self.constraints if isinstance(c, ForeignKeyConstraint)]

    @property
    def foreign_keys(self) -> list[ForeignKey]:
        return [fk for c in self.foreign_key_constraints for fk in c.elements]

    def append_column(self, column: Column, replace_existing: bool = False) -> None:
        """Add ``column`` as if given to ``Table()``; see table_alter.py."""
        append_column(self, column, replace_existing)

    def append_constraint(self, constraint: Constraint | Index) -> None:
        """Add a constraint or an index; see table_alter.py."""
        append_constraint(self, constraint)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"Table {self.name!r} is not iterable; iterate table.c for its columns")

    def to_metadata(
        self,
        metadata: MetaData,
        schema: Any = RETAIN_SCHEMA,
        name: str | None = None,
        **unsupported: Any,
    ) -> Table:
        """A copy of this table (new columns, constraints and indexes) in ``metadata``, named
        ``name`` (this table's name by default), in ``schema`` (by default this table's;
        None: the MetaData's default): see table_copy.py."""
        from corral.sql.table_copy import copy_table

        if unsupported:
            raise exc.ArgumentError(
                f"Table.to_metadata() does not support {', '.join(sorted(unsupported))}; "
                "it takes metadata, schema= and name="
            )
        return copy_table(self, metadata, name, self.schema if schema is RETAIN_SCHEMA else schema)

    def create(self, bind: Bind, checkfirst: bool = False) -> None:
        """CREATE this table and its indexes (with ``checkfirst``, only when it is absent)."""
        self.metadata.create_all(bind, tables=[self], checkfirst=checkfirst)

    def drop(self, bind: Bind, checkfirst: bool = False) -> None:
        """DROP this table (with ``checkfirst``, only when it exists)."""
        self.metadata.drop_all(bind, tables=[self], checkfirst=checkfirst)


class MetaData:
    """A collection of tables, created and dropped together in foreign-key order."""

    def __init__(
        self,
        schema: str | None = None,
        quote_schema: bool | None = None,
        naming_convention: dict[str, Any] | None = None,
        info: dict[Any, Any] | None = None,
    ) -> None:
        self.schema = metadata_schema(schema, quote_schema)
        if naming_convention is not None:
            raise exc.ArgumentError(
                "MetaData(naming_convention=...) is not supported yet; give constraints and "
                "indexes their names (name=...) instead"
            )
        self.info: dict[Any, Any] = keywords.info({"info": info}, "MetaData()")
        self.tables: dict[str, Table] = {}

    def __repr__(self) -> str:  # as SQLAlchemy's, which programs print
        return "MetaData()"

    @property
    def sorted_tables(self) -> list[Table]:
        """Tables with every referred table before the tables that refer to it."""
        from corral.sql.ddl import sort_tables

        return sort_tables(list(self.tables.values()))[0]

    def create_all(
        self, bind: Bind, tables: Sequence[Table] | None = None, checkfirst: bool = True
    ) -> None:
        """CREATE every table (or those in ``tables``), skipping existing ones with
        ``checkfirst``, each followed by its indexes."""
        from corral.sql.ddl import create_all

        create_all(self, bind, tables=tables, checkfirst=checkfirst)

    def drop_all(
        self, bind: Bind, tables: Sequence[Table] | None = None, checkfirst: bool = True
    ) -> None:
        """DROP every table (or those in ``tables``), referring tables first."""
        from corral.sql.ddl import drop_all

        drop_all(self, bind, tables=tables, checkfirst=checkfirst)

    def reflect(
        self,
        bind: Bind,
        schema: str | None = None,
        views: bool = False,
        only: Sequence[str] | Callable[[str, MetaData], bool] | None = None,
        extend_existing: bool = False,
        autoload_replace: bool = True,
        resolve_fks: bool = True,
        **dialect_kwargs: Any,
    ) -> None:
        """Add a Table for each table (and view, with ``views``) of the database, or those
        in ``only``, read from it; tables this MetaData has stay (``extend_existing``
        adds what they lack)."""
        reflect_metadata(
            self,
            bind,
            schema,
            views,
            only,
            extend_existing,
            autoload_replace,
            resolve_fks,
            dialect_kwargs,
        )

    def clear(self) -> None:
        self.tables.clear()

    def remove(self, table: Table) -> None:
        self.tables.pop(table.fullname, None)


#: Callables usable as ``Column(default=...)``; listed for readers of the types.
DefaultCallable = Callable[[], Any]

__all__ = [
    "CheckConstraint",
    "Column",
    "ColumnCollection",
    "ColumnDefault",
    "Constraint",
    "ForeignKey",
    "ForeignKeyConstraint",
    "Identity",
    "Index",
    "MetaData",
    "PrimaryKeyConstraint",
    "Table",
    "UniqueConstraint",
]
