"""SQL functions (``func.<name>(...)``) and ``CASE``."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from corral import exc
from corral.sql.conditions import _condition
from corral.sql.elements import BindParameter, ClauseList, ColumnElement, carried_entity
from corral.sql.from_clause import FromClause
from corral.sql.table_valued import TableValuedAlias, table_valued_columns
from corral.sql.type_api import NULLTYPE, TypeEngine, to_instance
from corral.sql.types import type_for_value
from corral.sql.window import FunctionFilter, WindowCapable, WithinGroup

#: Functions whose result type is fixed, by lower-case name (the ``corral.sql.types`` class
#: name): the generic functions SQLAlchemy types. Any other function (``lower``, ``length``,
#: ``abs``) has ``NullType`` unless given ``type_=``, as there, and its values come back as
#: the driver returns them.
_FIXED_RESULT_TYPES = {
    "count": "Integer",
    "char_length": "Integer",
    "rank": "Integer",
    "dense_rank": "Integer",
    "next_value": "Integer",
    "percent_rank": "Numeric",
    "cume_dist": "Numeric",
    "concat": "String",
    "aggregate_strings": "String",
    "current_user": "String",
    "session_user": "String",
    "user": "String",
    "now": "DateTime",
    "current_timestamp": "DateTime",
    "localtime": "DateTime",
    "localtimestamp": "DateTime",
    "sysdate": "DateTime",
    "current_date": "Date",
    "current_time": "Time",
}
#: Functions whose result has the type of their first argument.
_FIRST_ARGUMENT_TYPED = frozenset({"max", "min", "sum", "coalesce"})
#: Functions written without parentheses.
_NO_PARENTHESES = frozenset({"current_timestamp", "current_date", "current_time"})


def _argument(value: object) -> ColumnElement[Any]:
    if isinstance(value, ColumnElement):
        return value.__clause_element__()
    if isinstance(value, FromClause):
        raise exc.ArgumentError(f"A function argument cannot be the table {value.describe()}")
    return BindParameter(None, value, type_for_value(value))


class Function(WindowCapable):
    """``name(arguments)``; the result type is known for common functions or given."""

    visit_name = "function"
    key: str

    def __init__(
        self, name: str, *args: object, type_: TypeEngine | type[TypeEngine] | None = None
    ) -> None:
        self.name = name
        self.key = name.rpartition(".")[2]
        count_star = len(args) == 1 and isinstance(args[0], str) and args[0] == "*"
        #: ``count("*")``: run as ``count(*)``; ``str()`` shows the string as a parameter, as
        #: SQLAlchemy prints it.
        self.star_argument: BindParameter[Any] | None = None
        if count_star and self.key.lower() == "count":
            args = ()  # count("*") is count(*), not a count of the string '*'
            self.star_argument = BindParameter(None, "*", type_for_value("*"))
            self.star_argument.display_name = self.key
        self.arguments = ClauseList([_argument(a) for a in args])
        self._selected_through = carried_entity(*args)
        for argument in self.arguments.clauses:
            if isinstance(argument, BindParameter) and argument.anonymous:
                argument.display_name = self.key
        self.type = to_instance(type_) if type_ is not None else self._infer_type()

    def _infer_type(self) -> TypeEngine:
        lowered = self.key.lower()
        fixed = _FIXED_RESULT_TYPES.get(lowered)
        if fixed is not None:
            from corral.sql import types as sqltypes

            result: TypeEngine = getattr(sqltypes, fixed)()
            return result
        if lowered in _FIRST_ARGUMENT_TYPED and self.arguments.clauses:
            first = self.arguments.clauses[0]
            if isinstance(first, ColumnElement):
                return first.type
        return NULLTYPE

    @property
    def no_parentheses(self) -> bool:
        return self.key.lower() in _NO_PARENTHESES and not self.arguments.clauses

    @property
    def description(self) -> str:
        return self.name

    def describe(self) -> str:
        return f"{self.name}()"

    def filter(self, *criterion: object) -> FunctionFilter:
        """The aggregate over the rows matching ``criterion``: ``FILTER (WHERE ...)``."""
        return FunctionFilter(self, *criterion)

    def within_group(self, *order_by: object) -> WithinGroup:
        """An ordered-set aggregate: ``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)``."""
        return WithinGroup(self, *order_by)

    def table_valued(
        self, *names: object, name: str | None = None, **options: Any
    ) -> TableValuedAlias:
        """The function as a FROM clause with these columns: ``json_each(x) AS anon_1``."""
        _refuse_options(options, "table_valued", {"joins_implicitly"})
        return TableValuedAlias(self, table_valued_columns(names, "table_valued"), name)

    def column_valued(self, name: str | None = None, **options: Any) -> ColumnElement[Any]:
        """The function's single result column, selected from ``function(...) AS name``."""
        _refuse_options(options, "column_valued", {"joins_implicitly"})
        return TableValuedAlias(self, [], name or "anon_1").column

    def alias(self, name: str | None = None, **options: Any) -> TableValuedAlias:
        """The function as a FROM clause named ``name``, with no named columns."""
        _refuse_options(options, "alias", {"joins_implicitly"})
        return TableValuedAlias(self, [], name)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        star = self.star_argument._key(binds) if self.star_argument is not None else None
        return ("func", self.name, self.type.cache_key(), self.arguments._key(binds), star)

    def _from_objects(self) -> list[FromClause]:
        return self.arguments._from_objects()


def _refuse_options(options: dict[str, Any], method: str, accepted: set[str]) -> None:
    """Refuse keyword options corral does not implement (``with_ordinality``, ...)."""
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise exc.ArgumentError(
            f"{method}() got {', '.join(unknown)}, which corral does not support"
        )


class _FunctionGenerator:
    """``func.count(x)``, ``func.lower(name)``, ``func.pkg.fn()``: any SQL function by name."""

    def __init__(self, names: Sequence[str] = ()) -> None:
        self._names = tuple(names)

    def __getattr__(self, name: str) -> _FunctionGenerator:
        if name.startswith("__"):
            raise AttributeError(name)
        return _FunctionGenerator((*self._names, name.rstrip("_")))

    def __call__(
        self, *args: object, type_: TypeEngine | type[TypeEngine] | None = None
    ) -> Function:
        if not self._names:
            raise exc.ArgumentError("Name the SQL function: func.count(...), func.lower(...)")
        return Function(".".join(self._names), *args, type_=type_)


func = _FunctionGenerator()


class Case(ColumnElement[Any]):
    """``CASE [value] WHEN ... THEN ... [ELSE ...] END``."""

    visit_name = "case"

    def __init__(
        self,
        *whens: tuple[object, object] | Mapping[object, object],
        value: object = None,
        else_: object = None,
    ) -> None:
        pairs: list[tuple[object, object]] = []
        for when in whens:
            if isinstance(when, Mapping):
                pairs.extend(when.items())
            else:
                pairs.append(when)
        if not pairs:
            raise exc.ArgumentError("case() needs at least one (condition, result) pair")
        self.value = _argument(value) if value is not None else None
        self.whens: list[tuple[ColumnElement[Any], ColumnElement[Any]]] = []
        for condition, result in pairs:
            if self.value is not None:
                test = _argument(condition)
            else:
                test = _condition(condition, "case()")
            self.whens.append((test, _argument(result)))
        self.else_ = _argument(else_) if else_ is not None else None
        self.type = self.whens[0][1].type

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "case",
            self.value._key(binds) if self.value is not None else None,
            tuple((w._key(binds), r._key(binds)) for w, r in self.whens),
            self.else_._key(binds) if self.else_ is not None else None,
        )

    def _from_objects(self) -> list[FromClause]:
        froms: list[FromClause] = []
        for extra in (self.value, self.else_):
            if extra is not None:
                froms += extra._from_objects()
        for w, r in self.whens:
            froms += w._from_objects() + r._from_objects()
        return froms


def case(
    *whens: tuple[object, object] | Mapping[object, object],
    value: object = None,
    else_: object = None,
) -> Case:
    """``CASE WHEN condition THEN result ... ELSE default END``."""
    return Case(*whens, value=value, else_=else_)
