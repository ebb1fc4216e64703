"""``relationship()``: how objects of one mapped class point at objects of another.

A relationship is declared on a class before its target may exist (``"Address"``
by name), so it is configured later, once every class it names is mapped:
``configure()`` resolves the target, works out the direction from the foreign
keys (or from ``primaryjoin`` / ``foreign_keys`` / ``remote_side``), pairs each
foreign-key column with the column it copies its value from, and links the two
sides of ``back_populates`` / ``backref``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.event.dispatch import Dispatch
from corral.orm.mapping.attribute_events import NO_LISTENERS
from corral.orm.mapping.dataclass_fields import take_dataclass_options
from corral.orm.mapping.properties import MapperProperty
from corral.orm.relationships.annotations import CustomJoin, unmark
from corral.orm.relationships.configuration import (
    column_set,
    evaluate,
    evaluation_namespace,
    foreign_key_pairs,
    from_annotation,
    has_column_pair,
    lazy_from_annotation,
    names,
    one_constraint,
    pairs_between,
    pairs_from_condition,
    resolve_mapper,
    resolve_order_by,
    resolve_secondary,
    stored_tables,
)
from corral.orm.relationships.direction import Direction
from corral.orm.relationships.keyed_collections import dict_factory
from corral.orm.relationships.options import check_backref_options, check_relationship_options
from corral.sql.conditions import and_
from corral.sql.elements import ColumnElement
from corral.sql.schema import Column, Table

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper
    from corral.orm.relationships.expressions import RelationshipPath
    from corral.orm.relationships.write_only import WriteOnlyCollection
    from corral.sql.from_clause import FromClause


#: Strategy names ``lazy=`` accepts, with SQLAlchemy's older spellings mapped on.
LAZY_STRATEGIES = {
    "select": "select",
    True: "select",
    "selectin": "selectin",
    "joined": "joined",
    False: "joined",
    "subquery": "subquery",
    "immediate": "immediate",
    "raise": "raise",
    "raise_on_sql": "raise_on_sql",
    "noload": "noload",
    None: "noload",
    "write_only": "write_only",
    "dynamic": "write_only",  # the same collection, which also answers queries
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


class Relationship(MapperProperty):
    """One side of a relationship between two mapped classes."""

    #: AttributeEvents listeners of its class attribute (mapping/attribute_events.py).
    dispatch: Dispatch = NO_LISTENERS

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
        cascade: str | None = None,
        passive_deletes: bool = False,
        post_update: bool = False,
        collection_class: type | None = None,
        viewonly: bool = False,
        innerjoin: bool = False,
        active_history: bool = False,
        single_parent: bool = False,
    ) -> None:
        if back_populates is not None and backref is not None:
            raise exc.ArgumentError(
                "relationship() takes back_populates or backref, not both: back_populates names "
                "a relationship declared on the other class, backref creates it"
            )
        if lazy not in LAZY_STRATEGIES:
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
        #: ``lazy="dynamic"``: the write-only collection is an AppenderQuery.
        self.dynamic = lazy == "dynamic"
        #: ``init=``, ``default_factory=``... for ``MappedAsDataclass`` (see dataclass_fields).
        self.dataclass_options: dict[str, Any] = {}
        # A viewonly relationship writes nothing, so no persistence cascade follows it.
        default_cascade = "none" if viewonly else "save-update, merge"
        self.cascade = Cascade(default_cascade if cascade is None else cascade)
        writes = self.cascade
        if viewonly and (
            writes.save_update or writes.merge or writes.delete or writes.delete_orphan
        ):
            raise exc.ArgumentError(
                f"cascade={cascade!r} cannot go with viewonly=True: save-update, merge, delete "
                "and delete-orphan write through the relationship, which a viewonly one never "
                "does. Drop those cascades, or viewonly=True"
            )
        self.passive_deletes = passive_deletes
        self.post_update = post_update
        self.collection_class_argument = collection_class
        #: Makes the dict ``obj.<key>`` returns, for dict collections (None: list or set).
        self.dict_factory = dict_factory(collection_class)
        self.viewonly = viewonly
        self.innerjoin = innerjoin
        #: Replacing an unloaded related object loads it first, so the attribute's history
        #: has it (a collection's old members are always loaded when it is replaced).
        self.active_history = active_history
        #: An object may be held by one parent at a time along this relationship.
        self.single_parent = single_parent
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
        self.secondary: FromClause | None = None
        #: (column the value comes from, foreign-key column it is copied into).
        self.synchronize_pairs: list[tuple[Column, Column]] = []
        #: Many-to-many: (parent column, secondary column) and (target column, secondary column).
        self.secondary_pairs: list[tuple[Column, Column]] = []
        self.target_pairs: list[tuple[Column, Column]] = []
        #: Conditions of ``primaryjoin`` beyond the column pairs, applied to loads and joins.
        self.extra_criteria: list[ColumnElement[Any]] = []
        #: A ``primaryjoin`` kept whole, when it has no column pairs (viewonly only).
        self.custom_join: CustomJoin | None = None
        self.order_by: list[ColumnElement[Any]] = []
        self.reverse: Relationship | None = None
        #: The lazy loader's SELECT, built on first use (see unloaded.lazy_statement).
        self.lazy_select: Any = None
        #: selectinload's SELECTs with an expanding IN of the parents' keys, built on first
        #: use, by whether the target's rows carry the key (see loading/eager.py).
        self.selectin_selects: dict[bool, Any] = {}

    def __repr__(self) -> str:
        return f"<Relationship {self.describe()}>"

    def describe(self) -> str:
        owner = self.parent.class_.__name__ if self.parent is not None else "?"
        return f"{owner}.{self.key}"

    @property
    def secondary_table(self) -> Table:
        """The association table of a many-to-many that writes rows into it."""
        assert isinstance(self.secondary, Table), "a subquery secondary is viewonly"
        return self.secondary

    @property
    def is_self_referential(self) -> bool:
        return self.mapper.table is self.parent.table

    def holder_of_foreign_key(self) -> str:
        """Which row carries the foreign key: ``"parent"``, ``"child"`` or ``"secondary"``."""
        if self.direction is Direction.MANYTOMANY:
            return "secondary"
        return "parent" if self.direction is Direction.MANYTOONE else "child"

    # -- configuration -------------------------------------------------------------

    def configure(self, classes: dict[str, type]) -> None:
        """Resolve the target and work out the direction and the column pairs."""
        if self.configured:
            return
        target, collection, optional = from_annotation(self, classes)
        implied = lazy_from_annotation(self)
        if implied is not None and self.lazy != "write_only":
            if self.lazy != "select":
                raise exc.ArgumentError(
                    f"{self.describe()} is annotated as a {implied} collection but has "
                    f"lazy={self.lazy!r}; remove lazy= (the annotation chooses)"
                )
            self.lazy, self.dynamic = "write_only", implied == "dynamic"
        argument = self.argument if self.argument is not None else target
        self.mapper = resolve_mapper(self, argument, classes)
        namespace = evaluation_namespace(self, classes)
        self.secondary = resolve_secondary(self, self.secondary_argument, namespace)
        if self.secondary is not None:
            self._configure_many_to_many(namespace)
        else:
            self._configure_direct(namespace)
        if self.uselist_argument is not None:
            self.uselist = self.uselist_argument
        elif self.lazy == "write_only" or collection is not None:
            self.uselist = True
        elif target is not None:
            self.uselist = False  # Mapped["User"] / Mapped[Optional["User"]]: one object
        else:
            self.uselist = self.direction is not Direction.MANYTOONE
        del optional
        if self.dict_factory is not None:
            self.collection_class = list  # the members; the dict is a view of them
        elif self.collection_class_argument is not None:
            self.collection_class = self.collection_class_argument
        elif collection is dict:
            raise exc.ArgumentError(
                f"{self.describe()}: a dict collection needs its keys; give "
                "collection_class=attribute_keyed_dict('name') (or column_keyed_dict())"
            )
        elif collection is not None:
            self.collection_class = collection
        if not (
            isinstance(self.collection_class, type)
            and issubclass(self.collection_class, list | set)
        ):
            raise exc.ArgumentError(
                f"{self.describe()}: collection_class must be list, set (or a subclass) or a "
                f"dict collection, got {self.collection_class!r}"
            )
        if self.lazy == "write_only" and not self.uselist:
            raise exc.ArgumentError(
                f"{self.describe()}: lazy='write_only' is for collections; this relationship "
                "holds one object"
            )
        if (
            self.direction is not Direction.ONETOMANY
            and self.cascade.delete_orphan
            and not self.single_parent
        ):
            kind = "many-to-one" if self.direction is Direction.MANYTOONE else "many-to-many"
            raise exc.ArgumentError(
                f"{self.describe()} is {kind}: delete-orphan cascade belongs on the one-to-many "
                f"side, unless each {self.mapper.class_.__name__} may have only one "
                f"{self.parent.class_.__name__} through it; then pass single_parent=True, "
                "which enforces that"
            )
        self.order_by = resolve_order_by(self, namespace)
        self.configured = True

    def link(self, classes: dict[str, type]) -> None:
        """Connect to the other side: ``back_populates`` names it, ``backref`` creates it."""
        if self.back_populates is not None:
            other = self.mapper.relationships.get(self.back_populates)
            target = self.mapper.class_.__name__
            if other is None:
                raise exc.ArgumentError(
                    f"{self.describe()}: back_populates={self.back_populates!r} names no "
                    f"relationship of {target}; declare {target}.{self.back_populates} = "
                    f"relationship(back_populates={self.key!r})"
                )
            other.configure(classes)
            # (A subclass's relationship may name one that points at its base class.)
            if other.mapper is not self.parent and not issubclass(
                self.parent.class_, other.mapper.class_
            ):
                raise exc.ArgumentError(
                    f"{self.describe()} and {other.describe()} are declared as two sides of one "
                    f"relationship but {other.describe()} points at {other.mapper.class_.__name__}"
                )
            self.reverse = other
            if other.reverse is None or other.mapper is self.parent:
                other.reverse = self
        elif self.backref is not None and self.reverse is None:
            from corral.orm.relationships.backref import make_backref

            other = make_backref(self, classes)
            self.reverse = other
            other.reverse = self
            self.mapper.add_relationship(other)
            other.register_orphan_parent()
        self.register_orphan_parent()

    def register_orphan_parent(self) -> None:
        """A ``delete-orphan`` relationship: its target class learns it needs this parent."""
        if self.cascade.delete_orphan and self not in self.mapper.delete_orphan_parents:
            self.mapper.delete_orphan_parents.append(self)

    def class_attribute(self) -> Any:
        """``User.addresses``: the descriptor for the class and its objects."""
        from corral.orm.relationships.attribute import (
            KeyedRelationshipAttribute,
            RelationshipAttribute,
        )

        if self.dict_factory is not None:
            return KeyedRelationshipAttribute(self)
        return RelationshipAttribute(self)

    def new_collection(self, owner: Any, members: Iterable[Any] = ()) -> Any:
        """An instrumented collection of this relationship's kind holding ``members`` (no
        events fired)."""
        from corral.orm.relationships.collections import (
            InstrumentedList,
            InstrumentedSet,
            instrumented_subclass,
        )

        kind = self.collection_class
        if kind is set:
            return InstrumentedSet(owner, self, members)
        if kind is list:
            return InstrumentedList(owner, self, members)
        return instrumented_subclass(kind)(owner, self, members)

    def write_only_collection(self, owner: Any) -> WriteOnlyCollection[Any]:
        """The ``lazy="write_only"`` collection of ``owner``."""
        from corral.orm.relationships.write_only import WriteOnlyCollection

        if self.dynamic:
            from corral.orm.relationships.dynamic import AppenderQuery

            return AppenderQuery(owner, self)
        return WriteOnlyCollection(owner, self)

    def path_from(self, parent: FromClause) -> RelationshipPath:
        """This relationship starting from ``parent`` (an alias of its class's table), for
        ``aliased(User).addresses``."""
        from corral.orm.relationships.expressions import RelationshipPath

        return RelationshipPath(self, parent=parent)

    def _configure_direct(self, namespace: dict[str, Any]) -> None:
        parent_table, target_table = self.parent.local_table, self.mapper.local_table
        parents, targets = stored_tables(self.parent), stored_tables(self.mapper)
        explicit_fks = column_set(self, self.foreign_keys_argument, namespace, "foreign_keys")
        remote = column_set(self, self.remote_side_argument, namespace, "remote_side")
        if self.primaryjoin_argument is not None:
            marked = evaluate(self, self.primaryjoin_argument, namespace, "primaryjoin")
            condition, marked_foreign, marked_remote = unmark(marked)
            explicit_fks |= marked_foreign
            remote |= marked_remote
            if not has_column_pair(condition, explicit_fks):
                self._configure_custom(marked)
                return
            pairs, self.extra_criteria = pairs_from_condition(self, condition, explicit_fks)
        else:
            pairs = one_constraint(self, pairs_between(parents, targets, explicit_fks))
        if not pairs:
            raise exc.ArgumentError(
                f"{self.describe()}: no foreign key links {names(parents)} and "
                f"{names(targets)}. Add a ForeignKey to the column that refers to the "
                "other table, or give primaryjoin= and foreign_keys="
            )
        # pairs are (referenced column, foreign-key column)
        fk_tables = {id(fk_col.table) for _, fk_col in pairs}
        if parent_table is target_table:
            referenced_remote = any(src in remote for src, _ in pairs) if remote else False
            self.direction = Direction.MANYTOONE if referenced_remote else Direction.ONETOMANY
        elif fk_tables <= {id(table) for table in targets}:
            self.direction = Direction.ONETOMANY
        elif fk_tables <= {id(table) for table in parents}:
            self.direction = Direction.MANYTOONE
        else:
            raise exc.ArgumentError(
                f"{self.describe()}: foreign keys on both {names(parents)} and "
                f"{names(targets)} link them; say which to use with foreign_keys="
            )
        self.synchronize_pairs = pairs

    def _configure_custom(self, condition: Any) -> None:
        """A ``primaryjoin`` with no ``column == column`` term (``remote(foreign(path))
        .like(...)``): kept whole; only reading along it is possible."""
        custom = CustomJoin(condition, self.parent.table, self.mapper.table)
        if not self.viewonly:
            raise exc.ArgumentError(
                f"{self.describe()}: primaryjoin {custom.describe()} has no "
                "column == column term, so there is no foreign-key value to copy when "
                "objects are added; declare it with viewonly=True (read only)"
            )
        if not custom.local_columns:
            raise exc.ArgumentError(
                f"{self.describe()}: primaryjoin {custom.describe()} names no "
                f"column of {self.parent.table.name!r} outside remote(); mark the related "
                "rows' columns with remote() and leave this side's unmarked"
            )
        self.custom_join = custom
        self.direction = (
            Direction.MANYTOONE
            if custom.foreign_is_local and not custom.foreign_is_remote
            else Direction.ONETOMANY
        )

    def _configure_many_to_many(self, namespace: dict[str, Any]) -> None:
        assert self.secondary is not None
        parent_table, target_table = self.parent.local_table, self.mapper.local_table
        self.direction = Direction.MANYTOMANY
        secondary_columns: set[Any] = set(self.secondary.columns)
        if not isinstance(self.secondary, Table) and not (
            self.viewonly
            and self.primaryjoin_argument is not None
            and self.secondaryjoin_argument is not None
        ):
            raise exc.ArgumentError(
                f"{self.describe()}: secondary= is a subquery, which can only be read through "
                "(nothing can be inserted into it) and has no foreign keys to follow; declare "
                "the relationship viewonly=True with primaryjoin= and secondaryjoin="
            )
        if self.primaryjoin_argument is not None:
            condition = evaluate(self, self.primaryjoin_argument, namespace, "primaryjoin")
            local, extra = pairs_from_condition(self, condition, secondary_columns)
            self.extra_criteria = extra
        else:
            local = foreign_key_pairs(self.secondary_table, parent_table, set())
        if self.secondaryjoin_argument is not None:
            condition = evaluate(self, self.secondaryjoin_argument, namespace, "secondaryjoin")
            remote, extra = pairs_from_condition(self, condition, secondary_columns)
            self.extra_criteria += extra
        else:
            remote = foreign_key_pairs(self.secondary_table, target_table, set())
        if parent_table is target_table and (
            self.primaryjoin_argument is None or self.secondaryjoin_argument is None
        ):
            raise exc.ArgumentError(
                f"{self.describe()}: a many-to-many from {parent_table.name!r} to itself needs "
                "primaryjoin= (this side's column) and secondaryjoin= (the other side's)"
            )
        for what, pairs, table in (
            ("parent", local, parent_table),
            ("target", remote, target_table),
        ):
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
        parent_mapper, target_mapper = self.parent, self.mapper
        if self.custom_join is not None:
            condition: ColumnElement[bool] = self.custom_join.render(
                lambda c: parent_mapper.selected_column(parent_from, c),
                lambda c: target_mapper.selected_column(target_from, c),
            )
            return condition
        local_is_source = self.direction is not Direction.MANYTOONE
        conditions: list[ColumnElement[Any]] = []
        for source, foreign in self.synchronize_pairs:
            local, remote = (source, foreign) if local_is_source else (foreign, source)
            on_parent = parent_mapper.selected_column(parent_from, local)
            on_target = target_mapper.selected_column(target_from, remote)
            pair = (on_parent, on_target) if local_is_source else (on_target, on_parent)
            conditions.append(pair[0] == pair[1])
        return and_(*conditions, *self.extra_criteria)

    @property
    def local_columns(self) -> list[Column]:
        """The parent's columns whose values identify its related rows (as SQLAlchemy's
        ``RelationshipProperty.local_columns``)."""
        if self.custom_join is not None:
            return list(self.custom_join.local_columns)
        if self.direction is Direction.MANYTOMANY:
            return [p for p, _ in self.secondary_pairs]
        if self.direction is Direction.MANYTOONE:
            return [fk for _, fk in self.synchronize_pairs]
        return [src for src, _ in self.synchronize_pairs]

    def remote_columns(self) -> list[Column]:
        """The columns on the other side matched against ``local_columns``."""
        if self.custom_join is not None:
            raise exc.InvalidRequestError(
                f"{self.describe()} joins by {self.custom_join.describe()}, not by "
                "matching columns; load it lazily or with joinedload() "
                "(selectinload() and IN-based loads need column == column terms)"
            )
        if self.direction is Direction.MANYTOMANY:
            return [s for _, s in self.secondary_pairs]
        if self.direction is Direction.MANYTOONE:
            return [src for src, _ in self.synchronize_pairs]
        return [fk for _, fk in self.synchronize_pairs]

    def loader_option_hint(self) -> str:
        return (
            f"selectinload({self.describe()})" if self.uselist else f"joinedload({self.describe()})"
        )


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
    dataclass_options = take_dataclass_options(kwargs, with_default=True)
    rel = Relationship(argument, secondary, **check_relationship_options(kwargs))
    rel.dataclass_options = dataclass_options
    return rel


def backref(name: str, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    """``relationship(..., backref=backref("user", lazy="joined"))``: a backref with options."""
    return (name, check_backref_options(kwargs))


__all__ = ["Cascade", "Direction", "Relationship", "backref", "relationship"]
