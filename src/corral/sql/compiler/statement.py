"""Compiles SELECT, INSERT, UPDATE, DELETE and text statements to SQL for one dialect.

The compiler walks a statement once and produces a ``Compiled``: the SQL
text with positional placeholders and, for each placeholder, where its value
comes from. Dialect folders subclass it where their SQL differs; everything
else is decided by the dialect's ``Features``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, cast

from corral import exc
from corral.sql import operators as ops
from corral.sql.columns import NamedColumn
from corral.sql.compiler import dml, expanding, flags, from_linting, result_names
from corral.sql.compiler.compiled import Compiled, ParamSlot, StatementKind
from corral.sql.compiler.constructs import ConstructCompiler
from corral.sql.compiler.literals import literal_sql
from corral.sql.compiler.reserved import SQL_RESERVED_WORDS
from corral.sql.compiler.result_objects import ResultObjects
from corral.sql.compiler.textual_columns import TextualColumns
from corral.sql.conditions import BooleanClauseList
from corral.sql.dml import DMLStatement
from corral.sql.elements import (
    BinaryExpression,
    BindParameter,
    ClauseElement,
    ClauseList,
    ColumnElement,
    False_,
    Literal,
    Null,
    True_,
    UnaryExpression,
)
from corral.sql.label_style import LABEL_STYLE_TABLENAME_PLUS_COL
from corral.sql.text import _TEXT_BIND, TextClause
from corral.sql.type_api import (
    NullType,
    Processor,
    TypeEngine,
    UnstorableValue,
    describe_value,
    unchanged_classes,
)
from corral.sql.wrappers import Cast, Grouping, Label

if TYPE_CHECKING:
    from corral.sql.compiler.dialect import SQLDialect
    from corral.sql.dml import Delete, Insert, Update
    from corral.sql.features import Paramstyle
    from corral.sql.from_clause import CTE, Alias, FromClause, Join, TableClause
    from corral.sql.functions import Case, Function
    from corral.sql.schema import ColumnDefault
    from corral.sql.select_values import Exists, ScalarSelect
    from corral.sql.selectable import CompoundSelect, Select

_ASSOCIATIVE = frozenset({ops.AND, ops.OR, ops.ADD, ops.MUL, ops.CONCAT})
_DISTINCT_FROM = frozenset({ops.IS_DISTINCT_FROM, ops.IS_NOT_DISTINCT_FROM})


class StatementCompiler(ConstructCompiler):
    """Walks a statement and writes SQL text with positional placeholders."""

    #: Words that must be quoted when used as names (each dialect sets its own).
    reserved_words: frozenset[str] = SQL_RESERVED_WORDS
    #: Whether the statement is checked for a cartesian product (``from_linting``): None
    #: follows the dialect (an engine's checks what it runs unless
    #: ``enable_from_linting=False``); ``compile(linting=FROM_LINTING)`` sets it.
    linting: bool | None = None
    #: SQL returning the last key this connection inserted, where the dialect needs it.
    last_insert_id_sql: str | None = None
    #: SQL taking ``:count`` keys from ``:column``'s sequence of ``:table``, where used.
    sequence_prefetch_sql: str | None = None
    #: The type a string value passed to a SQL function is cast to, where the driver sends
    #: strings untyped and the database could not tell the function's argument type.
    function_string_cast: str | None = None
    #: Spelling choices ``str()`` makes differently (``compiler/display.py``): what comes
    #: before FROM / WHERE / HAVING and before LIMIT; ``RETURNING t.id``; ``SET x=(y + 1)``;
    #: ``func.now()`` as ``CURRENT_TIMESTAMP``, which every database corral runs on reads.
    clause_break: str = " "
    limit_break: str = " "
    after_with_break: str = " "
    returning_include_table: bool = False
    group_assigned_expressions: bool = False
    now_as_current_timestamp: bool = True
    #: Spelling choices above that printed SQL (``compile(dialect=...)``) makes differently
    #: for this dialect than ``str()`` does, as SQLAlchemy prints them: e.g. SQLite's
    #: ``CURRENT_TIMESTAMP`` for ``func.now()`` and ``RETURNING id`` (see display.py).
    shown_as: ClassVar[Mapping[str, object]] = {}
    #: Parameters written in the dialect's ``shown_paramstyle`` (printed SQL, never executed).
    shows_paramstyle: bool = False
    #: LIMIT and OFFSET both written as parameters whenever either is given, a missing one
    #: as -1 / 0 (SQLAlchemy prints SQLite's so: ``LIMIT ? OFFSET ?``).
    limit_offset_as_parameters: bool = False
    #: How an inner join is written (SQLAlchemy prints ``INNER JOIN`` for MySQL).
    inner_join_keyword: str = "JOIN"
    #: What comes between a subquery (or aliased table) in FROM and its name (Oracle: a space).
    alias_keyword: str = " AS "
    #: Written after a SELECT that has no FROM (Oracle's ``FROM DUAL``).
    from_nothing: str = ""
    #: The ``schema_translate_map`` of the execution compiled for (None: names as written).
    schema_map: Mapping[str | None, str | None] | None = None

    def __init__(self, dialect: SQLDialect) -> None:
        self.dialect = dialect
        self.features = dialect.features
        style = self.features.paramstyle
        if self.shows_paramstyle and self.features.shown_paramstyle is not None:
            style = self.features.shown_paramstyle
        self.paramstyle: Paramstyle = style
        #: The placeholder of a positional style (None: each is written with its name).
        self.placeholder = {"qmark": "?", "format": "%s"}.get(style)
        self.slots: list[ParamSlot] = []
        self.result_columns: list[tuple[str, TypeEngine]] = []
        #: The element selected at each of ``result_columns`` (None where unknown).
        self.result_elements: list[Any] = []
        self._bind_index: dict[int, int] = {}
        #: The statement's bind parameters, in the order its cache key found them.
        self._binds: list[BindParameter[Any]] = []
        self._named_binds: set[str] = set()
        self._keys: tuple[str, ...] | None = None
        self._anon_names: dict[int, str] = {}
        self._bind_counters: dict[str, int] = {}
        self._ctes: dict[int, str] = {}
        #: Per CTE, the range of ``slots`` its body made (its text goes first: ``_slots_in_text``).
        self._cte_slots: dict[int, tuple[int, int]] = {}
        self._kind: StatementKind = "select"
        self._table: TableClause | None = None
        self._primary_key: list[Any] = []
        self._implicit_returning = False
        #: The INSERT whose upsert clause is being written (see compiler/upsert.py).
        self._upsert_statement: Any = None
        #: A single-row INSERT's values group: (start, end, slots up to its end).
        self._values_span: tuple[int, int, int] | None = None
        #: An UPDATE by bound keys written for many parameter sets (dml._many_update).
        self._update_many: tuple[str, str, str, tuple[int, ...]] | None = None
        #: Where the implicit RETURNING of the generated key begins in an INSERT's text.
        self._implicit_returning_at: int | None = None
        #: The place of the table's generated integer key among an INSERT's RETURNING columns.
        self._generated_key_at: int | None = None
        self._recursive = False
        #: The ``IN`` expressions with an expanding parameter, in the order of their slots.
        self._expansions: list[expanding.Expansion] = []
        #: Write every bound value into the SQL text (``compile_kwargs={"literal_binds": True}``).
        self.literal_binds = False
        #: A ``text().columns()`` statement's declared columns, matched to the cursor's.
        self._textual: TextualColumns | None = None

    # -- entry point ---------------------------------------------------------------------

    def compile(
        self,
        statement: ClauseElement,
        binds: list[BindParameter[Any]],
        keys: tuple[str, ...] | None = None,
    ) -> Compiled:
        self._binds = binds
        for index, bind in enumerate(binds):
            self._bind_index.setdefault(id(bind), index)
            if not bind.anonymous and bind.key is not None:
                self._named_binds.add(bind.key)
        self._keys = keys
        sql = self.process(statement, top=True)
        values = self._values_span
        # Repeatable for many rows only when every placeholder is inside the group.
        span = values[:2] if values and values[2] == len(self.slots) and not self._ctes else None
        many_values = self._many_values(sql, span)
        if self._ctes:
            recursive = "RECURSIVE " if self._recursive else ""
            ctes = f",{self.clause_break}".join(self._ctes.values())
            sql = f"WITH {recursive}{ctes}{self.after_with_break}{sql}"
            self._slots_in_text()
        keys_out = [name for name, _ in self.result_columns]
        elements = self.result_elements
        objects = ResultObjects(elements) if keys_out and len(elements) == len(keys_out) else None
        processors = [t.result_processor(self.dialect, None) for _, t in self.result_columns]
        expanding_sql = None
        if self._expansions:
            sql, expanding_sql = expanding.split(sql, self._expansions, self.slots)
            span = many_values = None
        return Compiled(
            sql,
            self.slots,
            dialect_name=self.dialect.name,
            kind=self._kind,
            result_keys=keys_out,
            result_processors=processors,
            result_objects=objects,
            table=self._table,
            primary_key=self._primary_key,
            implicit_returning=self._implicit_returning,
            values_span=span,
            many_values=many_values,
            many_update=self._update_many if not (self._ctes or self._expansions) else None,
            generated_key_at=self._generated_key_at if self._plain_insert(span) else None,
            named=self.placeholder is None,
            expanding=expanding_sql,
            textual=self._textual,
        )

    def _slots_in_text(self) -> None:
        """Put the placeholders in the order of the text once the WITH clause is written
        before the statement: each CTE's body's first (in the WITH clause's order), then
        the statement's own. A CTE's body is compiled where the statement first names it,
        so its placeholders were made among the statement's."""
        owner: list[int | None] = [None] * len(self.slots)
        # Outer bodies before the bodies compiled inside them, which then claim their own.
        for key, (start, end) in sorted(self._cte_slots.items(), key=lambda i: (i[1][0], -i[1][1])):
            owner[start:end] = [key] * (end - start)
        order = [i for key in self._ctes for i in range(len(owner)) if owner[i] == key]
        order += [i for i in range(len(owner)) if owner[i] is None]
        if order == list(range(len(order))):
            return
        moved_to = {old: new for new, old in enumerate(order)}
        self.slots = [self.slots[i] for i in order]
        self._expansions = sorted(
            (replace(e, slot=moved_to[e.slot]) for e in self._expansions), key=lambda e: e.slot
        )

    def _plain_insert(self, span: tuple[int, int] | None) -> bool:
        """An INSERT of one row of values that is no upsert (an upsert's rows may update
        rows already there, in any order)."""
        upsert = self._upsert_statement
        return span is not None and upsert is not None and upsert._upsert is None

    def _many_values(self, sql: str, span: tuple[int, int] | None) -> tuple[str, str, str] | None:
        """An INSERT's text cut around its one row of values, to run many rows per statement.

        Not for an upsert: PostgreSQL refuses a statement whose rows update one row twice,
        which one statement per row would do. The implicit RETURNING of a generated key is
        left out (an executemany reads no rows)."""
        if not self._plain_insert(span):
            return None
        if self.result_columns and not self._implicit_returning:
            return None  # RETURNING asked for: see engine/returning_many.py
        assert span is not None
        start, end = span
        stop = self._implicit_returning_at
        return sql[:start], sql[start:end], sql[end:stop]

    def process(self, element: ClauseElement, **kw: Any) -> str:
        method: Callable[..., str] | None = getattr(self, f"visit_{element.visit_name}", None)
        if method is None:
            raise exc.UnsupportedCompilationError(
                f"{self.dialect.name} cannot compile {type(element).__name__}"
            )
        return method(element, **kw)

    # -- names ---------------------------------------------------------------------------

    def quote(self, name: str) -> str:
        """The identifier, quoted when it needs it (reserved word, capitals, odd characters)."""
        if (
            name.isidentifier()
            and name.isascii()
            and name.lower() == name
            and name not in self.reserved_words
        ):
            return name
        q = self.features.quote_char
        return f"{q}{name.replace(q, q + q)}{q}"

    def _escape_text(self, text: str) -> str:
        return text.replace("%", "%%") if self.paramstyle in ("format", "pyformat") else text

    def _anon(self, element: object, prefix: str = "anon") -> str:
        name = self._anon_names.get(id(element))
        if name is None:
            name = f"{prefix}_{len(self._anon_names) + 1}"
            self._anon_names[id(element)] = name
        return name

    def lint_froms(
        self, froms: list[FromClause], where: list[ColumnElement[Any]], kind: str = "SELECT"
    ) -> None:
        """Warn of a cartesian product among ``froms`` (``from_linting``)."""
        if self.dialect.from_linting if self.linting is None else self.linting:
            from_linting.warn_cartesian(from_linting.graph_of(froms, where), self._lint_name, kind)

    def _lint_name(self, from_: FromClause) -> str:
        if from_.visit_name == "table":
            table = cast("TableClause", from_)
            schema = self.schema_of(table)
            return f"{schema}.{table.name}" if schema else str(table.name)
        return from_.name if from_.name is not None else self._anon(from_)

    def _from_name(self, from_: FromClause) -> str:
        if from_.visit_name == "table":
            return self.table_name(cast("TableClause", from_))
        name = from_.name if from_.name is not None else self._anon(from_)
        return self.quote(name)

    def table_name(self, table: TableClause) -> str:
        """The table as SQL names it: in the schema ``schema_translate_map`` puts it in."""
        name = self.quote(table.name or "")
        schema = self.schema_of(table)
        return f"{self.quote(schema)}.{name}" if schema else name

    def schema_of(self, table: TableClause) -> str | None:
        """The schema ``table`` is in: its own ``schema`` (None: the default), as the
        execution's ``schema_translate_map`` translates it."""
        schema = table.schema
        if self.schema_map is not None and schema in self.schema_map:
            return self.schema_map[schema]
        return schema

    # -- bind parameters -----------------------------------------------------------------

    def _slot_processor(self, type_: TypeEngine, label: str, stored: bool) -> Processor | None:
        """Converts a value for the driver after checking that the column's type accepts it
        and that the database would not change it (``stored``: the value is written to
        the column)."""
        convert = type_.bind_processor(self.dialect)
        if isinstance(type_, NullType):
            return convert
        accepts = type_.accepts
        check = type_.storage_check(self.dialect, stored=stored)
        dialect_name = self.dialect.name

        def refuse(value: Any, reason: str) -> UnstorableValue:
            return UnstorableValue(
                f"{describe_value(value)} cannot be {'stored in' if stored else 'bound for'} "
                f"{label} ({type_.describe()}) on {dialect_name}: {reason}"
            )

        def process(value: Any) -> Any:
            if not accepts(value):
                raise exc.ArgumentError(f"Bad value for {label}: {type_.rejection(value)}")
            return convert(value) if convert is not None else value

        if check is None:  # most columns: nothing the database would change
            return process

        def process_checked(value: Any) -> Any:
            if not accepts(value):
                raise exc.ArgumentError(f"Bad value for {label}: {type_.rejection(value)}")
            reason = check(value)
            if reason is not None:
                raise refuse(value, reason)
            return convert(value) if convert is not None else value

        return process_checked

    def _add_slot(
        self,
        key: str,
        type_: TypeEngine,
        label: str,
        *,
        bind: BindParameter[Any] | None = None,
        default: ColumnDefault | None = None,
        stored: bool = False,
    ) -> str:
        index = self._bind_index.get(id(bind), -1) if bind is not None else -1
        has_value = bind is not None and bind.has_value()
        processor = self._slot_processor(type_, label, stored)
        unchanged = unchanged_classes(type_, self.dialect, stored=stored) if processor else None
        slot = ParamSlot(key, index, processor, label, has_value, default, unchanged=unchanged)
        self.slots.append(slot)
        if self.placeholder is not None:
            return self.placeholder
        return f"%({key})s" if self.paramstyle == "pyformat" else f":{key}"

    def visit_bindparam(self, bind: BindParameter[Any], **kw: Any) -> str:
        if kw.get("literal_binds") or self.literal_binds:
            if not bind.has_value():
                raise exc.CompileError(
                    f"literal_binds: the bind parameter {bind.key!r} has no value to write; "
                    "give it one with bindparam(key, value)"
                )
            return self.render_literal(bind.type.literal_value(bind.effective_value, self.dialect))
        if (
            kw.get("function_argument")
            and self.function_string_cast is not None
            and bind.type.affinity == "string"
            and isinstance(bind.value, str)
        ):
            placeholder = self.visit_bindparam(bind)
            return f"CAST({placeholder} AS {self.function_string_cast})"
        key = self._bind_key(bind)
        stored = bool(kw.get("stored"))
        return self._add_slot(key, bind.type, bind.origin or key, bind=bind, stored=stored)

    def _bind_key(self, bind: BindParameter[Any]) -> str:
        """The name of the parameter: its key, else one made from what it is compared with."""
        key = bind.key
        if key is None:
            base = re.sub(r"\W", "", (bind.origin or "").rpartition(".")[2]) or "param"
            count = self._bind_counters.get(base, 0) + 1
            self._bind_counters[base] = count
            key = f"{base}_{count}"
        return key

    def _added_bind(self, value: Any, type_: TypeEngine) -> BindParameter[Any]:
        """A parameter the SQL has and the statement does not (printed SQLite's OFFSET 0),
        its value put among the statement's."""
        bind: BindParameter[Any] = BindParameter(None, value, type_)
        self._bind_index[id(bind)] = len(self._binds)
        self._binds.append(bind)
        return bind

    def render_literal(self, value: Any) -> str:
        """A value written into SQL text (DDL, and statements compiled with literal_binds)."""
        return self._escape_text(literal_sql(value, self.features))

    # -- simple elements -----------------------------------------------------------------

    def visit_literal(self, element: Literal, **kw: Any) -> str:
        return self.render_literal(element.value)

    def visit_null(self, element: Null, **kw: Any) -> str:
        return "NULL"

    def visit_true(self, element: True_, **kw: Any) -> str:
        keyword = self.features.native_boolean or self.features.is_boolean_keyword
        return "true" if keyword else "1"

    def visit_false(self, element: False_, **kw: Any) -> str:
        keyword = self.features.native_boolean or self.features.is_boolean_keyword
        return "false" if keyword else "0"

    def visit_column(self, column: NamedColumn[Any], **kw: Any) -> str:
        if column.is_literal:
            return self._escape_text(column.name)
        name = self.quote(column.name)
        if column.table is None or not kw.get("include_table", True) or kw.get("names_only"):
            return name
        return f"{self._from_name(column.table)}.{name}"

    def visit_text(self, element: TextClause, **kw: Any) -> str:
        if kw.get("top"):
            self._kind = "text"
            self.result_columns = list(element.column_types)
            self.result_elements = [column for _, column in element.column_elements]
            if element.column_elements:
                self._textual = TextualColumns(
                    [name for name, _ in element.column_types],
                    self.result_elements,
                    [t.result_processor(self.dialect, None) for _, t in element.column_types],
                    element.positional,
                )

        def replace(match: Any) -> str:
            name = match.group(1)
            bind = element.binds.get(name)
            if self.literal_binds and bind is not None and bind.has_value():
                return self.render_literal(bind.effective_value)
            type_ = bind.type if bind is not None else NullType()
            return self._add_slot(name, type_, f":{name}", bind=bind)

        pieces = []
        last = 0
        for match in _TEXT_BIND.finditer(element.text):
            pieces.append(self._escape_text(element.text[last : match.start()]))
            pieces.append(replace(match))
            last = match.end()
        pieces.append(self._escape_text(element.text[last:]))
        return "".join(pieces).replace("\\:", ":")

    def visit_label(self, label: Label[Any], **kw: Any) -> str:
        if kw.get("in_order_by") and label.name is not None:
            return self.quote(label.name)
        inner = self.process(label.element, **flags.plain(kw))
        if kw.get("in_columns"):
            return f"{inner} AS {self.quote(label.name or self._anon(label))}"
        return inner

    def visit_grouping(self, element: Grouping, **kw: Any) -> str:
        return f"({self.process(element.element, **flags.plain(kw))})"

    def visit_clauselist(self, element: ClauseList, **kw: Any) -> str:
        return element.separator.join(self.process(c, **flags.plain(kw)) for c in element.clauses)

    def visit_boolean_list(self, element: BooleanClauseList, **kw: Any) -> str:
        parts = [self._operand(c, element.operator, False, kw) for c in element.clauses]
        return f" {element.operator.sql} ".join(parts)

    def _operand(
        self, element: ClauseElement, operator: ops.Operator, right_side: bool, kw: dict[str, Any]
    ) -> str:
        sql = self.process(element, **flags.plain(kw))
        precedence = element.precedence
        if precedence < operator.precedence or (
            right_side and precedence == operator.precedence and operator not in _ASSOCIATIVE
        ):
            return f"({sql})"
        return sql

    def visit_binary(self, element: BinaryExpression[Any], **kw: Any) -> str:
        op = element.operator
        if type(element.right) is BindParameter and element.right.expanding:
            return expanding.compile_in(self, element, kw)
        if op is ops.CONCAT and not self.features.concat_operator:
            parts = ", ".join(self.process(p, **flags.plain(kw)) for p in _concatenated(element))
            return f"concat({parts})"
        if op in (ops.ILIKE, ops.NOT_ILIKE) and not self.features.native_ilike:
            like = "LIKE" if op is ops.ILIKE else "NOT LIKE"
            left = self.process(element.left, **flags.plain(kw))
            right = self.process(element.right, **flags.plain(kw))
            sql = f"lower({left}) {like} lower({right})"
        elif op is ops.DIV or op is ops.FLOORDIV:
            sql = self._division(element, kw)
        elif op in _DISTINCT_FROM and self.features.distinct_from != "standard":
            sql = self._distinct_from(element, kw)
        elif op in (ops.IS, ops.IS_NOT) and isinstance(element.right, True_ | False_):
            left = self._operand(element.left, op, False, kw)
            keyword = self.features.native_boolean or self.features.is_boolean_keyword
            value = isinstance(element.right, True_)
            right = ("true" if value else "false") if keyword else str(int(value))
            sql = f"{left} {op.sql} {right}"
        else:
            left = self._operand(element.left, op, False, kw)
            right = self._operand(element.right, op, True, kw)
            sql = f"{left} {self._escape_text(op.sql)} {right}"  # ``%`` is ``%%`` with %s
        if element.escape is not None:
            sql += f" ESCAPE {self.render_literal(element.escape)}"
        return sql

    def _distinct_from(self, element: BinaryExpression[Any], kw: dict[str, Any]) -> str:
        """``IS [NOT] DISTINCT FROM`` where the database spells it otherwise."""
        distinct = element.operator is ops.IS_DISTINCT_FROM
        if self.features.distinct_from == "is":  # SQLite: IS / IS NOT are null-safe
            op = ops.IS_NOT if distinct else ops.IS
            left = self._operand(element.left, op, False, kw)
            return f"{left} {op.sql} {self._operand(element.right, op, True, kw)}"
        left = self._operand(element.left, ops.EQ, False, kw)
        equal = f"{left} <=> {self._operand(element.right, ops.EQ, True, kw)}"
        return f"NOT ({equal})" if distinct else equal

    def _division(self, element: BinaryExpression[Any], kw: dict[str, Any]) -> str:
        """``/`` divides exactly and ``//`` rounds down on every database, as in SQLAlchemy 2.0."""
        op, exact = element.operator, self.features.true_division
        left = self._operand(element.left, op, False, kw)
        if op is ops.FLOORDIV:
            right = self._operand(element.right, op, True, kw)
            integers = element.left.type.affinity == element.right.type.affinity == "integer"
            if exact is not None and integers:  # integers already divide rounding down
                return f"{left} / {right}"
            return f"FLOOR({left} / {right})"
        if exact is None or element.right.type.affinity == "numeric":
            return f"{left} / {self._operand(element.right, op, True, kw)}"
        right = self.process(element.right, **flags.plain(kw))
        if exact == "add_float":
            return f"{left} / ({right} + 0.0)"
        return f"{left} / CAST({right} AS NUMERIC)"

    def visit_unary(self, element: UnaryExpression[Any], **kw: Any) -> str:
        if element.modifier in ("NULLS FIRST", "NULLS LAST") and not self.features.nulls_ordering:
            return self._emulate_nulls_order(element, kw)
        inner = self.process(element.element, **flags.keep_order(kw))
        if element.precedence != ops.ATOM and element.element.precedence <= element.precedence:
            inner = f"({inner})"
        if element.operator == "-":
            return f"-{inner}"
        if element.operator is not None:
            inner = f"{element.operator} {inner}"
        if element.modifier is not None:
            inner = f"{inner} {element.modifier}"
        return inner

    def _emulate_nulls_order(self, element: UnaryExpression[Any], kw: dict[str, Any]) -> str:
        ordered = element.element
        base = ordered
        if isinstance(ordered, UnaryExpression) and ordered.modifier in ("ASC", "DESC"):
            base = ordered.element
        base_sql = self.process(base, **flags.keep_order(kw))
        direction = "DESC" if element.modifier == "NULLS FIRST" else "ASC"
        return f"{base_sql} IS NULL {direction}, {self.process(ordered, **flags.keep_order(kw))}"

    def visit_cast(self, element: Cast[Any], **kw: Any) -> str:
        inner = self.process(element.element, **flags.plain(kw))
        return f"CAST({inner} AS {self.cast_type(element.type)})"

    def cast_type(self, type_: TypeEngine) -> str:
        return self.dialect.cast_ddl(type_)

    def visit_function(self, element: Function, **kw: Any) -> str:
        if element.no_parentheses:
            return element.key.upper()
        now = element.key.lower() == "now" and not element.arguments.clauses
        if now and self.now_as_current_timestamp:
            return "CURRENT_TIMESTAMP"
        args = ", ".join(
            self.process(a, function_argument=True, **flags.plain(kw))
            for a in element.arguments.clauses
        )
        if not args and element.key.lower() == "count":
            args = "*"
        return f"{element.name}({args})"

    def visit_case(self, element: Case, **kw: Any) -> str:
        parts = ["CASE"]
        if element.value is not None:
            parts.append(self.process(element.value, **flags.plain(kw)))
        for condition, result in element.whens:
            parts.append(
                f"WHEN {self.process(condition, **flags.plain(kw))} "
                f"THEN {self.process(result, **flags.plain(kw))}"
            )
        if element.else_ is not None:
            parts.append(f"ELSE {self.process(element.else_, **flags.plain(kw))}")
        parts.append("END")
        return " ".join(parts)

    def visit_scalar_select(self, element: ScalarSelect, **kw: Any) -> str:
        return f"({self.process(element.element, **flags.nested(kw))})"

    def visit_exists(self, element: Exists, **kw: Any) -> str:
        return f"EXISTS ({self.process(element.element, **flags.nested(kw))})"

    # -- FROM clauses --------------------------------------------------------------------

    def visit_table(self, table: TableClause, **kw: Any) -> str:
        return self.table_name(table)

    def visit_alias(self, alias: Alias, **kw: Any) -> str:
        from corral.sql.from_clause import FromClause

        name = self._from_name(alias)
        if not kw.get("asfrom"):
            return name
        if isinstance(alias.element, FromClause):
            return f"{self.process(alias.element, **kw)}{self.alias_keyword}{name}"
        inner = self.process(alias.element, **flags.in_from(kw), in_subquery=True)
        return f"({inner}){self.alias_keyword}{name}"

    def visit_values(self, element: Any, **kw: Any) -> str:
        from corral.sql.compiler.values import compile_values

        return compile_values(self, element, kw)

    def visit_from_statement(self, statement: Any, **kw: Any) -> str:
        """``select(User).from_statement(stmt)`` runs ``stmt`` as written."""
        return self.process(statement.element, **kw)

    def visit_entity_view(self, view: Any, **kw: Any) -> str:
        """A subquery or CTE standing for a mapped class (``aliased(User, subq)``)."""
        return self.process(view.selectable, **kw)

    def visit_cte(self, cte: CTE, **kw: Any) -> str:
        from corral.sql.from_clause import FromClause

        name = self._from_name(cte)
        if id(cte) not in self._ctes:
            self._ctes[id(cte)] = ""  # reserve the position before compiling the body
            first_slot = len(self.slots)
            if isinstance(cte.element, DMLStatement):
                body = self._data_modifying(cte.element)
            else:  # a CTE correlates to nothing
                body = self.process(cte.element, in_subquery=True)
            columns = ""
            if cte.recursive:
                assert not isinstance(cte.element, FromClause)
                names = ", ".join(self.quote(k) for k, _ in cte.element._exported_columns())
                columns = f"({names})"
            self._ctes[id(cte)] = f"{name}{columns} AS{self.clause_break}({body})"
            self._cte_slots[id(cte)] = (first_slot, len(self.slots))
            if cte.recursive:
                self._recursive = True
        return name

    #: What compiling an INSERT, UPDATE or DELETE sets about the statement that runs.
    _DML_STATE = (
        "_kind",
        "_table",
        "_primary_key",
        "_implicit_returning",
        "_upsert_statement",
        "_values_span",
        "_update_many",
        "_implicit_returning_at",
        "_generated_key_at",
        "_keys",
    )

    def _data_modifying(self, statement: DMLStatement) -> str:
        """The body of a data-modifying CTE (``WITH u AS (UPDATE ... RETURNING ...)``):
        compiled as its own statement, its values its own (not the execution's parameters),
        leaving what the compiler knows of the statement that runs as it was."""
        if not self.features.data_modifying_ctes:
            raise exc.CompileError(
                f"{self.dialect.name} has no data-modifying CTEs ({statement.visit_name.upper()} "
                "... RETURNING in a WITH clause); run the statement on its own, then the one "
                "that reads its rows, in one transaction"
            )
        saved = {name: getattr(self, name) for name in self._DML_STATE}
        columns, elements = len(self.result_columns), len(self.result_elements)
        self._keys = None
        try:
            return self.process(statement)
        finally:
            for name, value in saved.items():
                setattr(self, name, value)
            del self.result_columns[columns:], self.result_elements[elements:]

    def visit_join(self, join: Join, **kw: Any) -> str:
        keyword = self.join_keyword(join)
        left = self.process(join.left, **kw)
        right = self.process(join.right, **kw)
        if join.right.visit_name == "join":  # a join joined on the right: its own ON first
            right = f"({right})"
        on = self.process(join._compiled_onclause(), **flags.plain(kw))
        return f"{left} {keyword} {right} ON {on}"

    def join_keyword(self, join: Join) -> str:
        if join.full:
            return "FULL OUTER JOIN"
        return "LEFT OUTER JOIN" if join.isouter else self.inner_join_keyword

    # -- SELECT --------------------------------------------------------------------------

    def visit_select(self, select: Select, **kw: Any) -> str:
        top = kw.get("top", False)
        enclosing: frozenset[int] = kw.get("enclosing", frozenset())
        froms = select._froms(kw.get("correlate", frozenset()), enclosing)
        own = frozenset(id(x) for f in froms for x in f._covers())
        ckw = flags.correlating(own, enclosing)
        ckw["window_scope"] = froms  # where over(order_by="name") finds its column
        columns = self._select_columns(select, bool(kw.get("in_subquery")), top, ckw)
        where = select._compiled_where()
        sql = "SELECT "
        if select._distinct:
            sql += "DISTINCT "
        sql += ", ".join(columns)
        brk = self.clause_break
        if froms:
            sql += f"{brk}FROM " + ", ".join(self.process(f, asfrom=True, **ckw) for f in froms)
        else:
            sql += self.from_nothing
        if where:
            sql += f"{brk}WHERE " + self._conditions(where, ckw)
        if len(froms) > 1:  # (after the FROMs compiled: a FROM refused warns of nothing)
            self.lint_froms(froms, where)
        scope = {"label_scope": select._columns_plus_names()}
        if select._group_by:
            sql += " GROUP BY " + ", ".join(
                self.process(g, **ckw, **scope) for g in select._group_by
            )
        if select._having:
            sql += f"{brk}HAVING " + self._conditions(select._having, ckw)
        sql += self._order_limit(select._order_by, select._limit, select._offset, {**ckw, **scope})
        if select._for_update is not None:
            sql += self.for_update_clause(select, ckw)
        return sql

    def _select_columns(
        self, select: Select, in_subquery: bool, top: bool, ckw: dict[str, Any]
    ) -> list[str]:
        """The SELECT list, each column written with the label it needs."""
        columns = []
        # A subquery names its columns as its FROM exposes them (duplicates made unique).
        named = select._exported_columns() if in_subquery else select._columns_plus_names()
        keys = self._result_names(select, named) if top else None
        for position, (name, column) in enumerate(named):
            sql = self.process(column, in_columns=True, **ckw)
            if (in_subquery and not isinstance(column, NamedColumn | Label)) or (
                isinstance(column, NamedColumn)
                and in_subquery
                and name != column.name
                and not column.is_literal
                and column.table is not None  # column("x") is written bare, as in SQLAlchemy
            ):
                sql = f"{sql} AS {self.quote(name)}"
            columns.append(sql)
            if top:
                key = keys[position] if keys is not None else None
                self.result_columns.append((key or name or f"anon_{position + 1}", column.type))
                self.result_elements.append(column)
        return columns

    def _result_names(
        self, select: Select, named: list[tuple[str, ColumnElement[Any]]]
    ) -> list[str | None] | None:
        """The keys of a top-level SELECT's rows where they differ from its plain names (None:
        they do not), by SQLAlchemy's conventions (see ``result_names``)."""
        if select._tablename_labels or select._legacy_names:
            # A legacy Query: each column by its own key, repeated as it is, whatever the
            # label style names its columns in the SQL and in a subquery.
            if select._label_style is LABEL_STYLE_TABLENAME_PLUS_COL:
                return [name for name, _ in select._columns_plus_own_names()]
            return None
        if result_names.is_orm(select):
            entities = select._entities
            columns: list[ColumnElement[Any] | None] = []
            for index, raw in enumerate(select._raw_columns):
                if isinstance(raw, ColumnElement):
                    columns.append(raw)
                elif isinstance(entities[index], ClauseElement):  # a table or subquery
                    columns.extend(raw.columns)
                else:  # a mapped entity: its columns are its object's, not keys
                    columns.extend(None for _ in raw.columns)
            if len(columns) != len(named):
                return None
            return result_names.entity_names(columns, select._label_style)
        if not result_names.needs_labels(named):
            return None
        from corral.sql.compiler.display import display_compiler

        shown = display_compiler(type(self))(self.dialect)
        shown.process(select, top=True)
        names: list[str | None] = list(getattr(shown, "shown_names", []))
        return names if len(names) == len(named) else None

    def _conditions(self, conditions: list[ColumnElement[Any]], kw: dict[str, Any]) -> str:
        if len(conditions) == 1:
            return self.process(conditions[0], **kw)
        return " AND ".join(self._operand(c, ops.AND, False, kw) for c in conditions)

    def _order_limit(
        self,
        order_by: list[ColumnElement[Any]],
        limit: BindParameter[Any] | None,
        offset: BindParameter[Any] | None,
        kw: dict[str, Any],
    ) -> str:
        sql = ""
        if order_by:
            sql += " ORDER BY " + ", ".join(
                self.process(o, in_order_by=True, **kw) for o in order_by
            )
        return sql + self.limit_offset(limit, offset)

    def limit_offset(
        self, limit: BindParameter[Any] | None, offset: BindParameter[Any] | None
    ) -> str:
        """``LIMIT n OFFSET m`` (or what the dialect writes instead), after ORDER BY."""
        sql = ""
        if self.limit_offset_as_parameters and (limit is not None or offset is not None):
            from corral.sql.types import Integer

            shown = self.process(limit if limit is not None else self._added_bind(-1, Integer()))
            start = self.process(offset if offset is not None else self._added_bind(0, Integer()))
            return f"{self.limit_break}LIMIT {shown} OFFSET {start}"
        if offset is not None and self.features.limit_offset_comma:
            skip = self.process(offset)  # its placeholder comes first
            count = (
                self.process(limit) if limit is not None else self.features.limit_for_offset_only
            )
            return f"{self.limit_break}LIMIT {skip}, {count}"
        if limit is not None:
            sql += f"{self.limit_break}LIMIT {self.process(limit)}"
        elif offset is not None and self.features.limit_for_offset_only is not None:
            sql += f"{self.limit_break}LIMIT {self.features.limit_for_offset_only}"
        if offset is not None:
            sql += f" OFFSET {self.process(offset)}"
        return sql

    def for_update_clause(self, select: Select, kw: dict[str, Any]) -> str:
        lock = select._for_update
        assert lock is not None
        features = self.features
        if not features.for_update:
            if features.write_lock_on_begin:
                return ""  # the transaction takes the database's write lock instead
            raise exc.UnsupportedCompilationError(f"{self.dialect.name} has no FOR UPDATE")
        unsupported = [
            what
            for what, wanted, supported in (
                ("nowait", lock.nowait, features.for_update_nowait),
                ("skip_locked", lock.skip_locked, features.for_update_skip_locked),
                ("of", bool(lock.of), features.for_update_of),
                ("read", lock.read, features.for_share),
            )
            if wanted and not supported
        ]
        if unsupported:
            raise exc.UnsupportedCompilationError(
                f"{self.dialect.name} does not support with_for_update("
                f"{', '.join(unsupported)}=...)"
            )
        sql = " " + self.share_keyword() if lock.read else " FOR UPDATE"
        if lock.of:
            sql += " OF " + ", ".join(self._lock_target(t) for t in lock.of)
        if lock.nowait:
            sql += " NOWAIT"
        if lock.skip_locked:
            sql += " SKIP LOCKED"
        return sql

    def share_keyword(self) -> str:
        return "FOR SHARE"

    def _lock_target(self, target: ClauseElement) -> str:
        from corral.sql.from_clause import FromClause

        if isinstance(target, ColumnElement):
            target = target.__clause_element__()
        if isinstance(target, NamedColumn) and target.table is not None:
            return self._from_name(target.table)
        if isinstance(target, FromClause):
            return self._from_name(target)
        raise exc.ArgumentError("with_for_update(of=...) takes tables or columns")

    def visit_compound_select(self, compound: CompoundSelect, **kw: Any) -> str:
        part_kw = {**flags.nested(kw), "top": False, **self.compound_part_flags(kw)}
        parts = [self.process(s, **part_kw) for s in compound.selects]
        if kw.get("top"):
            for name, column in compound._exported_columns():
                self.result_columns.append((name, column.type))
                self.result_elements.append(column)
        sql = f" {compound.keyword} ".join(parts)
        scope = {"label_scope": compound._exported_columns()}
        return sql + self._order_limit(
            compound._order_by, compound._limit, compound._offset, {"names_only": True, **scope}
        )

    def compound_part_flags(self, kw: dict[str, Any]) -> dict[str, Any]:
        """Flags passed from a UNION (or other compound) to each SELECT in it."""
        return {}

    # -- INSERT / UPDATE / DELETE (written in compiler/dml.py) ----------------------------

    def returning_sql(self, columns: list[str], types: list[TypeEngine]) -> str:
        """The RETURNING clause for the columns (written) of the given types."""
        return " RETURNING " + ", ".join(columns)

    def visit_insert(self, insert: Insert, **kw: Any) -> str:
        return dml.compile_insert(self, insert, kw)

    def visit_update(self, update: Update, **kw: Any) -> str:
        return dml.compile_update(self, update)

    def visit_delete(self, delete: Delete, **kw: Any) -> str:
        return dml.compile_delete(self, delete)


def _concatenated(element: ClauseElement) -> list[ClauseElement]:
    """The operands of a chain of ``||`` (``a || b || c``), in order, for one ``concat()``."""
    if isinstance(element, BinaryExpression) and element.operator is ops.CONCAT:
        return [*_concatenated(element.left), *_concatenated(element.right)]
    return [element]
