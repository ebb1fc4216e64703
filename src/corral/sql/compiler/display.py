"""The compilers behind ``str(statement)`` and ``statement.compile(dialect=...)``: SQL written as
SQLAlchemy 2.0 prints a statement, so a program's printed SQL reads the same on corral.

Nothing compiled here is executed. ``DisplayForm`` is the printed form over any dialect's
compiler (``display_compiler()`` combines them; the dialect's SQL stays written once):
parameters are named (``:name``, ``:name_1``, ``:param_1``; in the dialect's
``shown_paramstyle``, e.g. ``%(name_1)s`` for PostgreSQL); anonymous names count per prefix,
shared between labels, aliases and parameters (``count(:count_2) AS count_1``); every unnamed
expression in a SELECT list gets a label; a condition marked ``shown_reversed`` (an inferred
join's, an object compared with a foreign key) is written right side first; IN takes one
expanding parameter (``IN (__[POSTCOMPILE_id_1])``). ``DisplayStatementCompiler`` is
``str()``'s, for no dialect: JSON is indexed with brackets.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from corral.sql import operators as ops
from corral.sql.columns import NamedColumn
from corral.sql.compiler import flags
from corral.sql.compiler.compiled import ParamSlot
from corral.sql.compiler.statement import StatementCompiler
from corral.sql.conditions import BooleanClauseList
from corral.sql.constructs import TypeCoerce
from corral.sql.elements import (
    BinaryExpression,
    BindParameter,
    ClauseElement,
    ClauseList,
    ColumnElement,
    UnaryExpression,
)
from corral.sql.functions import Function
from corral.sql.label_style import LABEL_STYLE_NONE, LABEL_STYLE_TABLENAME_PLUS_COL, table_label
from corral.sql.select_values import Exists
from corral.sql.text import TextColumn
from corral.sql.wrappers import Cast, Grouping, Label

if TYPE_CHECKING:
    from corral.sql.from_clause import FromClause
    from corral.sql.functions import Case
    from corral.sql.json_ops import JSONIndex
    from corral.sql.selectable import Select

_NOT_A_NAME = re.compile(r"\W")


class DisplayForm(StatementCompiler):
    """Writes statements for reading, as SQLAlchemy prints them; put before a dialect's
    compiler (see ``display_compiler``)."""

    clause_break = " \n"
    limit_break = "\n "
    linting = False  # str() shows a statement; running one, or compile(linting=), warns
    after_with_break = "\n "
    returning_include_table = True
    group_assigned_expressions = True
    now_as_current_timestamp = False
    shows_paramstyle = True
    #: Printed SQL shows a function's string argument as the parameter it is.
    function_string_cast = None

    def __init__(self, dialect: Any) -> None:
        super().__init__(dialect)
        self._anon_keys: dict[Hashable, str] = {}
        #: The top-level SELECT's column names as its rows are keyed: label, else own name.
        self.shown_names: list[str] = []

    # -- anonymous names -----------------------------------------------------------------

    def _anon(self, element: object, prefix: str = "anon") -> str:
        if prefix == "anon" and isinstance(element, Label):
            prefix = _natural_name(element.element) or prefix  # label(None) of x: x_1
        return self._anon_name(id(element), prefix)

    def _anon_name(self, key: Hashable, prefix: str) -> str:
        """``prefix_N``: N counts the names made from ``prefix`` in this statement."""
        name = self._anon_keys.get(key)
        if name is None:
            count = self._bind_counters.get(prefix, 0) + 1
            self._bind_counters[prefix] = count
            name = self._anon_keys[key] = f"{prefix}_{count}"
        return name

    def _from_name(self, from_: FromClause) -> str:
        from corral.sql.from_clause import Alias, TableClause

        if from_.name is None and isinstance(from_, Alias):
            inner = from_.element
            if isinstance(inner, TableClause) and inner.name:
                return self.quote(self._anon(from_, inner.name))
        return super()._from_name(from_)

    # -- bound parameters ----------------------------------------------------------------

    def visit_bindparam(self, bind: BindParameter[Any], **kw: Any) -> str:
        if kw.get("literal_binds") or self.literal_binds:
            return super().visit_bindparam(bind, **kw)
        row = kw.get("row_number")
        if not bind.anonymous and row is not None:  # insert().values([...]): one name per row
            key = f"{bind.key}_m{row}"
            return self._add_slot(key, bind.type, bind.origin or key, bind=bind)
        if not bind.anonymous and bind.display_name is None:
            return super().visit_bindparam(bind, **kw)
        key = self._anon_name(_shown_as(bind), _bind_prefix(bind))
        return self._add_slot(key, bind.type, bind.origin or key, bind=bind)

    def visit_binary(self, element: BinaryExpression[Any], **kw: Any) -> str:
        right = element.right
        if (
            element.operator in (ops.IN, ops.NOT_IN)
            and isinstance(right, Grouping)
            and isinstance(right.element, ClauseList)
            and all(_is_value(c) for c in right.element.clauses)
            and not (kw.get("literal_binds") or self.literal_binds)
        ):
            # One expanding parameter, as SQLAlchemy shows an in_() of values.
            left = self._operand(element.left, element.operator, False, kw)
            first = right.element.clauses[0]
            prefix = _bind_prefix(first) if isinstance(first, BindParameter) else "param"
            key = self._anon_name(_shown_as(first), prefix)
            rows = tuple(self._expanded_row(c) for c in right.element.clauses)
            self.slots.append(ParamSlot(key, -1, None, key, True, expanding=rows))
            sql = f"{left} {element.operator.sql} (__[POSTCOMPILE_{key}])"
            return f"({sql})" if element.operator is ops.NOT_IN else sql
        if element.shown_reversed:
            shown: BinaryExpression[Any] = BinaryExpression(
                element.right, element.left, element.operator
            )
            return super().visit_binary(shown, **kw)
        if element.shown_grouped:
            return f"({super().visit_binary(element, **kw)})"
        return super().visit_binary(element, **kw)

    def _operand(
        self, element: ClauseElement, operator: ops.Operator, right_side: bool, kw: dict[str, Any]
    ) -> str:
        if isinstance(element, Exists):  # SQLAlchemy groups EXISTS as any operator's operand
            return f"({self.process(element, **flags.plain(kw))})"
        return super()._operand(element, operator, right_side, kw)

    def visit_unary(self, element: UnaryExpression[Any], **kw: Any) -> str:
        if element.operator == ops.NOT.sql and isinstance(element.element, Exists):
            return f"NOT ({self.process(element.element, **flags.plain(kw))})"
        return super().visit_unary(element, **kw)

    def _expanded_row(self, value: ClauseElement) -> int | tuple[int, ...]:
        """Where one value of an expanding IN is among the statement's binds (a tuple of
        them for a row of values)."""
        if isinstance(value, Grouping) and isinstance(value.element, ClauseList):
            return tuple(self._bind_index.get(id(c), -1) for c in value.element.clauses)
        return self._bind_index.get(id(value), -1)

    def _frame_offset(self, offset: BindParameter[int]) -> str:
        return self.process(offset)  # ROWS BETWEEN :param_1 PRECEDING ..., as SQLAlchemy shows

    # -- SELECT list ---------------------------------------------------------------------

    def _select_columns(
        self, select: Select, in_subquery: bool, top: bool, ckw: dict[str, Any]
    ) -> list[str]:
        if in_subquery:
            # Every column is labelled with the name the subquery exports it under.
            out = []
            for name, column in select._exported_columns():
                sql = self.process(column, in_columns=True, **ckw)
                if not isinstance(column, Label) and not _is_literal(column):
                    sql = f"{sql} AS {self.quote(name)}"
                out.append(sql)
            return out
        out = []
        used: set[str] = set()
        style = select._label_style
        # A legacy Query's labels show at the top; a label style's in a UNION's SELECTs too.
        table_labels = (top and select._tablename_labels) or style is LABEL_STYLE_TABLENAME_PLUS_COL
        # LABEL_STYLE_NONE: a name repeated is written as it is (SELECT a.id, b.id).
        apart = style is not LABEL_STYLE_NONE
        selected: set[int] = set()
        names = self.shown_names if top else []
        for position, (name, column) in enumerate(select._columns_plus_names()):
            key = (id(select), position)
            label = self._table_label(column, key, used) if table_labels else None
            again = id(column) in selected
            selected.add(id(column))
            if label is None and again and apart and _is_table_column(column):
                # The very column selected again: id__1 (another column named id: id_1).
                assert isinstance(column, NamedColumn)
                label = self._anon_name(key, column.name + "_")
            if label is None:
                label = self._column_label(column, key, used, apart)
            sql = self.process(column, in_columns=True, **ckw)
            out.append(sql if label is None else f"{sql} AS {self.quote(label)}")
            if top:
                if label is None and isinstance(column, Label):
                    label = column.name or self._anon(column)
                names.append(label or name)
        return out

    def compound_part_flags(self, kw: dict[str, Any]) -> dict[str, Any]:
        # The SELECTs of a UNION used as a subquery label their columns as one would.
        return {"in_subquery": True} if kw.get("in_subquery") else {}

    def _column_label(
        self, column: ColumnElement[Any], key: Hashable, used: set[str], apart: bool = True
    ) -> str | None:
        """The label a top-level SELECT gives ``column`` (None: it is written bare).

        Named before the column is written, so the label takes its number first."""
        if isinstance(column, Label):
            used.add(column.name if column.name is not None else self._anon(column))
            return None
        if isinstance(column, TextColumn) or _is_literal(column):
            return None
        if isinstance(column, UnaryExpression) and isinstance(column.element, NamedColumn):
            return None  # -x, x DESC, DISTINCT x: the column's own name (others: anon_1)
        natural = _natural_name(column)
        if natural is None:
            prefix = column.key if isinstance(column, Function) else "anon"
            return self._anon_name(key, prefix or "anon")
        if natural in used and apart:
            return self._anon_name(key, natural)
        used.add(natural)
        return None if isinstance(column, NamedColumn) else natural

    def _table_label(self, column: ColumnElement[Any], key: Hashable, used: set[str]) -> str | None:
        """The ``<table>_<column>`` label of a legacy ``Query`` or of
        ``LABEL_STYLE_TABLENAME_PLUS_COL`` (None for any other column, labelled as ``select()``
        labels it); an unnamed alias's columns take the name it is printed with."""
        label = table_label(column)
        if label is None and isinstance(column, NamedColumn) and not column.is_literal:
            table = column.table
            label = None if table is None else f"{self._from_name(table)}_{column.name}"
        if label is None:
            return None
        if label in used:  # the same column again: owners_id__1
            return self._anon_name(key, label + "_")
        used.add(label)
        return label

    # -- clauses written differently -----------------------------------------------------

    def visit_function(self, element: Function, **kw: Any) -> str:
        star = element.star_argument
        if star is not None:
            return f"{element.name}({self.process(star)})"
        return super().visit_function(element, **kw)

    def visit_case(self, element: Case, **kw: Any) -> str:
        parts = ["CASE"]
        if element.value is not None:
            parts.append(self.process(element.value, **flags.plain(kw)))
        for condition, result in element.whens:
            when = self.process(condition, **flags.plain(kw))
            if isinstance(condition, BinaryExpression | BooleanClauseList | Exists):
                when = f"({when})"
            parts.append(f"WHEN {when} THEN {self.process(result, **flags.plain(kw))}")
        if element.else_ is not None:
            parts.append(f"ELSE {self.process(element.else_, **flags.plain(kw))}")
        parts.append("END")
        return " ".join(parts)


class DisplayStatementCompiler(DisplayForm):
    """``str(statement)``: SQLAlchemy's default string form, for no database."""

    def json_index_sql(self, element: JSONIndex, kw: dict[str, Any]) -> str:
        document = self.process(element.element, **flags.plain(kw))
        return f"{document}[{self.process(element.native_path, **flags.plain(kw))}]"


#: The display form of each dialect compiler, made once.
_display_compilers: dict[type[StatementCompiler], type[StatementCompiler]] = {}


def display_compiler(base: type[StatementCompiler]) -> type[StatementCompiler]:
    """``base`` (a dialect's compiler) writing SQL as SQLAlchemy prints it for that dialect."""
    if issubclass(base, DisplayForm):
        return base
    combined = _display_compilers.get(base)
    if combined is None:
        doc = f"{base.__name__}, as SQLAlchemy prints its SQL."
        namespace = {"__doc__": doc, **base.shown_as}
        combined = type(f"Display{base.__name__}", (DisplayForm, base), namespace)
        _display_compilers[base] = combined
    return combined


def _is_table_column(column: ColumnElement[Any]) -> bool:
    return isinstance(column, NamedColumn) and not column.is_literal and column.table is not None


def _is_literal(column: ColumnElement[Any]) -> bool:
    """A literal column, or a ``column("x")`` of no table: both are written bare, unlabelled."""
    return isinstance(column, NamedColumn) and (column.is_literal or column.table is None)


def _is_value(element: ClauseElement) -> bool:
    """A bound value, or a row of them (``tuple_(a, b).in_([(1, 2)])``)."""
    if isinstance(element, Grouping) and isinstance(element.element, ClauseList):
        return all(isinstance(c, BindParameter) for c in element.element.clauses)
    return isinstance(element, BindParameter)


def _natural_name(column: ColumnElement[Any]) -> str | None:
    """The name a column has of itself: a table column's, or the one a CAST (or
    ``type_coerce()``) wraps."""
    if isinstance(column, Cast | TypeCoerce):
        inner = column.element
        return inner.name if isinstance(inner, NamedColumn) and not inner.is_literal else None
    if isinstance(column, NamedColumn):
        return column.name
    return None


def _shown_as(element: ClauseElement) -> Hashable:
    """What names an anonymous parameter: its ``display_key``, else the very object."""
    key = element.display_key if isinstance(element, BindParameter) else None
    return id(element) if key is None else key


def _bind_prefix(bind: BindParameter[Any]) -> str:
    """The name an anonymous parameter is numbered from: the column or function it is
    compared with or passed to, else ``param``."""
    if bind.display_name is not None:
        return bind.display_name
    origin = bind.origin or ""
    if not origin or " " in origin or "(" in origin:
        return "param"
    name = _NOT_A_NAME.sub("", origin.rpartition(".")[2])
    return name or "param"
