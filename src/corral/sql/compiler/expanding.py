"""``IN`` with an expanding parameter (``col.in_(bindparam("ids", expanding=True))``): the
statement is compiled once, whatever the list's length, and each execution writes as many
placeholders as it has values.

The compiler writes ``left IN (...)`` once, marks where it stands in the SQL text, and
records an ``Expansion``: the SQL of the left side, the operator, how many placeholders
the left side has, and the bind processors of one value (one per element of a
``tuple_()`` row), built once per type. ``Compiled.sql`` shows the expansion as SQLAlchemy
prints it (``IN (__[POSTCOMPILE_ids])``); ``expand`` gives an execution its SQL (kept per
list length) and its positional values. An empty list matches nothing (``NOT IN``:
everything), written as ``(1 != 1)`` / ``(1 = 1)`` in place of the whole expression.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.sql import operators as ops
from corral.sql.compiler.compiled import ParamSlot
from corral.sql.elements import BinaryExpression, BindParameter
from corral.sql.type_api import Processor

if TYPE_CHECKING:
    from corral.sql.compiler.statement import StatementCompiler

#: Where an expansion stands in SQL text being compiled (never in SQL written by a user).
MARK = "\x00"
#: How many SQL texts (list lengths) one statement keeps.
_KEPT_LENGTHS = 128


@dataclass(frozen=True, slots=True)
class Expansion:
    """One ``left IN (...)`` with an expanding parameter."""

    #: The parameter's place among the compiled statement's slots.
    slot: int
    #: How many slots of the left side come just before it (dropped for an empty list).
    left_slots: int
    left: str
    operator: str
    #: The placeholder of one value: ``?``, or ``(?, ?)`` for a row of a ``tuple_()``.
    row: str
    #: Converts each value for the driver (one per element of a row).
    processors: tuple[Processor | None, ...]
    #: For messages: the parameter and what it is compared with.
    label: str
    #: Rows of values (``tuple_().in_()``), else single values.
    rows: bool

    def shown(self, key: str) -> str:
        """As ``Compiled.sql`` shows it, before any values are known."""
        return f"{self.left} {self.operator} (__[POSTCOMPILE_{key}])"

    def written(self, count: int) -> str:
        """The SQL text for ``count`` values."""
        if count == 0:
            return "(1 != 1)" if self.operator == ops.IN.sql else "(1 = 1)"
        return f"{self.left} {self.operator} ({', '.join([self.row] * count)})"

    def values(self, given: Any) -> list[Any]:
        """The list's values converted for the driver, flattened row by row."""
        if isinstance(given, str | bytes) or not isinstance(given, Iterable):
            raise exc.ArgumentError(
                f"The expanding parameter {self.label} takes a list of values, "
                f"got {type(given).__name__}"
            )
        if not self.rows:
            (process,) = self.processors
            if process is None:
                return list(given)
            return [value if value is None else process(value) for value in given]
        out: list[Any] = []
        width = len(self.processors)
        for row in given:
            if not isinstance(row, tuple | list) or len(row) != width:
                raise exc.ArgumentError(
                    f"The expanding parameter {self.label} takes rows of {width} values, "
                    f"got {row!r}"
                )
            for value, process in zip(row, self.processors, strict=True):
                out.append(value if process is None or value is None else process(value))
        return out


@dataclass(slots=True)
class ExpandingSQL:
    """The expansions of a compiled statement and its SQL text around them."""

    #: The text between the expansions (one more piece than expansions).
    pieces: tuple[str, ...]
    expansions: tuple[Expansion, ...]
    #: SQL text by list lengths, as executions ask for it.
    texts: dict[tuple[int, ...], str] = field(default_factory=dict)

    def sql(self, counts: tuple[int, ...]) -> str:
        text = self.texts.get(counts)
        if text is None:
            parts = [self.pieces[0]]
            for expansion, count, piece in zip(
                self.expansions, counts, self.pieces[1:], strict=True
            ):
                parts.append(expansion.written(count))
                parts.append(piece)
            text = "".join(parts)
            if len(self.texts) >= _KEPT_LENGTHS:
                self.texts.clear()
            self.texts[counts] = text
        return text

    def arguments(self, flat: Sequence[Any]) -> tuple[tuple[Any, ...], tuple[int, ...]]:
        """The positional values (``flat``: one per slot, each expanding one's list as
        given) with the expanded lists, and the lists' lengths."""
        out: list[Any] = []
        counts = []
        start = 0
        for expansion in self.expansions:
            out.extend(flat[start : expansion.slot])
            start = expansion.slot + 1
            values = expansion.values(flat[expansion.slot])
            if values:
                out.extend(values)
                counts.append(len(values) // len(expansion.processors))
            else:  # the whole expression is replaced: its left side's values go too
                del out[len(out) - expansion.left_slots :]
                counts.append(0)
        out.extend(flat[start:])
        return tuple(out), tuple(counts)


def compile_in(
    compiler: StatementCompiler, element: BinaryExpression[Any], kw: dict[str, Any]
) -> str:
    """``left IN (...)`` for an expanding parameter on the right."""
    bind = element.right
    assert isinstance(bind, BindParameter)
    op = element.operator
    if op not in (ops.IN, ops.NOT_IN):
        raise exc.CompileError(
            f"An expanding parameter ({bind.describe()}) goes on the right of in_() or "
            f"not_in(), not of {op.sql}"
        )
    before = len(compiler.slots)
    left = compiler._operand(element.left, op, False, kw)
    if kw.get("literal_binds") or compiler.literal_binds:
        return _literal(compiler, left, op, bind)
    key = compiler._bind_key(bind)
    index = compiler._bind_index.get(id(bind), -1)
    compiler.slots.append(ParamSlot(key, index, None, bind.origin or key, bind.has_value()))
    label = f"{key!r} ({element.left.describe()})"
    if compiler.placeholder is None:  # printed SQL (named parameters): shown unexpanded
        return f"{left} {op.sql} (__[POSTCOMPILE_{key}])"
    placeholder = compiler.placeholder
    if bind.row_types is not None:
        types: Sequence[Any] = bind.row_types
        row = f"({', '.join([placeholder] * len(types))})"
    else:
        types = [bind.type]
        row = placeholder
    processors = tuple(compiler._slot_processor(t, label, False) for t in types)
    expansion = Expansion(
        slot=len(compiler.slots) - 1,
        left_slots=len(compiler.slots) - 1 - before,
        left=left,
        operator=op.sql,
        row=row,
        processors=processors,
        label=label,
        rows=bind.row_types is not None,
    )
    compiler._expansions.append(expansion)
    return MARK


def _literal(
    compiler: StatementCompiler, left: str, op: ops.Operator, bind: BindParameter[Any]
) -> str:
    """The list's values written into the SQL (``literal_binds``)."""
    if not bind.has_value():
        raise exc.CompileError(
            f"literal_binds: the expanding parameter {bind.key!r} has no value to write; "
            "give it one with bindparam(key, [values], expanding=True)"
        )
    values = list(bind.effective_value)
    if not values:
        return "(1 != 1)" if op is ops.IN else "(1 = 1)"
    types = bind.row_types
    if types is None:
        written = [
            compiler.render_literal(bind.type.literal_value(v, compiler.dialect)) for v in values
        ]
    else:
        written = [
            "("
            + ", ".join(
                compiler.render_literal(t.literal_value(v, compiler.dialect))
                for t, v in zip(types, row, strict=True)
            )
            + ")"
            for row in values
        ]
    return f"{left} {op.sql} ({', '.join(written)})"


def split(
    sql: str, expansions: list[Expansion], slots: Sequence[ParamSlot]
) -> tuple[str, ExpandingSQL]:
    """The compiled SQL as shown (``IN (__[POSTCOMPILE_key])``) and its expanding form."""
    pieces = sql.split(MARK)
    if len(pieces) != len(expansions) + 1:
        raise exc.CompileError(
            "An expanding parameter was compiled where its statement cannot place it; "
            "use it in a WHERE, HAVING or ON condition"
        )
    shown = [pieces[0]]
    for expansion, piece in zip(expansions, pieces[1:], strict=True):
        shown.append(expansion.shown(slots[expansion.slot].key))
        shown.append(piece)
    return "".join(shown), ExpandingSQL(tuple(pieces), tuple(expansions))


__all__ = ["MARK", "ExpandingSQL", "Expansion", "compile_in", "split"]
