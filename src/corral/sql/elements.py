"""Expression elements: columns, bound values, operators, text, labels.

Every element can state its *shape* through ``_key(binds)``: a hashable key
that leaves out bound values and appends the element's bind parameters to
``binds`` in a fixed traversal order. Equal keys compile to the same SQL, so
a statement built again with new values reuses its compiled form and takes
the new values from ``binds`` by position.
"""

from __future__ import annotations

import builtins
import itertools
from collections.abc import Hashable, Iterable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from corral import exc
from corral.sql import operators as ops
from corral.sql.container_comparators import ContainerComparators
from corral.sql.type_api import (
    NULLTYPE,
    NUMERIC_AFFINITIES,
    NullType,
    TypeEngine,
    to_instance,
)
from corral.sql.types import Boolean, type_for_value

if TYPE_CHECKING:
    from corral.sql.compiler.compiled import Compiled
    from corral.sql.compiler.dialect import SQLDialect
    from corral.sql.from_clause import FromClause
    from corral.sql.selectable import Select
    from corral.sql.wrappers import Cast, Label

T = TypeVar("T")
#: A ``schema_translate_map``: schema as the Table names it (None: none) -> schema to use.
SchemaMap = Mapping[str | None, str | None]

_serials = itertools.count(1)


def next_serial() -> int:
    """A number unique to one schema object for the process's life, used in cache keys."""
    return next(_serials)


class HashedShape:
    """A frozen statement's shape with its hash worked out once: the shape is a nest of
    tuples that the compiled cache would otherwise hash at every execution (twice)."""

    __slots__ = ("hash", "shape")

    def __init__(self, shape: Hashable) -> None:
        self.shape = shape
        self.hash = hash(shape)

    def __hash__(self) -> int:
        return self.hash

    def __eq__(self, other: object) -> bool:
        return other is self or (type(other) is HashedShape and other.shape == self.shape)

    def __repr__(self) -> str:
        return f"HashedShape({self.shape!r})"


class ClauseElement:
    """Base of every SQL construct."""

    visit_name: ClassVar[str] = "clause"
    #: DDL elements compile with the dialect's DDL compiler.
    is_ddl: ClassVar[bool] = False
    #: The element is never changed once built (its builders return changed copies, which
    #: do not inherit the key): its cache key is computed at its first execution and kept.
    keeps_cache_key: ClassVar[bool] = False
    precedence: int = ops.ATOM

    __hash__ = object.__hash__

    @property
    def description(self) -> str | None:
        """A short name for the element (a column's, a label's, a table's), or None."""
        return None

    def __repr__(self) -> str:
        # As SQLAlchemy shows a named element: <module.Class at 0x...; name>.
        name = self.description
        if name is None:
            return object.__repr__(self)
        return f"<{type(self).__module__}.{type(self).__qualname__} at {id(self):#x}; {name}>"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        """The element's shape; appends its bind parameters to ``binds`` in traversal order."""
        raise NotImplementedError(f"{type(self).__name__} has no cache key")

    def _from_objects(self) -> list[FromClause]:
        """The tables and subqueries this element refers to, for a SELECT's FROM list."""
        return []

    def _compile_for(
        self,
        dialect: SQLDialect,
        keys: tuple[str, ...] | None = None,
        cache: MutableMapping[Hashable, Compiled] | bool | None = True,
        schema_map: SchemaMap | None = None,
    ) -> tuple[Compiled, list[BindParameter[Any]]]:
        """This statement compiled for ``dialect`` (from the cache when the shape is known).

        ``cache``: True for the dialect's own; a dict to keep compiled statements in
        instead (the ``compiled_cache`` execution option); None to compile afresh.
        ``schema_map``: the execution's ``schema_translate_map``; the statement is compiled
        (and cached) once per map, with its tables named in the schemas the map gives."""
        binds: list[BindParameter[Any]] = []
        if self.is_ddl:  # DDL runs rarely and has no values: not worth a cache entry
            ddl = dialect.ddl_compiler(dialect)
            ddl.schema_map = schema_map
            return ddl.compile(self, binds, keys), binds
        frozen = self.__dict__.get("_frozen_key")
        if frozen is not None:  # a statement corral reuses as is (see Select.freeze)
            shape, binds = frozen
            cache_key: Hashable = (shape, keys)
        else:
            shape = self._key(binds)
            if self.keeps_cache_key:
                self.__dict__["_frozen_key"] = (shape, binds)
            cache_key = (shape, keys)
        if schema_map is not None:
            cache_key = (cache_key, "schema_translate_map", frozenset(schema_map.items()))
        if cache is not True:
            given = None if isinstance(cache, bool) else cache
            return self._compile_in(dialect, keys, binds, cache_key, given, schema_map), binds
        compiled = dialect.cache_get(cache_key)
        if compiled is None:
            compiler = dialect.statement_compiler(dialect)
            compiler.schema_map = schema_map
            compiled = compiler.compile(self, binds, keys)
            dialect.cache_put(cache_key, compiled)
        return compiled, binds

    def _compile_in(
        self,
        dialect: SQLDialect,
        keys: tuple[str, ...] | None,
        binds: list[BindParameter[Any]],
        cache_key: Hashable,
        cache: MutableMapping[Hashable, Compiled] | None,
        schema_map: SchemaMap | None = None,
    ) -> Compiled:
        """Compiled through a cache the caller gave (None: no cache at all)."""
        found = None if cache is None else cache.get((dialect.name, cache_key))
        if found is not None:
            return found
        compiler = dialect.statement_compiler(dialect)
        compiler.schema_map = schema_map
        compiled = compiler.compile(self, binds, keys)
        dialect.compile_count += 1
        if cache is not None:
            cache[(dialect.name, cache_key)] = compiled
        return compiled

    def compile(
        self,
        bind: Any = None,
        dialect: SQLDialect | builtins.type[SQLDialect] | None = None,
        *,
        compile_kwargs: dict[str, Any] | None = None,
        linting: int = 0,
    ) -> Compiled:
        """The SQL for ``dialect`` or ``bind``'s (generic when neither); see compile_api.
        ``linting=FROM_LINTING`` warns of a cartesian product, as running it would."""
        from corral.sql.compiler.compile_api import compile_element

        return compile_element(self, bind, dialect, compile_kwargs, linting)

    def _for_display(self) -> ClauseElement:
        """The statement ``compile()`` / ``str()`` shows: the one that would run."""
        return self

    def _display_keys(self) -> tuple[str, ...] | None:
        """The parameter keys to compile with when no execution gives them (``str()``)."""
        return None

    def __str__(self) -> str:
        return self.compile().sql


def carried_entity(*operands: object) -> Any:
    """The first ``_selected_through`` among an expression's operands, else None."""
    for operand in operands:
        through = getattr(operand, "_selected_through", None)
        if through is not None:
            return through
    return None


class ColumnElement(ContainerComparators, ClauseElement, Generic[T]):
    """An expression that has a value and a type: columns, binds, operations, functions."""

    type: TypeEngine = NULLTYPE
    #: Name under which the value appears in result rows, when it has one.
    key: str | None = None
    #: The mapped class (or aliased class) of the first ORM attribute this expression is
    #: built on: set by the ORM's attributes, carried up by the expressions made of them,
    #: so that ``select(func.count(Engineer.id))`` reads Engineer's rows (``carried_entity``).
    _selected_through: Any = None

    # Defining __eq__ would otherwise make expressions unhashable; they hash by identity.
    __hash__ = ClauseElement.__hash__

    def describe(self) -> str:
        """How messages name this expression."""
        return self.key or type(self).__name__

    def shares_lineage(self, other: Any) -> bool:
        """Whether this and ``other`` are the same column (``User.name`` and
        ``users.c.name`` are)."""
        mine = self.__clause_element__()
        theirs = other.__clause_element__() if hasattr(other, "__clause_element__") else other
        return mine is theirs

    def __clause_element__(self) -> ColumnElement[T]:
        """The element that goes into a statement (an ORM attribute gives its column)."""
        return self

    # -- comparison -------------------------------------------------------------------

    def __eq__(self, other: object) -> BinaryExpression[bool]:  # type: ignore[override]
        if other is None:
            return BinaryExpression(self, Null(), ops.IS)
        if isinstance(other, bool):  # ``x = true`` (``= 1`` without booleans), as SQLAlchemy
            return BinaryExpression(self, True_() if other else False_(), ops.EQ)
        return self._compare(ops.EQ, other)

    def __ne__(self, other: object) -> BinaryExpression[bool]:  # type: ignore[override]
        if other is None:
            return BinaryExpression(self, Null(), ops.IS_NOT)
        if isinstance(other, bool):
            return BinaryExpression(self, True_() if other else False_(), ops.NE)
        return self._compare(ops.NE, other)

    def __lt__(self, other: object) -> BinaryExpression[bool]:
        return self._compare(ops.LT, other)

    def __le__(self, other: object) -> BinaryExpression[bool]:
        return self._compare(ops.LE, other)

    def __gt__(self, other: object) -> BinaryExpression[bool]:
        return self._compare(ops.GT, other)

    def __ge__(self, other: object) -> BinaryExpression[bool]:
        return self._compare(ops.GE, other)

    def is_(self, other: object) -> BinaryExpression[bool]:
        right = (True_() if other else False_()) if isinstance(other, bool) else other
        return BinaryExpression(self, self._operand(ops.IS, right), ops.IS)

    def is_not(self, other: object) -> BinaryExpression[bool]:
        right = (True_() if other else False_()) if isinstance(other, bool) else other
        return BinaryExpression(self, self._operand(ops.IS_NOT, right), ops.IS_NOT)

    def is_distinct_from(self, other: object) -> BinaryExpression[bool]:
        """Differs from ``other``, NULL counting as a value (NULL vs NULL: false)."""
        return self._null_safe(ops.IS_DISTINCT_FROM, other)

    def is_not_distinct_from(self, other: object) -> BinaryExpression[bool]:
        """Equals ``other``, NULL counting as a value (NULL vs NULL: true)."""
        return self._null_safe(ops.IS_NOT_DISTINCT_FROM, other)

    isnot_distinct_from = is_not_distinct_from

    def _null_safe(self, operator: ops.Operator, other: object) -> BinaryExpression[bool]:
        right = (True_() if other else False_()) if isinstance(other, bool) else other
        return BinaryExpression(self, self._operand(operator, right), operator)

    def collate(self, collation: str) -> ColumnElement[Any]:
        from corral.sql.constructs import Collate

        return Collate(self, collation)

    def __getitem__(self, key: object) -> Any:
        # Any: a JSONIndex (with .as_string() ...) or an ArrayIndex, by the type.
        if self.type.affinity == "array":
            from corral.sql.array_type import array_index

            return array_index(self, key)
        from corral.sql.json_ops import json_index

        return json_index(self, key)

    def __iter__(self) -> Any:
        raise TypeError(f"The SQL expression {self.describe()} is not iterable")

    def in_(self, values: Iterable[Any] | ColumnElement[Any] | Select) -> ColumnElement[bool]:
        return self._in(ops.IN, values)

    def not_in(self, values: Iterable[Any] | ColumnElement[Any] | Select) -> ColumnElement[bool]:
        return self._in(ops.NOT_IN, values)

    def between(self, lower: object, upper: object) -> BinaryExpression[bool]:
        bounds = ClauseList(
            [self._operand(ops.BETWEEN, lower), self._operand(ops.BETWEEN, upper)],
            separator=" AND ",
        )
        return BinaryExpression(self, bounds, ops.BETWEEN)

    # -- strings ------------------------------------------------------------------------

    def like(self, pattern: object, escape: str | None = None) -> BinaryExpression[bool]:
        return self._string_op(ops.LIKE, pattern, escape)

    def not_like(self, pattern: object, escape: str | None = None) -> BinaryExpression[bool]:
        return self._string_op(ops.NOT_LIKE, pattern, escape)

    def ilike(self, pattern: object, escape: str | None = None) -> BinaryExpression[bool]:
        return self._string_op(ops.ILIKE, pattern, escape)

    def not_ilike(self, pattern: object, escape: str | None = None) -> BinaryExpression[bool]:
        return self._string_op(ops.NOT_ILIKE, pattern, escape)

    def contains(self, other: object, *, autoescape: bool = False) -> ColumnElement[bool]:
        if getattr(self.type, "containment", False):  # ARRAY, JSONB: ``@>``, as SQLAlchemy's
            from corral.sql.array_type import array_compare

            return array_compare(self, "@>", other)
        return self._pattern(other, "%", "%", autoescape)

    def startswith(self, other: object, *, autoescape: bool = False) -> BinaryExpression[bool]:
        return self._pattern(other, "", "%", autoescape)

    def endswith(self, other: object, *, autoescape: bool = False) -> BinaryExpression[bool]:
        return self._pattern(other, "%", "", autoescape)

    def concat(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.CONCAT, other)

    # -- arithmetic ---------------------------------------------------------------------

    def __add__(self, other: object) -> BinaryExpression[T]:
        if self.type.affinity == "string":
            return self._arithmetic(ops.CONCAT, other)
        return self._arithmetic(ops.ADD, other)

    def __radd__(self, other: object) -> BinaryExpression[T]:
        op = ops.CONCAT if self.type.affinity == "string" else ops.ADD
        return self._arithmetic(op, other, reverse=True)

    def __sub__(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.SUB, other)

    def __rsub__(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.SUB, other, reverse=True)

    def __mul__(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.MUL, other)

    def __rmul__(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.MUL, other, reverse=True)

    def __truediv__(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.DIV, other)

    def __rtruediv__(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.DIV, other, reverse=True)

    def __floordiv__(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.FLOORDIV, other)

    def __rfloordiv__(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.FLOORDIV, other, reverse=True)

    def __mod__(self, other: object) -> BinaryExpression[T]:
        return self._arithmetic(ops.MOD, other)

    def __neg__(self) -> UnaryExpression[T]:
        self._check_operator(ops.NEG)
        return UnaryExpression(self, operator="-", type_=self.type, precedence=ops.NEG.precedence)

    # -- boolean ------------------------------------------------------------------------

    def __invert__(self) -> ColumnElement[bool]:
        from corral.sql.conditions import not_

        return not_(self)

    def __and__(self, other: ColumnElement[Any]) -> ColumnElement[bool]:
        from corral.sql.conditions import and_

        return and_(self, other)

    def __or__(self, other: ColumnElement[Any]) -> ColumnElement[bool]:
        from corral.sql.conditions import or_

        return or_(self, other)

    # -- ordering and naming ------------------------------------------------------------

    def label(self, name: str | None) -> Label[T]:
        from corral.sql.wrappers import Label

        return Label(name, self)

    def desc(self) -> UnaryExpression[T]:
        return UnaryExpression(self, modifier="DESC", type_=self.type)

    def asc(self) -> UnaryExpression[T]:
        return UnaryExpression(self, modifier="ASC", type_=self.type)

    def nulls_first(self) -> UnaryExpression[T]:
        return UnaryExpression(self, modifier="NULLS FIRST", type_=self.type)

    def nulls_last(self) -> UnaryExpression[T]:
        return UnaryExpression(self, modifier="NULLS LAST", type_=self.type)

    def distinct(self) -> UnaryExpression[T]:
        return UnaryExpression(self, operator="DISTINCT", type_=self.type)

    def cast(self, type_: TypeEngine | builtins.type[TypeEngine]) -> Cast[Any]:
        from corral.sql.wrappers import Cast

        return Cast(self, type_)

    def __bool__(self) -> bool:
        raise TypeError(
            f"The truth value of the SQL expression {self.describe()} is not defined; "
            "combine conditions with and_(), or_() and not_() instead of 'and', 'or', 'not'"
        )

    # -- operand handling ---------------------------------------------------------------

    def _compare(self, op: ops.Operator, other: object) -> BinaryExpression[bool]:
        return BinaryExpression(self, self._operand(op, other), op)

    def _operand(self, op: ops.Operator, other: object) -> ColumnElement[Any]:
        """Turn the right side of an operator into an element, checking a plain value's type."""
        if isinstance(other, ClauseElement):
            if isinstance(other, ColumnElement):
                return other.__clause_element__()
            from corral.sql.selectable import Select

            if isinstance(other, Select):
                return other.scalar_subquery()
            raise exc.ArgumentError(
                f"{type(other).__name__} cannot be used as a value with {op.sql} "
                f"on {self.describe()}"
            )
        if other is None:
            return Null()
        # A plain value, the usual case: checked against the column's type once.
        type_ = self.type
        untyped = isinstance(type_, NullType)
        if untyped or not type_.accepts(other):
            if hasattr(type(other), "__clause_element__"):
                # Not a value but SQL (a mapped_column() used in the class body declaring it).
                element: ColumnElement[Any] = other.__clause_element__()  # type: ignore[attr-defined]
                return element
            if not untyped:
                raise exc.ArgumentError(
                    f"Bad value to compare with {self.describe()} ({op.sql}): "
                    f"{type_.rejection(other)}"
                )
        bind: BindParameter[Any] = BindParameter(
            None,
            other,
            None if untyped else type_.coerce_compared_value(op, other),
            origin=self.describe(),
        )
        bind.display_name = self.key or "param"
        return bind

    def _in(self, op: ops.Operator, values: Any) -> ColumnElement[bool]:
        from corral.sql.selectable import Select

        if isinstance(values, Select):
            from corral.sql.wrappers import Grouping

            return BinaryExpression(self, Grouping(values), op)
        if isinstance(values, BindParameter) and values.expanding:
            return BinaryExpression(self, values._expanding_for([self.type], rows=False), op)
        if isinstance(values, ColumnElement):
            return BinaryExpression(self, values.__clause_element__(), op)
        if isinstance(values, str | bytes) or not isinstance(values, Iterable):
            raise exc.ArgumentError(
                f"{op.name}() on {self.describe()} takes a list of values or a select(), "
                f"got {type(values).__name__}"
            )
        items = [self._operand(op, value) for value in values]
        if not items:
            # An empty IN matches nothing and an empty NOT IN matches everything.
            return BinaryExpression(Literal(1), Literal(1), ops.NE if op is ops.IN else ops.EQ)
        from corral.sql.wrappers import Grouping

        return BinaryExpression(self, Grouping(ClauseList(items)), op)

    def _string_op(
        self, op: ops.Operator, pattern: object, escape: str | None
    ) -> BinaryExpression[bool]:
        self._check_operator(op)
        return BinaryExpression(self, self._operand(op, pattern), op, escape=escape)

    def _pattern(
        self, other: object, prefix: str, suffix: str, autoescape: bool
    ) -> BinaryExpression[bool]:
        self._check_operator(ops.LIKE)
        if autoescape:
            if not isinstance(other, str):
                raise exc.ArgumentError("autoescape=True needs a plain string value")
            other = other.replace("/", "//").replace("%", "/%").replace("_", "/_")
        right: ColumnElement[Any] = self._operand(ops.LIKE, other)
        if prefix:
            right = BinaryExpression(Literal(prefix), right, ops.CONCAT)
        if suffix:
            right = BinaryExpression(right, Literal(suffix), ops.CONCAT)
        like: BinaryExpression[bool] = BinaryExpression(
            self, right, ops.LIKE, escape="/" if autoescape else None
        )
        like.shown_grouped = True
        return like

    def _arithmetic(
        self, op: ops.Operator, other: object, reverse: bool = False
    ) -> BinaryExpression[T]:
        self._check_operator(op, other)
        operand = self._arithmetic_operand(op, other)
        type_ = self.type
        if type_.affinity == "null" and op in (ops.ADD, ops.MUL):
            # An untyped expression (``func.upper(x)``) takes a commutative operator's
            # meaning from the other side, as in SQLAlchemy: ``+ " suffix"`` concatenates.
            type_ = operand.type
            if op is ops.ADD and type_.affinity == "string":
                op = ops.CONCAT
        left, right = (operand, self) if reverse else (self, operand)
        if op is ops.DIV and type_.affinity == "integer":
            from corral.sql.types import Numeric

            type_ = Numeric()  # ``/`` divides exactly, as in Python 3 and SQLAlchemy 2.0
        return BinaryExpression(left, right, op, type_=type_)

    def _arithmetic_operand(self, op: ops.Operator, other: object) -> ColumnElement[Any]:
        if self.type.affinity in ("datetime", "date", "time") and not isinstance(
            other, ClauseElement
        ):
            bind: BindParameter[Any] = BindParameter(
                None, other, type_for_value(other), origin=self.describe()
            )
            bind.display_name = self.key or "param"
            return bind
        return self._operand(op, other)

    def _check_operator(self, op: ops.Operator, other: object = None) -> None:
        """Refuse an operator the expression's type has no meaning for."""
        affinity = self.type.affinity
        if affinity == "null":
            return
        if op in ops.STRING_OPERATORS and affinity not in ("string", "enum", "json"):
            raise exc.ArgumentError(
                f"{op.sql} needs a string expression, but {self.describe()} is "
                f"{self.type.describe()}; cast it to String first"
            )
        if op in ops.ARITHMETIC_OPERATORS:
            temporal = affinity in ("datetime", "date", "time", "interval") and op in (
                ops.ADD,
                ops.SUB,
            )
            if affinity not in NUMERIC_AFFINITIES and not temporal:
                raise exc.ArgumentError(
                    f"Operator {op.sql} does not apply to {self.describe()} of type "
                    f"{self.type.describe()}"
                )


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class BindParameter(ColumnElement[T]):
    """A value sent to the database as a parameter, never spliced into the SQL text."""

    visit_name = "bindparam"
    #: What ``str()`` numbers this value's parameter from (``name_1``): the key of what it
    #: is compared with or passed to; None where the key (or the origin) is the name.
    display_name: str | None = None
    #: Anonymous parameters with one ``display_key`` print under one name, as SQLAlchemy
    #: names one parameter object met twice in a statement (a class's ``type IN (...)``).
    display_key: Hashable | None = None

    def __init__(
        self,
        key: str | None,
        value: Any = exc,  # the exc module doubles as a "no value given" marker
        type_: TypeEngine | type[TypeEngine] | None = None,
        *,
        callable_: Any = None,
        origin: str | None = None,
        expanding: bool = False,
    ) -> None:
        self.key = key
        self.anonymous = key is None
        self.value = None if value is exc else value
        self._has_value = value is not exc or callable_ is not None
        self.callable = callable_
        #: Which column the value is compared with or assigned to, for messages.
        self.origin = origin or key
        #: The value is a list that ``IN`` expands when the statement runs: the statement is
        #: compiled once whatever the list's length (see compiler/expanding.py).
        self.expanding = expanding
        #: The types of the values in each row of an expanding ``tuple_(...).in_()``.
        self.row_types: tuple[TypeEngine, ...] | None = None
        if type_ is None:
            value_type = self.value if not expanding else None
            self.type = type_for_value(value_type) if self._has_value else NULLTYPE
        else:
            self.type = to_instance(type_)

    def has_value(self) -> bool:
        return self._has_value

    @property
    def effective_value(self) -> Any:
        """The value sent: ``callable_()``'s result when one was given, else ``value``."""
        return self.callable() if self.callable is not None else self.value

    def describe(self) -> str:
        return f"parameter {self.key!r}" if self.key else "a bound value"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        binds.append(self)
        if self.expanding:
            rows = None if self.row_types is None else tuple(t.cache_key() for t in self.row_types)
            return ("bind", self.key, self.type.cache_key(), "expanding", rows)
        return ("bind", self.key, self.type.cache_key())

    def _expanding_for(self, types: Sequence[TypeEngine], rows: bool) -> BindParameter[T]:
        """This expanding parameter typed by what ``IN`` compares it with: one type for a
        column's values (a type given stays), one per element for a ``tuple_()``'s rows."""
        clone: BindParameter[T] = BindParameter.__new__(BindParameter)
        clone.__dict__ = dict(self.__dict__)
        if rows:
            clone.row_types = builtins.tuple(types)
        elif isinstance(self.type, NullType):
            clone.type = types[0]
        return clone


def bindparam(
    key: str,
    value: Any = exc,
    type_: TypeEngine | type[TypeEngine] | None = None,
    *,
    callable_: Any = None,
    expanding: bool = False,
) -> BindParameter[Any]:
    """A named parameter whose value comes from ``execute``'s parameters (or ``value``);
    ``expanding=True``: a list of values for ``in_()``, compiled once for any length."""
    return BindParameter(key, value, type_, callable_=callable_, expanding=expanding)


def literal(value: Any, type_: TypeEngine | type[TypeEngine] | None = None) -> BindParameter[Any]:
    """A Python value as a bound parameter usable on the left of an operator."""
    return BindParameter(None, value, type_)


class Literal(ColumnElement[Any]):
    """A constant the compiler writes into the SQL text (only corral's own: '%', 1)."""

    visit_name = "literal"

    def __init__(self, value: str | int) -> None:
        self.value = value

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("lit", self.value)


class Null(ColumnElement[None]):
    visit_name = "null"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("null",)


class True_(ColumnElement[bool]):
    visit_name = "true"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("true",)


class False_(ColumnElement[bool]):
    visit_name = "false"

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("false",)


def null() -> Null:
    return Null()


def true() -> True_:
    return True_()


def false() -> False_:
    return False_()


class BinaryExpression(ColumnElement[T]):
    """``left <operator> right``."""

    visit_name = "binary"
    #: ``str()`` writes the right side first, as SQLAlchemy shows this condition (an inferred
    #: join's referred column, an object's key compared with a foreign key); run as built.
    shown_reversed: bool = False
    #: Printed in parentheses, as SQLAlchemy prints ``contains()`` / ``startswith()``.
    shown_grouped: bool = False

    def __init__(
        self,
        left: ColumnElement[Any],
        right: ColumnElement[Any],
        operator: ops.Operator,
        *,
        type_: TypeEngine | None = None,
        escape: str | None = None,
    ) -> None:
        self.left = left.__clause_element__()
        self.right = right.__clause_element__()
        self._selected_through = carried_entity(left, right)
        self.operator = operator
        self.escape = escape
        self.precedence = operator.precedence
        if type_ is not None:
            self.type = type_
        elif operator.kind in ("comparison", "boolean"):
            self.type = Boolean()

    def describe(self) -> str:
        return f"{self.left.describe()} {self.operator.sql} {self.right.describe()}"

    def __bool__(self) -> bool:
        # Lets ``column in [a, b]`` and dict lookups compare columns by identity.
        if self.operator is ops.EQ:
            return self.left is self.right
        if self.operator is ops.NE:
            return self.left is not self.right
        return super().__bool__()

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return (
            "binary",
            self.operator.name,
            self.left._key(binds),
            self.right._key(binds),
            self.escape,
        )

    def _from_objects(self) -> list[FromClause]:
        return self.left._from_objects() + self.right._from_objects()


class UnaryExpression(ColumnElement[T]):
    """An operator before (``NOT x``, ``-x``, ``DISTINCT x``) or a modifier after (``x DESC``)."""

    visit_name = "unary"

    def __init__(
        self,
        element: ClauseElement,
        *,
        operator: str | None = None,
        modifier: str | None = None,
        type_: TypeEngine | None = None,
        precedence: int = ops.ATOM,
    ) -> None:
        self.element = (
            element.__clause_element__() if isinstance(element, ColumnElement) else element
        )
        self._selected_through = carried_entity(element)
        self.operator = operator
        self.modifier = modifier
        self.type = type_ or NULLTYPE
        self.precedence = precedence

    def describe(self) -> str:
        inner = self.element.describe() if isinstance(self.element, ColumnElement) else "..."
        return " ".join(p for p in (self.operator, inner, self.modifier) if p)

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("unary", self.operator, self.modifier, self.element._key(binds))

    def _from_objects(self) -> list[FromClause]:
        return self.element._from_objects()


class ClauseList(ColumnElement[Any]):
    """Elements joined by a separator (function arguments, an IN list)."""

    visit_name = "clauselist"

    def __init__(self, clauses: Sequence[ClauseElement], separator: str = ", ") -> None:
        self.clauses = [
            c.__clause_element__() if isinstance(c, ColumnElement) else c for c in clauses
        ]
        self.separator = separator

    def _key(self, binds: list[BindParameter[Any]]) -> Hashable:
        return ("list", self.separator, tuple(c._key(binds) for c in self.clauses))

    def _from_objects(self) -> list[FromClause]:
        return [f for c in self.clauses for f in c._from_objects()]
