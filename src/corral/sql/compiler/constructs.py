"""How the statement compiler writes the expression constructs of ``sql/constructs.py``,
``sql/window.py``, ``sql/table_valued.py``, ``sql/json_ops.py`` and ``text()`` used as an
expression. A base of ``StatementCompiler``; dialects override the ``*_sql`` hooks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql.compiler import flags
from corral.sql.elements import BindParameter, ClauseElement, ColumnElement
from corral.sql.window import WindowName
from corral.sql.wrappers import Label

if TYPE_CHECKING:
    from corral.sql.array_type import ArrayIndex, ArrayOperation
    from corral.sql.compiler.dialect import SQLDialect
    from corral.sql.constructs import Collate, Extract, Tuple, TypeCoerce
    from corral.sql.features import Features
    from corral.sql.from_clause import FromClause
    from corral.sql.json_ops import JSONIndex
    from corral.sql.table_valued import Lateral, TableValuedAlias, TableValuedColumn
    from corral.sql.text import LabelReference, TextColumn
    from corral.sql.window import FrameBound, FunctionFilter, Over, WithinGroup


class ConstructCompiler:
    """Visit methods for the constructs above (``StatementCompiler`` provides the rest)."""

    dialect: SQLDialect
    features: Features
    alias_keyword: str

    def process(self, element: ClauseElement, **kw: Any) -> str:
        raise NotImplementedError

    def quote(self, name: str) -> str:
        raise NotImplementedError

    def _from_name(self, from_: Any) -> str:
        raise NotImplementedError

    def cast_type(self, type_: Any) -> str:
        raise NotImplementedError

    def _unsupported(self, what: str, instead: str) -> exc.UnsupportedCompilationError:
        return exc.UnsupportedCompilationError(
            f"{self.dialect.name} does not support {what}; {instead}"
        )

    # -- standalone constructs -----------------------------------------------------------

    def visit_collate(self, element: Collate, **kw: Any) -> str:
        inner = self.process(element.element, **flags.plain(kw))
        if element.element.precedence < element.precedence:
            inner = f"({inner})"
        return f"{inner} COLLATE {self.quote(element.collation)}"

    def visit_tuple(self, element: Tuple, **kw: Any) -> str:
        return "(" + ", ".join(self.process(c, **flags.plain(kw)) for c in element.clauses) + ")"

    def visit_extract(self, element: Extract, **kw: Any) -> str:
        return self.extract_sql(element.field, self.process(element.expression, **flags.plain(kw)))

    def extract_sql(self, field: str, expression: str) -> str:
        return f"EXTRACT({field} FROM {expression})"

    def visit_type_coerce(self, element: TypeCoerce[Any], **kw: Any) -> str:
        return self.process(element.element, **kw)

    def visit_text_column(self, element: TextColumn, **kw: Any) -> str:
        return self.process(element.clause, **flags.plain(kw))

    def visit_label_reference(self, element: LabelReference, **kw: Any) -> str:
        scope: list[tuple[str, ColumnElement[Any]]] | None = kw.get("label_scope")
        for _name, column in scope or ():
            if isinstance(column, Label) and column.name == element.name:
                return self.quote(element.name)
        for name, column in scope or ():
            if name == element.name:
                return self.process(column, **flags.keep_order(kw))
        raise exc.CompileError(
            f"order_by() / group_by() got the string {element.name!r}, which is neither the "
            "label nor the name of a selected column; pass the column, or text() for raw SQL"
        )

    # -- function modifiers ---------------------------------------------------------------

    def visit_over(self, element: Over, **kw: Any) -> str:
        plain = flags.plain(kw)
        # The function first: its parameters come first in the SQL.
        inner = self.process(element.element, **plain, window_function=True)
        parts = []
        if element.partition_by:
            parts.append(
                "PARTITION BY "
                + ", ".join(self._window_item(p, plain, kw) for p in element.partition_by)
            )
        if element.order_by:
            ordering = flags.keep_order(plain)
            parts.append(
                "ORDER BY "
                + ", ".join(self._window_item(o, ordering, kw) for o in element.order_by)
            )
        for keyword, frame in (("ROWS", element.rows), ("RANGE", element.range_)):
            if frame is not None:
                start, end = frame
                first = self._frame_bound(start, "PRECEDING", element.offsets.get((keyword, 0)))
                last = self._frame_bound(end, "FOLLOWING", element.offsets.get((keyword, 1)))
                parts.append(f"{keyword} BETWEEN {first} AND {last}")
        return f"{inner} OVER ({' '.join(parts)})"

    def _window_item(self, item: ColumnElement[Any], item_kw: Any, over_kw: Any) -> str:
        """A PARTITION BY / ORDER BY item of a window; a string names a column in scope."""
        if not isinstance(item, WindowName):
            return self.process(item, **item_kw)
        froms: list[FromClause] | None = over_kw.get("window_scope")
        if froms is None:  # the window alone, in no SELECT: the text as given
            return item.name
        # In the SELECT's ORDER BY / GROUP BY a selected column's label or name comes first.
        for name, column in over_kw.get("label_scope") or ():
            if name == item.name:
                if isinstance(column, Label) and column.name is not None:
                    return self.quote(column.name)
                return self.process(column, **flags.plain(item_kw))
        found = [c for f in froms if (c := f.columns.get(item.name)) is not None]
        if not found:
            raise exc.CompileError(
                f"over() got the string {item.name!r}, which names no column of this "
                "SELECT's FROM tables; pass the column, or text() for raw SQL"
            )
        return self.process(found[-1], **flags.plain(item_kw))

    def _frame_bound(
        self, bound: FrameBound, unbounded: str, offset: BindParameter[int] | None
    ) -> str:
        if bound is None:
            return f"UNBOUNDED {unbounded}"
        if bound == 0 or offset is None:
            return "CURRENT ROW"
        return f"{self._frame_offset(offset)} {'PRECEDING' if bound < 0 else 'FOLLOWING'}"

    def _frame_offset(self, offset: BindParameter[int]) -> str:
        """The n of ``n PRECEDING``: the number itself (printed SQL shows a parameter)."""
        return str(offset.value)

    def visit_within_group(self, element: WithinGroup, **kw: Any) -> str:
        if not self.features.within_group:
            raise self._unsupported(
                "WITHIN GROUP (ORDER BY ...) (func.x(...).within_group(...))",
                "compute the ordered-set aggregate in Python or with a window function",
            )
        if self.features.within_group_needs_over and not kw.get("window_function"):
            raise self._unsupported(
                "WITHIN GROUP as a plain aggregate",
                "add .over(partition_by=...) to compute it per partition as a window function",
            )
        plain = flags.plain(kw)
        order = ", ".join(self.process(o, **flags.keep_order(plain)) for o in element.order_by)
        return f"{self.process(element.element, **plain)} WITHIN GROUP (ORDER BY {order})"

    def visit_function_filter(self, element: FunctionFilter, **kw: Any) -> str:
        if not self.features.aggregate_filter:
            raise self._unsupported(
                "FILTER (WHERE ...) on aggregates (func.x(...).filter(...))",
                "aggregate a CASE instead, e.g. func.count(case((condition, column)))",
            )
        plain = flags.plain(kw)
        return (
            f"{self.process(element.element, **plain)} "
            f"FILTER (WHERE {self.process(element.criterion, **plain)})"
        )

    # -- FROM clauses ---------------------------------------------------------------------

    def visit_lateral(self, lateral: Lateral, **kw: Any) -> str:
        if not self.features.lateral:
            raise self._unsupported(
                "LATERAL subqueries (select(...).lateral())",
                "use a correlated scalar subquery, or a join to a grouped subquery",
            )
        name = self._from_name(lateral)
        if not kw.get("asfrom"):
            return name
        # Unlike a plain subquery, a lateral one sees the FROMs of the statement it is in.
        inner = self.process(lateral.element, **flags.nested(kw), in_subquery=True)
        return f"LATERAL ({inner}){self.alias_keyword}{name}"

    def visit_table_valued(self, element: TableValuedAlias, **kw: Any) -> str:
        if not self.features.table_functions:
            raise self._unsupported(
                f"functions in FROM ({element.function.describe()} as table_valued() or "
                "column_valued())",
                "MariaDB reads JSON rows only with JSON_TABLE, which corral does not build; "
                "use text() for it",
            )
        name = self._from_name(element)
        if not kw.get("asfrom"):
            return name
        sql = self.table_function(self.process(element.function, **flags.plain(kw)), name)
        if element.derived:
            columns = []
            for column in element.columns:
                spec = self.quote(column.key or "")
                if element.with_types:
                    spec += f" {self.cast_type(column.type)}"
                columns.append(spec)
            sql += f"({', '.join(columns)})"
        return sql

    def table_function(self, function: str, name: str) -> str:
        """A function returning rows, in FROM under ``name``."""
        return f"{function}{self.alias_keyword}{name}"

    def visit_table_valued_column(self, element: TableValuedColumn, **kw: Any) -> str:
        return self._from_name(element.source)

    # -- ARRAY ----------------------------------------------------------------------------

    def visit_array_index(self, element: ArrayIndex, **kw: Any) -> str:
        raise self._unsupported(
            f"arrays ({element.array.describe()}[...])", "store the values in a related table"
        )

    def visit_array_operation(self, element: ArrayOperation, **kw: Any) -> str:
        raise self._unsupported(
            f"arrays ({element.describe()})", "store the values in a related table"
        )

    # -- JSON -----------------------------------------------------------------------------

    def visit_json_index(self, element: JSONIndex, **kw: Any) -> str:
        return self.json_index_sql(element, kw)

    def json_index_sql(self, element: JSONIndex, kw: dict[str, Any]) -> str:
        """PostgreSQL's spelling (also the generic one): ``->``, ``#>``, ``->>``, ``#>>``."""
        document = self.process(element.element, **flags.plain(kw))
        path = self.process(element.native_path, **flags.plain(kw))
        arrow = "#>" if element.is_path else "->"
        if element.read_as == "json":
            return f"{document} {arrow} {path}"
        text = f"{document} {arrow}> {path}"
        if element.read_as == "string":
            return f"({text})"
        return f"CAST(({text}) AS {self.cast_type(element.type)})"
