"""A compiled statement: SQL text plus the recipe for its positional parameters.

A ``Compiled`` is made once per statement shape and dialect and then reused:
the values come from the bind parameters of the statement being executed
(extracted in the same traversal order as when it was compiled) or from the
parameters passed to ``execute``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal

from corral import exc
from corral.sql.type_api import Processor, UnstorableValue

if TYPE_CHECKING:
    from corral.sql.compiler.expanding import ExpandingSQL
    from corral.sql.compiler.result_objects import ResultObjects
    from corral.sql.compiler.textual_columns import TextualColumns
    from corral.sql.elements import BindParameter
    from corral.sql.from_clause import TableClause
    from corral.sql.schema import Column, ColumnDefault

StatementKind = Literal["select", "insert", "update", "delete", "text", "ddl"]

_NO_VALUE: Any = object()


@dataclass(frozen=True, slots=True)
class ParamSlot:
    """One positional placeholder of the SQL text."""

    #: Name by which ``execute(stmt, {name: value})`` supplies the value.
    key: str
    #: Index into the statement's extracted bind parameters, or -1 when the
    #: value can only come from ``execute``'s parameters.
    bind_index: int
    #: Converts the Python value for the driver (validation included), or None.
    processor: Processor | None
    #: ``"table.column"`` (or the key) for messages about a bad value.
    label: str
    #: Whether this slot was given a value when the statement was built.
    has_value: bool
    #: A column's client-side default, used when no value is given.
    default: ColumnDefault | None = None
    #: Printed SQL's expanding IN parameter (``IN (__[POSTCOMPILE_id_1])``): where each of
    #: its values is among the bind parameters (a tuple of places for a row of values).
    expanding: tuple[int | tuple[int, ...], ...] | None = None
    #: Classes whose values ``processor`` returns unchanged once it checked their class
    #: (``type_api.unchanged_classes``), or None.
    unchanged: tuple[type, ...] | None = None


class Compiled:
    """SQL text for one dialect and how to build its parameters."""

    __slots__ = (
        "_binds",
        "dialect_name",
        "expanding",
        "generated_key_at",
        "implicit_returning",
        "kind",
        "many_update",
        "many_values",
        "primary_key",
        "result_keys",
        "result_objects",
        "result_processors",
        "slots",
        "sql",
        "sql_named",
        "table",
        "textual",
        "values_span",
    )

    def __init__(
        self,
        sql: str,
        slots: Sequence[ParamSlot],
        *,
        dialect_name: str,
        kind: StatementKind,
        result_keys: Sequence[str] = (),
        result_processors: Sequence[Processor | None] = (),
        result_objects: ResultObjects | None = None,
        table: TableClause | None = None,
        primary_key: Sequence[Column] = (),
        implicit_returning: bool = False,
        values_span: tuple[int, int] | None = None,
        many_values: tuple[str, str, str] | None = None,
        many_update: tuple[str, str, str, tuple[int, ...]] | None = None,
        generated_key_at: int | None = None,
        named: bool = False,
        expanding: ExpandingSQL | None = None,
        textual: TextualColumns | None = None,
    ) -> None:
        self.sql = sql
        #: ``IN`` lists expanded as the statement runs (see expanding.py); None for most.
        self.expanding = expanding
        #: A ``text().columns()`` statement's columns, whose rows are laid out by the
        #: cursor's description (see textual_columns.py); None for every other statement.
        self.textual = textual
        self.sql_named = named
        self.slots = tuple(slots)
        self.dialect_name = dialect_name
        self.kind = kind
        self.result_keys = tuple(result_keys)
        #: The objects (columns, labels, expressions) the result's columns are looked up
        #: by, besides their names; None when the compiler did not record them.
        self.result_objects = result_objects
        processors = tuple(result_processors)
        #: None when no column needs converting, so the engine can skip the work.
        self.result_processors = processors if any(p is not None for p in processors) else None
        self.table = table
        self.primary_key = tuple(primary_key)
        self.implicit_returning = implicit_returning
        #: A single-row INSERT: where its ``(...)`` of values is in ``sql``, when every
        #: placeholder is inside it (so the group can be repeated for several rows).
        self.values_span = values_span
        #: An INSERT with no RETURNING of its own, as (head, row, tail): ``head`` + the
        #: ``row`` repeated with ", " + ``tail`` inserts several parameter sets in one
        #: statement (``tail`` leaves out an implicit RETURNING). None when that would not
        #: mean the same as one statement per set.
        self.many_values = many_values
        #: An UPDATE that sets bound values in the rows whose columns equal bound values,
        #: as (head, row, tail, keys): the sets of an executemany as rows of a VALUES list
        #: the UPDATE joins, ``keys`` the positions of the values that tell which rows a
        #: set matches (see engine/update_many.py). None for any other statement, or
        #: where the database cannot (``features.update_many_values``).
        self.many_update = many_update
        #: A single-row INSERT ... RETURNING: where among the returned columns the table's
        #: integer key is, when the database generates it (the statement gives no value for
        #: it), so rows of a multi-row INSERT can be put back in VALUES order by it.
        self.generated_key_at = (
            generated_key_at
            if generated_key_at is not None
            and not any(slot.key in {c.key for c in self.primary_key} for slot in self.slots)
            else None
        )
        #: The bound values of the statement ``compile()`` was called on (see ``params``).
        self._binds: tuple[BindParameter[Any], ...] = ()

    def with_binds(self, binds: Sequence[BindParameter[Any]]) -> Compiled:
        """A copy that knows one statement's values (the cached original stays shared)."""
        clone = copy.copy(self)
        clone._binds = tuple(binds)
        return clone

    @property
    def string(self) -> str:
        """The SQL text (SQLAlchemy's name for it)."""
        return self.sql

    @property
    def params(self) -> dict[str, Any]:
        """The statement's values by parameter name (None where a value is still to come)."""
        out: dict[str, Any] = {}
        for slot in self.slots:
            value = None
            if slot.expanding is not None:
                value = [self._value_at(place) for place in slot.expanding]
            elif 0 <= slot.bind_index < len(self._binds):
                bind = self._binds[slot.bind_index]
                value = bind.effective_value if bind.has_value() else None
            out[slot.key] = value
        return out

    def _value_at(self, place: int | tuple[int, ...]) -> Any:
        if isinstance(place, tuple):
            return tuple(self._value_at(p) for p in place)
        if not 0 <= place < len(self._binds):
            return None
        bind = self._binds[place]
        return bind.effective_value if bind.has_value() else None

    @property
    def positional(self) -> bool:
        """Whether placeholders are positional (``?``, ``%s``) rather than named (``:name``,
        ``%(name)s``): executed SQL is positional on every dialect; printed SQL is written
        in the paramstyle SQLAlchemy's default driver uses, named for PostgreSQL."""
        return not self.sql_named

    @property
    def positiontup(self) -> list[str] | None:
        """The parameter names in the order their placeholders appear (None when named)."""
        return None if self.sql_named else [slot.key for slot in self.slots]

    def __repr__(self) -> str:
        return f"<Compiled {self.kind} {self.sql!r}>"

    def __str__(self) -> str:
        return self.sql

    @property
    def param_keys(self) -> tuple[str, ...]:
        return tuple(slot.key for slot in self.slots)

    def construct_params(
        self,
        binds: Sequence[BindParameter[Any]],
        params: Mapping[str, Any] | None = None,
    ) -> tuple[Any, ...]:
        """The positional parameters for one execution."""
        try:
            return self._construct(binds, params)
        except UnstorableValue as error:
            raise self._unstorable(error, params) from None

    def _construct(
        self,
        binds: Sequence[BindParameter[Any]],
        params: Mapping[str, Any] | None,
    ) -> tuple[Any, ...]:
        out = []
        for slot in self.slots:
            value = _NO_VALUE
            if params is not None:
                value = params.get(slot.key, _NO_VALUE)
            if value is _NO_VALUE and slot.bind_index >= 0:
                bind = binds[slot.bind_index]
                value = bind.effective_value if bind.has_value() else _NO_VALUE
            if value is _NO_VALUE:
                if slot.default is None:
                    raise self._missing(slot, params)
                value = slot.default.value(params)
            processor = slot.processor
            out.append(value if processor is None or value is None else processor(value))
        return tuple(out)

    def construct_expanded(
        self,
        binds: Sequence[BindParameter[Any]],
        params: Mapping[str, Any] | None = None,
    ) -> tuple[Compiled, tuple[Any, ...]]:
        """A statement with expanding ``IN`` lists: a copy with the SQL for this execution's
        list lengths, and the positional parameters."""
        expanding = self.expanding
        assert expanding is not None
        try:
            args, counts = expanding.arguments(self._construct(binds, params))
        except UnstorableValue as error:
            raise self._unstorable(error, params) from None
        clone = copy.copy(self)
        clone.sql = expanding.sql(counts)
        return clone, args

    def construct_params_many(
        self,
        binds: Sequence[BindParameter[Any]],
        params_list: Sequence[Mapping[str, Any]],
    ) -> list[tuple[Any, ...]]:
        """The positional parameters for an executemany, one tuple per parameter set."""
        recipe = [(slot.key, slot.processor) for slot in self.slots]
        if max(map(len, params_list)) > len(params_list[0]):
            self._refuse_extra_keys(params_list)
        try:
            if all(processor is None for _, processor in recipe):
                return _value_tuples(params_list, [key for key, _ in recipe])
            if recipe:
                # Column by column: one comprehension per slot costs far less per value
                # than a loop per parameter set; the columns are zipped into rows at the end.
                columns = []
                for slot in self.slots:
                    key, processor, unchanged = slot.key, slot.processor, slot.unchanged
                    values = list(map(itemgetter(key), params_list))
                    if processor is not None and not (
                        unchanged is not None and all(map(isinstance, values, repeat(unchanged)))
                    ):  # (values all of classes it passes unchanged: checked at once)
                        values = [v if v is None else processor(v) for v in values]
                    columns.append(values)
                return list(zip(*columns, strict=True))
        except (KeyError, UnstorableValue, exc.ArgumentError):
            pass  # a key missing or a value refused: set by set, for the first set's error
        return self._params_set_by_set(binds, params_list, recipe)

    def _params_set_by_set(
        self,
        binds: Sequence[BindParameter[Any]],
        params_list: Sequence[Mapping[str, Any]],
        recipe: list[tuple[str, Processor | None]],
    ) -> list[tuple[Any, ...]]:
        p: Mapping[str, Any] | None = None
        try:
            rows = []
            for p in params_list:
                row = []
                for key, processor in recipe:
                    value = p[key]
                    row.append(value if processor is None or value is None else processor(value))
                rows.append(tuple(row))
            return rows
        except KeyError:
            # A parameter set lacks a key (and may have another instead): the careful path
            # refuses keys the first set lacks, fills defaults or names what is missing.
            self._refuse_extra_keys(params_list)
            return [self.construct_params(binds, p) for p in params_list]
        except UnstorableValue as error:
            raise self._unstorable(error, p) from None

    def _refuse_extra_keys(self, params_list: Sequence[Mapping[str, Any]]) -> None:
        """An executemany is compiled from its first parameter set's keys: a later set's key
        beyond them would be dropped, so it is refused (nothing is sent)."""
        first = params_list[0].keys()
        for index, params in enumerate(params_list):
            extra = sorted(params.keys() - first)
            if extra:
                raise exc.ArgumentError(
                    f"Parameter set {index} of an executemany has {', '.join(map(repr, extra))}, "
                    f"which the first set lacks; the statement {self.sql!r} is built from the "
                    "first set's keys, so these values would be dropped. Give every set the "
                    "same keys, or execute the sets with different keys separately "
                    "(nothing was sent to the database)"
                )

    def _unstorable(
        self, error: UnstorableValue, params: Mapping[str, Any] | None
    ) -> exc.DataError:
        """``DataError`` for a value the database would change, with the statement (not sent)."""
        return exc.DataError(
            self.sql,
            params,
            None,
            message=f"{error} (nothing was sent to the database)",
        )

    def _missing(self, slot: ParamSlot, params: Mapping[str, Any] | None) -> exc.ArgumentError:
        given = ", ".join(sorted(params)) if params else "none"
        return exc.ArgumentError(
            f"No value for the bind parameter {slot.key!r} ({slot.label}) of {self.sql!r}; "
            f"parameters given: {given}. Pass it in execute(statement, {{{slot.key!r}: ...}})."
        )


def _value_tuples(
    params_list: Sequence[Mapping[str, Any]], keys: list[str]
) -> list[tuple[Any, ...]]:
    """The values of ``keys`` of each parameter set, as a tuple a set (KeyError if one lacks
    a key): ``itemgetter`` reads them at C speed, a few times faster than a comprehension."""
    if len(keys) > 1:
        return list(map(itemgetter(*keys), params_list))
    if keys:
        return [(value,) for value in map(itemgetter(keys[0]), params_list)]
    return [() for _ in params_list]
