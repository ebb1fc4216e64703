"""``relationship()``: how objects of one mapped class point at objects of another.

A relationship is declared on a class before its target may exist (``"Address"``
by name), so it is configured later, once every class it names is mapped:
``configure()`` resolves the target, works out the direction from the foreign
keys (or from ``primaryjoin`` / ``foreign_keys`` / ``remote_side``), pairs each
foreign-key column with the column it copies its value from, and links the two
sides of ``back_populates`` / ``backref``.
"""

from __future__ import annotations

import ast
import enum
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ForwardRef, Union, get_args, get_origin

from corral import exc
from corral.sql.conditions import BooleanClauseList, and_
from corral.sql.elements import BinaryExpression, ColumnElement
from corral.sql import operators as ops
from corral.sql.schema import Column, Table

if TYPE_CHECKING:
    from corral.orm.mapper import Mapper


class Direction(enum.Enum):
    ONETOMANY = "one-to-many"
    MANYTOONE = "many-to-one"
    MANYTOMANY = "many-to-many"


#: Strategy names ``lazy=`` accepts, with SQLAlchemy's older spellings mapped on.
LAZY_STRATEGIES = {
    "select": "select",
    True: "select",
    "selectin": "selectin",
    "joined": "joined",
    False: "joined",
    "subquery": "subquery",
    "raise": "raise",
    "raise_on_sql": "raise_on_sql",
    "noload": "noload",
    None: "noload",
    "write_only": "write_only",
}

CASCADE_WORDS = ("save-update", "merge", "refresh-expire", "expunge", "delete", "delete-orphan")
_ALL = frozenset({"save-update", "merge", "refresh-expire", "expunge", "delete"})


class Cascade:
    """The cascade words of a relationship, parsed: ``"all, delete-orphan"``."""

    __slots__ = ("delete", "delete_orphan", "expunge", "merge", "refresh_expire", "save_update")

    def __init__(self, spec: str) -> None:
        words: set[str] = set()
        for raw in spec.replace(" ", "").split(","):
            if not raw or raw == "none":
                continue
            if raw == "all":
                words |= _ALL
            elif raw in CASCADE_WORDS:
                words.add(raw)
            else:
                raise exc.ArgumentError(
                    f"Unknown cascade {raw!r} in {spec!r}; the cascades are all, "
                    f"{', '.join(CASCADE_WORDS)} (and none)"
                )
        self.save_update = "save-update" in words
        self.merge = "merge" in words
        self.refresh_expire = "refresh-expire" in words
        self.expunge = "expunge" in words
        self.delete = "delete" in words
        self.delete_orphan = "delete-orphan" in words

    def __repr__(self) -> str:
        words = [w for w in CASCADE_WORDS if getattr(self, w.replace("-", "_"))]
        return f"Cascade({', '.join(words)!r})"


class Relationship:
    """One side of a relationship between two mapped classes."""

    def __init__(
        self,
        argument: Any = None,
        secondary: Any = None,
        *,
        uselist: bool | None = None,
        back_populates: str | None = None,
        backref: str | tuple[str, dict[str, Any]] | None = None,
        foreign_keys: Any = None,
        primaryjoin: Any = None,
        secondaryjoin: Any = None,
        remote_side: Any = None,
        order_by: Any = False,
        lazy: Any = "select",
        cascade: str = "save-update, merge",
        passive_deletes: bool = False,
        post_update: bool = False,
        collection_class: type | None = None,
        viewonly: bool = False,
        innerjoin: bool = False,
    ) -> None:
        if back_populates is not None and backref is not None:
            raise exc.ArgumentError(
                "relationship() takes back_populates or backref, not both: back_populates names "
                "a relationship declared on the other class, backref creates it"
            )
        if lazy not in LAZY_STRATEGIES:
            if lazy == "dynamic":
                raise exc.ArgumentError(
                    "lazy='dynamic' is not supported; use lazy='write_only' (add(), remove() "
                    "and select() on a collection that is never loaded whole)"
                )
            names = ", ".join(repr(k) for k in LAZY_STRATEGIES if isinstance(k, str))
            raise exc.ArgumentError(f"Unknown lazy={lazy!r}; the loader strategies are {names}")
        self.argument = argument
        self.secondary_argument = secondary
        self.uselist_argument = uselist
        self.back_populates = back_populates
        self.backref = backref
        self.foreign_keys_argument = foreign_keys
        self.primaryjoin_argument = primaryjoin
        self.secondaryjoin_argument = secondaryjoin
        self.remote_side_argument = remote_side
        self.order_by_argument = order_by
        self.lazy: str = LAZY_STRATEGIES[lazy]
        self.cascade = Cascade(cascade)
        self.passive_deletes = passive_deletes
        self.post_update = post_update
        self.collection_class_argument = collection_class
        self.viewonly = viewonly
        self.innerjoin = innerjoin
        # Set when the owning class is mapped:
        self.key = ""
        self.parent: Mapper = None  # type: ignore[assignment]
        self.annotation: Any = None
        # Set by configure():
        self.configured = False
        self.mapper: Mapper = None  # type: ignore[assignment]
        self.direction = Direction.ONETOMANY
        self.uselist = True
        self.collection_class: type = list
        self.secondary: Table | None = None
        #: (column the value comes from, foreign-key column it is copied into).
        self.synchronize_pairs: list[tuple[Column, Column]] = []
        #: Many-to-many: (parent column, secondary column) and (target column, secondary column).
        self.secondary_pairs: list[tuple[Column, Column]] = []
        self.target_pairs: list[tuple[Column, Column]] = []
        #: Conditions of ``primaryjoin`` beyond the column pairs, applied to loads and joins.
        self.extra_criteria: list[ColumnElement[Any]] = []
        self.order_by: list[ColumnElement[Any]] = []
        self.reverse: Relationship | None = None

    def __repr__(self) -> str:
        return f"<Relationship {self.describe()}>"

    def describe(self) -> str:
        owner = self.parent.class_.__name__ if self.parent is not None else "?"
        return f"{owner}.{self.key}"

    @property
    def is_self_referential(self) -> bool:
        return self.mapper.table is self.parent.table

    def holder_of_foreign_key(self) -> str:
        """Which side's row carries the foreign key: ``"parent"``, ``"child"`` or ``"secondary"``."""
        if self.direction is Direction.MANYTOMANY:
            return "secondary"
        return "parent" if self.direction is Direction.MANYTOONE else "child"

    # -- configuration -------------------------------------------------------------

    def configure(self, classes: dict[str, type]) -> None:
        """Resolve the target and work out the direction and the column pairs."""
        if self.configured:
            return
        target, collection, optional = _from_annotation(self, classes)
        argument = self.argument if self.argument is not None else target
        self.mapper = _resolve_mapper(self, argument, classes)
        namespace = _namespace(self, classes)
        self.secondary = _resolve_secondary(self, self.secondary_argument, namespace)
        if self.secondary is not None:
            self._configure_many_to_many(namespace)
        else:
            self._configure_direct(namespace)
        if self.uselist_argument is not None:
            self.uselist = self.uselist_argument
        elif self.lazy == "write_only":
            self.uselist = True
        elif collection is not None:
            self.uselist = True
        elif target is not None:
            self.uselist = False  # Mapped["User"] / Mapped[Optional["User"]]: one object
        else:
            self.uselist = self.direction is not Direction.MANYTOONE
        del optional
        if self.collection_class_argument is not None:
            self.collection_class = self.collection_class_argument
        elif collection is not None:
            self.collection_class = collection
        if self.collection_class not in (list, set):
            raise exc.ArgumentError(
                f"{self.describe()}: collection_class must be list or set, got "
                f"{self.collection_class!r}"
            )
        if self.lazy == "write_only" and not self.uselist:
            raise exc.ArgumentError(
                f"{self.describe()}: lazy='write_only' is for collections; this relationship "
                "holds one object"
            )
        if self.direction is Direction.MANYTOONE and self.cascade.delete_orphan:
            raise exc.ArgumentError(
                f"{self.describe()}: delete-orphan cascade belongs on the one-to-many side "
                f"(the collection), not on the many-to-one {self.describe()}"
            )
        self.order_by = _resolve_order_by(self, namespace)
        self.configured = True

    def _configure_direct(self, namespace: dict[str, Any]) -> None:
        parent_table, target_table = self.parent.table, self.mapper.table
        explicit_fks = _column_set(self, self.foreign_keys_argument, namespace, "foreign_keys")
        if self.primaryjoin_argument is not None:
            condition = _evaluate(self, self.primaryjoin_argument, namespace, "primaryjoin")
            pairs, self.extra_criteria = _pairs_from_condition(self, condition, explicit_fks)
        else:
            pairs = _foreign_key_pairs(parent_table, target_table, explicit_fks) + [
                p
                for p in _foreign_key_pairs(target_table, parent_table, explicit_fks)
                if target_table is not parent_table
            ]
            pairs = _one_constraint(self, pairs)
        if not pairs:
            raise exc.ArgumentError(
                f"{self.describe()}: no foreign key links {parent_table.name!r} and "
                f"{target_table.name!r}. Add a ForeignKey to the column that refers to the "
                "other table, or give primaryjoin= and foreign_keys="
            )
        # pairs are (referenced column, foreign-key column)
        fk_tables = {id(fk_col.table) for _, fk_col in pairs}
        if parent_table is target_table:
            remote = _column_set(self, self.remote_side_argument, namespace, "remote_side")
            referenced_remote = any(src in remote for src, _ in pairs) if remote else False
            self.direction = Direction.MANYTOONE if referenced_remote else Direction.ONETOMANY
        elif fk_tables == {id(target_table)}:
            self.direction = Direction.ONETOMANY
        elif fk_tables == {id(parent_table)}:
            self.direction = Direction.MANYTOONE
        else:
            raise exc.ArgumentError(
                f"{self.describe()}: foreign keys on both {parent_table.name!r} and "
                f"{target_table.name!r} link them; say which to use with foreign_keys="
            )
        self.synchronize_pairs = pairs

    def _configure_many_to_many(self, namespace: dict[str, Any]) -> None:
        assert self.secondary is not None
        parent_table, target_table = self.parent.table, self.mapper.table
        self.direction = Direction.MANYTOMANY
        if self.primaryjoin_argument is not None:
            condition = _evaluate(self, self.primaryjoin_argument, namespace, "primaryjoin")
            local, extra = _pairs_from_condition(self, condition, set(self.secondary.columns))
            self.extra_criteria = extra
        else:
            local = _foreign_key_pairs(self.secondary, parent_table, set())
        if self.secondaryjoin_argument is not None:
            condition = _evaluate(self, self.secondaryjoin_argument, namespace, "secondaryjoin")
            remote, extra = _pairs_from_condition(self, condition, set(self.secondary.columns))
            self.extra_criteria += extra
        else:
            remote = _foreign_key_pairs(self.secondary, target_table, set())
        if parent_table is target_table and (
            self.primaryjoin_argument is None or self.secondaryjoin_argument is None
        ):
            raise exc.ArgumentError(
                f"{self.describe()}: a many-to-many from {parent_table.name!r} to itself needs "
                "primaryjoin= (this side's column) and secondaryjoin= (the other side's)"
            )
        for what, pairs, table in (("parent", local, parent_table), ("target", remote, target_table)):
            if not pairs:
                raise exc.ArgumentError(
                    f"{self.describe()}: the secondary table {self.secondary.name!r} has no "
                    f"foreign key to {table.name!r} ({what} side); add one or give "
                    "primaryjoin= / secondaryjoin="
                )
        self.secondary_pairs = local
        self.target_pairs = remote

    # -- derived conditions ----------------------------------------------------------

    def join_condition(self, parent: Any = None, target: Any = None) -> ColumnElement[bool]:
        """The ON clause from the parent's FROM to the target's (tables or their aliases)."""
        parent_from = parent if parent is not None else self.parent.table
        target_from = target if target is not None else self.mapper.table

        def on(column: Column) -> Any:
            if column.table is self.parent.table and (
                column.table is not self.mapper.table or self._is_local(column)
            ):
                return parent_from.columns[column.key]
            return target_from.columns[column.key]

        conditions: list[ColumnElement[Any]] = [on(a) == on(b) for a, b in self.synchronize_pairs]
        return and_(*conditions, *self.extra_criteria)

    def _is_local(self, column: Column) -> bool:
        """For a self-referential relationship: whether ``column`` names the parent row."""
        if self.direction is Direction.MANYTOONE:
            return any(column is fk for _, fk in self.synchronize_pairs)
        return any(column is src for src, _ in self.synchronize_pairs)

    def local_columns(self) -> list[Column]:
        """The parent's columns whose values identify its related rows."""
        if self.direction is Direction.MANYTOMANY:
            return [p for p, _ in self.secondary_pairs]
        if self.direction is Direction.MANYTOONE:
            return [fk for _, fk in self.synchronize_pairs]
        return [src for src, _ in self.synchronize_pairs]

    def remote_columns(self) -> list[Column]:
        """The columns on the other side matched against ``local_columns()``."""
        if self.direction is Direction.MANYTOMANY:
            return [s for _, s in self.secondary_pairs]
        if self.direction is Direction.MANYTOONE:
            return [src for src, _ in self.synchronize_pairs]
        return [fk for _, fk in self.synchronize_pairs]

    def loader_option_hint(self) -> str:
        return f"selectinload({self.describe()})" if self.uselist else f"joinedload({self.describe()})"


def relationship(
    argument: Any = None,
    secondary: Any = None,
    **kwargs: Any,
) -> Any:
    """Declare a relationship: ``addresses: Mapped[list["Address"]] = relationship(...)``.

    ``argument`` is the target class (or its name, or a callable returning it);
    with a ``Mapped[...]`` annotation it may be left out. ``secondary`` names the
    association table of a many-to-many.
    """
    return Relationship(argument, secondary, **kwargs)


def backref(name: str, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """``relationship(..., backref=backref("user", lazy="joined"))``: a backref with options."""
    return (name, kwargs)


# -- helpers for configure() -----------------------------------------------------------


def _namespace(rel: Relationship, classes: dict[str, type]) -> dict[str, Any]:
    module = sys.modules.get(rel.parent.class_.__module__)
    namespace: dict[str, Any] = dict(vars(module)) if module is not None else {}
    namespace.update(classes)
    import corral.sql as sql

    for name in ("and_", "or_", "not_", "func", "desc", "asc", "literal"):
        if hasattr(sql, name):
            namespace.setdefault(name, getattr(sql, name))
    namespace.setdefault("foreign", _foreign_marker)
    namespace.setdefault("remote", lambda column: column)
    return namespace


def _foreign_marker(column: Any) -> Any:
    return column


def _evaluate(rel: Relationship, value: Any, namespace: dict[str, Any], what: str) -> Any:
    if isinstance(value, str):
        try:
            return eval(value, namespace)
        except Exception as error:
            raise exc.ArgumentError(
                f"{rel.describe()}: cannot evaluate {what}={value!r} ({error}); names in it "
                "must be mapped classes or importable from the module that declares it"
            ) from None
    if callable(value) and not isinstance(value, ColumnElement | Table | type):
        return value()
    return value


def _from_annotation(
    rel: Relationship, classes: dict[str, type]
) -> tuple[Any, type | None, bool]:
    """(target class or name, list/set or None, Optional) read from ``Mapped[...]``."""
    annotation = rel.annotation
    if annotation is None:
        return None, None, False
    if isinstance(annotation, str):
        return _from_annotation_text(rel, annotation)
    if get_origin(annotation) is not None and get_args(annotation):
        from corral.orm.base import Mapped

        if get_origin(annotation) is Mapped:
            annotation = get_args(annotation)[0]
    return _from_type(rel, annotation)


def _from_type(rel: Relationship, annotation: Any) -> tuple[Any, type | None, bool]:
    origin = get_origin(annotation)
    if origin in (list, set):
        (inner,) = get_args(annotation)
        target, _, _ = _from_type(rel, inner)
        return target, origin, False
    if origin is Union or type(annotation).__name__ == "UnionType":
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            target, collection, _ = _from_type(rel, members[0])
            return target, collection, True
    if isinstance(annotation, ForwardRef):
        return annotation.__forward_arg__, None, False
    if isinstance(annotation, str):
        return _from_annotation_text(rel, annotation)
    return annotation, None, False


def _from_annotation_text(rel: Relationship, text: str) -> tuple[Any, type | None, bool]:
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        raise exc.ArgumentError(f"{rel.describe()}: cannot read the annotation {text!r}") from None
    return _from_node(rel, node, text)


def _from_node(rel: Relationship, node: ast.expr, text: str) -> tuple[Any, type | None, bool]:
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name | ast.Attribute):
        name = node.value.id if isinstance(node.value, ast.Name) else node.value.attr
        if name == "Mapped":
            return _from_node(rel, node.slice, text)
        if name in ("WriteOnlyMapped", "WriteOnlyCollection"):
            target, _, _ = _from_node(rel, node.slice, text)
            return target, list, False
        if name in ("list", "List", "set", "Set"):
            target, _, _ = _from_node(rel, node.slice, text)
            return target, list if name.lower() == "list" else set, False
        if name == "Optional":
            target, collection, _ = _from_node(rel, node.slice, text)
            return target, collection, True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [n for n in (node.left, node.right) if not _is_none(n)]
        if len(sides) == 1:
            target, collection, _ = _from_node(rel, sides[0], text)
            return target, collection, True
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _from_annotation_text(rel, node.value)
    if isinstance(node, ast.Name):
        return node.id, None, False
    if isinstance(node, ast.Attribute):
        return node.attr, None, False
    raise exc.ArgumentError(
        f"{rel.describe()}: cannot tell the target class from the annotation {text!r}; write "
        'Mapped["Target"], Mapped[list["Target"]] or pass the class to relationship()'
    )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _resolve_mapper(rel: Relationship, argument: Any, classes: dict[str, type]) -> Mapper:
    from corral.orm.mapper import Mapper

    if argument is None:
        raise exc.ArgumentError(
            f"{rel.describe()}: relationship() needs its target class, as an argument "
            '(relationship("Address")) or from a Mapped[list["Address"]] annotation'
        )
    if isinstance(argument, str):
        found = classes.get(argument.rpartition(".")[2])
        if found is None:
            raise exc.ArgumentError(
                f"{rel.describe()}: no mapped class named {argument!r} in this registry; "
                f"the mapped classes are {', '.join(sorted(classes)) or 'none'}"
            )
        argument = found
    elif callable(argument) and not isinstance(argument, type):
        argument = argument()
    if isinstance(argument, Mapper):
        return argument
    mapper = getattr(argument, "__mapper__", None)
    if not isinstance(mapper, Mapper):
        raise exc.ArgumentError(f"{rel.describe()}: {argument!r} is not a mapped class")
    return mapper


def _resolve_secondary(rel: Relationship, value: Any, namespace: dict[str, Any]) -> Table | None:
    if value is None:
        return None
    if isinstance(value, str):
        tables = rel.parent.table.metadata.tables
        if value in tables:
            return tables[value]
        value = _evaluate(rel, value, namespace, "secondary")
    elif callable(value) and not isinstance(value, Table):
        value = value()
    if not isinstance(value, Table):
        raise exc.ArgumentError(f"{rel.describe()}: secondary= must be a Table, got {value!r}")
    return value


def _column_set(
    rel: Relationship, value: Any, namespace: dict[str, Any], what: str
) -> set[Column]:
    if value is None:
        return set()
    value = _evaluate(rel, value, namespace, what)
    items = value if isinstance(value, list | tuple | set) else [value]
    columns: set[Column] = set()
    for item in items:
        column = getattr(item, "column", item)
        if isinstance(item, str):
            column = _evaluate(rel, item, namespace, what)
            column = getattr(column, "column", column)
        if not isinstance(column, Column):
            raise exc.ArgumentError(f"{rel.describe()}: {what}= takes columns, got {item!r}")
        columns.add(column)
    return columns


def _foreign_key_pairs(
    referring: Table, referred: Table, only: set[Column]
) -> list[tuple[Column, Column]]:
    """(referenced column, foreign-key column) for foreign keys of ``referring`` to ``referred``."""
    pairs = []
    for column in referring.columns:
        if only and column not in only:
            continue
        for fk in getattr(column, "foreign_keys", ()):
            target = fk.column
            if target.table is referred:
                pairs.append((target, column))
    return pairs


def _one_constraint(rel: Relationship, pairs: list[tuple[Column, Column]]) -> list[tuple[Column, Column]]:
    """Pairs of a single foreign key (a composite one may have several columns)."""
    constraints: dict[int, list[tuple[Column, Column]]] = {}
    for src, fk_col in pairs:
        fk = next(f for f in fk_col.foreign_keys if f.column is src)
        group = id(fk.constraint) if fk.constraint is not None else id(fk)
        constraints.setdefault(group, []).append((src, fk_col))
    if len(constraints) > 1:
        names = ", ".join(f"{fk.table.name}.{fk.name}" for _, fk in pairs)
        raise exc.ArgumentError(
            f"{rel.describe()}: more than one foreign key could link the tables ({names}); "
            f"choose one with foreign_keys=[...], e.g. foreign_keys=[{pairs[0][1].table.name}"
            f".c.{pairs[0][1].key}]"
        )
    return pairs


def _pairs_from_condition(
    rel: Relationship, condition: Any, foreign: set[Column]
) -> tuple[list[tuple[Column, Column]], list[ColumnElement[Any]]]:
    """Column pairs (referenced, foreign key) of the ``a == b`` terms; the rest as criteria."""
    condition = getattr(condition, "__clause_element__", lambda: condition)()
    terms: Iterable[Any]
    if isinstance(condition, BooleanClauseList) and condition.operator is ops.AND:
        terms = condition.clauses
    else:
        terms = [condition]
    pairs: list[tuple[Column, Column]] = []
    extra: list[ColumnElement[Any]] = []
    for term in terms:
        pair = _column_pair(term, foreign)
        if pair is None:
            extra.append(term)
        else:
            pairs.append(pair)
    if not pairs:
        raise exc.ArgumentError(
            f"{rel.describe()}: the join condition {condition.describe()} has no "
            "column == column term with a foreign key; give foreign_keys= to say which column "
            "refers to the other"
        )
    return pairs, extra


def _column_pair(term: Any, foreign: set[Column]) -> tuple[Column, Column] | None:
    if not (isinstance(term, BinaryExpression) and term.operator is ops.EQ):
        return None
    left, right = term.left, term.right
    if not (isinstance(left, Column) and isinstance(right, Column)):
        return None
    if foreign:
        if left in foreign and right not in foreign:
            return right, left
        if right in foreign and left not in foreign:
            return left, right
        return None
    if any(fk.column is right for fk in left.foreign_keys):
        return right, left
    if any(fk.column is left for fk in right.foreign_keys):
        return left, right
    return None


def _resolve_order_by(rel: Relationship, namespace: dict[str, Any]) -> list[ColumnElement[Any]]:
    value = rel.order_by_argument
    if value is False or value is None:
        return []
    value = _evaluate(rel, value, namespace, "order_by")
    items = value if isinstance(value, list | tuple) else [value]
    return [item.__clause_element__() for item in items]


# -- configuring every relationship -----------------------------------------------------

#: Relationships declared but not configured yet, across registries.
PENDING: list[Relationship] = []


def configure_mappers() -> None:
    """Configure every relationship declared so far; errors name the relationship and the fix.

    Runs by itself on first use (creating an object, a query, a flush, reading a
    relationship); call it directly to check the mappings at start-up.
    """
    if PENDING:
        _configure_pending(strict=True)


def try_configure() -> None:
    """Configure what can be configured now (after each class is mapped); errors wait."""
    if PENDING:
        _configure_pending(strict=False)


def _configure_pending(strict: bool) -> None:
    progress = True
    while PENDING and progress:
        progress = False
        for rel in list(PENDING):
            classes = rel.parent.class_.registry.classes_by_name
            try:
                rel.configure(classes)
                _link_other_side(rel, classes)
            except exc.ArgumentError:
                if strict:
                    raise
                continue
            PENDING.remove(rel)
            progress = True


def _link_other_side(rel: Relationship, classes: dict[str, type]) -> None:
    if rel.back_populates is not None:
        other = rel.mapper.relationships.get(rel.back_populates)
        if other is None:
            raise exc.ArgumentError(
                f"{rel.describe()}: back_populates={rel.back_populates!r} names no relationship "
                f"of {rel.mapper.class_.__name__}; declare {rel.mapper.class_.__name__}."
                f"{rel.back_populates} = relationship(back_populates={rel.key!r})"
            )
        other.configure(classes)
        if other.mapper is not rel.parent:
            raise exc.ArgumentError(
                f"{rel.describe()} and {other.describe()} are declared as two sides of one "
                f"relationship but {other.describe()} points at {other.mapper.class_.__name__}"
            )
        rel.reverse = other
        other.reverse = rel
    elif rel.backref is not None and rel.reverse is None:
        name, options = (rel.backref, {}) if isinstance(rel.backref, str) else rel.backref
        if name in rel.mapper.relationships or name in rel.mapper.columns_by_key:
            raise exc.ArgumentError(
                f"{rel.describe()}: backref {name!r} clashes with the existing attribute "
                f"{rel.mapper.class_.__name__}.{name}"
            )
        other = _make_backref(rel, name, options)
        rel.reverse = other
        other.reverse = rel
        rel.mapper.add_relationship(other)


def _make_backref(rel: Relationship, name: str, options: dict[str, Any]) -> Relationship:
    """The other side of ``rel``, configured from ``rel``'s own pairs."""
    options = dict(options)
    uselist = options.pop("uselist", None)
    other = Relationship(rel.parent.class_, **options)
    other.key = name
    other.parent = rel.mapper
    other.mapper = rel.parent
    other.secondary = rel.secondary
    other.synchronize_pairs = list(rel.synchronize_pairs)
    other.secondary_pairs = list(rel.target_pairs)
    other.target_pairs = list(rel.secondary_pairs)
    other.extra_criteria = list(rel.extra_criteria)
    other.direction = {
        Direction.ONETOMANY: Direction.MANYTOONE,
        Direction.MANYTOONE: Direction.ONETOMANY,
        Direction.MANYTOMANY: Direction.MANYTOMANY,
    }[rel.direction]
    if uselist is not None:
        other.uselist = uselist
    elif other.direction is Direction.ONETOMANY and not rel.uselist:
        other.uselist = True
    else:
        other.uselist = other.direction is not Direction.MANYTOONE
    other.order_by = _resolve_order_by(other, _namespace(other, {}))
    other.configured = True
    return other


__all__ = ["Cascade", "Direction", "Relationship", "backref", "configure_mappers", "relationship"]
