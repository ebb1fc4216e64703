"""How an ORM select loads: which columns of each class, and which relationships, how.

A ``LoadNode`` says, for the objects of one class at one place in a query (the
queried class, or the targets of a relationship loaded with it), which columns
the SELECT reads and which strategy loads each relationship. The tree starts
from each selected class, takes the mapping's defaults (``lazy=``, deferred
columns) and is changed by the query's loader options.

``prepare()`` returns None for the common case (no options, no eager defaults,
no deferred columns) so a plain query pays nothing for this. Otherwise it
rewrites the statement: the deferred columns leave the column list, and each
``joinedload`` adds an outer join to an alias of the target table with the
target's columns (``contains_eager`` only adds the columns).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corral import exc
from corral.orm.loading import column_entities, polymorphic, printed_columns
from corral.orm.loading.loader_criteria import LoaderCriteriaOption
from corral.orm.loading.strategy_options import DEFAULT, ColumnOption, Load, _is_wildcard
from corral.orm.loading.user_options import UserDefinedOption
from corral.orm.mapping import properties
from corral.orm.mapping.attribute_join import table_aliases
from corral.orm.mapping.inheritance import concrete_tables
from corral.orm.relationships.direction import Direction
from corral.orm.relationships.expressions import adapt
from corral.orm.relationships.relationship import Relationship
from corral.sql.conditions import and_
from corral.sql.dml import Delete, Update
from corral.sql.elements import ColumnElement, UnaryExpression
from corral.sql.from_clause import FromClause, Join
from corral.sql.selectable import Select

if TYPE_CHECKING:
    from corral.orm.mapping.mapper import Mapper

#: Strategies that load with the parents' query (the others load on access).
EAGER = frozenset({"selectin", "joined", "joined_inner", "subquery", "immediate", "contains_eager"})


class LoadNode:
    """How objects of one mapper load at one place of a query's load tree."""

    __slots__ = (
        "aliases",
        "children",
        "column_keys",
        "criteria",
        "explicit",
        "expressions",
        "mapper",
        "path",
        "polymorphic",
        "propagated",
        "raise_keys",
        "recursive",
        "subclass_nodes",
        "wildcard",
    )

    def __init__(self, mapper: Mapper, path: tuple[Relationship, ...] = ()) -> None:
        self.mapper = mapper
        #: The relationships followed from the queried class to reach these objects.
        self.path = path
        #: Column attributes the SELECT reads for these objects.
        self.column_keys: tuple[str, ...] = (
            mapper.loaded_keys
            if mapper.inheritance is None
            else polymorphic.subclass_columns(mapper, mapper.loaded_keys)
        )
        #: Relationship key -> strategy set by an option (absent: the mapping's ``lazy=``).
        self.explicit: dict[str, str] = {}
        #: Relationship key -> the node of its targets (made on demand).
        self.children: dict[str, LoadNode] = {}
        #: ``contains_eager``: relationship key -> FROM holding the targets' columns.
        self.aliases: dict[str, Any] = {}
        #: ``selectinload(User.addresses.and_(...))``: relationship key -> extra conditions.
        self.criteria: dict[str, tuple[Any, ...]] = {}
        #: ``with_loader_criteria(..., propagate_to_loaders=True)`` options of the query,
        #: added to the relationship loads of these objects and those below them.
        self.propagated: tuple[Any, ...] = ()
        #: Column attributes left out that raise when read (``defer(..., raiseload=True)``).
        self.raise_keys: frozenset[str] = frozenset()
        #: ``query_expression()`` attributes loaded, each with its SQL expression.
        self.expressions: dict[str, Any] = {
            k: e for k, e in mapper.query_expressions.items() if e is not None
        }
        #: ``raiseload("*")`` and friends: the strategy of relationships no option names.
        self.wildcard: str | None = None
        #: ``selectinload(Node.children, recursion_depth=n)``: relationship key ->
        #: (strategy, levels left including this one; -1: no end) for the levels below.
        self.recursive: dict[str, tuple[str, int]] = {}
        #: ``selectin_polymorphic()``: subclasses whose columns load by a second SELECT.
        self.polymorphic: tuple[Mapper, ...] = ()
        #: Options for the objects of one subclass (``selectinload(Manager.reports)`` in a
        #: query of ``Employee``): subclass mapper -> its node.
        self.subclass_nodes: dict[Mapper, LoadNode] = {}

    def for_subclass(self, mapper: Mapper) -> LoadNode:
        """The node holding options for this node's objects of the subclass ``mapper``."""
        node = self.subclass_nodes.get(mapper)
        if node is None:
            node = self.subclass_nodes[mapper] = LoadNode(mapper, self.path)
            node.column_keys = mapper.loaded_keys
        return node

    def strategy(self, rel: Relationship) -> str:
        chosen = self.explicit.get(rel.key)
        if (chosen is None or chosen == DEFAULT) and self.wildcard is not None:
            return self.wildcard
        if chosen is None or chosen == DEFAULT:
            chosen = rel.lazy
            # A mapping's eager default is not followed again along the same path (or
            # back along its other side): that would load the same rows in a loop.
            if chosen in EAGER and (rel in self.path or rel.reverse in self.path):
                chosen = "select"
        return chosen

    def child(self, rel: Relationship) -> LoadNode:
        node = self.children.get(rel.key)
        if node is None:
            node = self.children[rel.key] = LoadNode(rel.mapper, (*self.path, rel))
            node.propagated = self.propagated
            self.recurse_into(rel, node)
        return node

    def recurse_into(self, rel: Relationship, node: LoadNode) -> None:
        """``recursion_depth``: the level below loads ``rel`` the same way, one level less."""
        recursive = self.recursive.get(rel.key)
        if recursive is not None and recursive[1] != 1:
            strategy, levels = recursive
            node.explicit[rel.key] = strategy
            node.recursive[rel.key] = (strategy, levels - 1 if levels > 0 else -1)

    def eager(self) -> list[tuple[Relationship, str]]:
        """The relationships loaded with these objects, and how."""
        out = []
        for rel in self.mapper.relationships.values():
            strategy = self.strategy(rel)
            if strategy in EAGER:
                out.append((rel, strategy))
        return out

    def acts_on_access(self) -> bool:
        """Whether options decide what reading a not-loaded relationship does.

        A strategy such as raise or noload does, and so does a relationship
        loaded on access whose targets have options of their own.
        """
        if (
            self.raise_keys
            or self.propagated
            or (self.wildcard is not None and self.wildcard not in EAGER)
        ):
            return True
        for key, strategy in self.explicit.items():
            if strategy not in EAGER and (strategy != DEFAULT or key in self.children):
                return True
        return False

    def is_plain(self) -> bool:
        """Nothing beyond a plain load: all default columns, no eager or option-set loading."""
        return (
            self.column_keys == self.mapper.column_keys
            and (self.mapper.inheritance is None or not self.mapper.inheritance.needs_plan)
            and not self.explicit
            and not self.mapper.eager_relationships
            and not self.raise_keys
            and not self.expressions
            and self.wildcard is None
            and not self.propagated
            and not self.polymorphic
            and not self.subclass_nodes
        )


@dataclass
class QueryPlan:
    """The load tree of each selected class and the statement to execute."""

    statement: Select
    #: Per selected entity: its LoadNode, or None for a column expression.
    nodes: list[LoadNode | None]
    #: Per selected entity: (its column keys, or None for a column expression; first
    #: position in the executed statement's rows; number of columns).
    layout: list[tuple[tuple[str, ...] | None, int, int]] = field(default_factory=list)
    #: The joined eager loads of the selected entities (each with its nested ones).
    joined: list[JoinedLoad] = field(default_factory=list)
    #: A joined collection repeats parents: the result refuses rows until ``unique()``.
    unique_required: bool = False
    #: Aliases made per table name, for naming the next one.
    alias_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class JoinedLoad:
    """A relationship loaded from columns of the same rows (joinedload, contains_eager)."""

    parent_position: int  # where the parent's columns start in the row
    parent_node: LoadNode
    rel: Relationship
    node: LoadNode
    position: int  # where the target's columns start
    nested: list[JoinedLoad] = field(default_factory=list)


def prepare(
    statement: Select, mappers: list[Mapper | None], root: LoadNode | None = None
) -> QueryPlan | None:
    """The plan of an ORM select, or None when it loads plainly.

    ``root`` is the load node of the first entity when the select loads the
    targets of a relationship for an eager loader.
    """
    options = statement._with_options
    # aliased(C, subquery) of a subquery lacking some of C's columns loads only the others.
    partial = [
        getattr(getattr(e, "__table__", None), "partial_keys", None) for e in statement._entities
    ]
    # with_polymorphic(): the base class with its subclasses' columns.
    # with_polymorphic(), or a class whose mapping selects it so (``polymorphic_keys``).
    wide = [
        getattr(e, "_polymorphic_keys", None)
        or (m.polymorphic_keys if m is not None and isinstance(e, type) else None)
        for e, m in zip(statement._entities, mappers, strict=True)
    ]
    if (
        root is None
        and not options
        and not any(partial)
        and not any(wide)
        and not any(m is not None and m.needs_plan for m in mappers)
    ):
        return None
    nodes: list[LoadNode | None] = [None if m is None else LoadNode(m) for m in mappers]
    propagated = tuple(
        o for o in options if isinstance(o, LoaderCriteriaOption) and o.propagate_to_loaders
    )
    for node in nodes if propagated else ():
        if node is not None:
            node.propagated = propagated
    for node, keys in zip(nodes, partial, strict=True):
        if node is not None and keys is not None:
            node.column_keys = tuple(k for k in node.column_keys if k in keys)
    for node, keys in zip(nodes, wide, strict=True):
        if node is not None and keys:
            node.column_keys = keys
    if root is not None:
        nodes[0] = root
    for option in options:
        if isinstance(option, UserDefinedOption | LoaderCriteriaOption):  # for events
            continue
        for part in option.parts():
            _apply(part, statement, mappers, nodes)
    if all(n is None or n.is_plain() for n in nodes) and root is None:
        return None
    return QueryPlan(statement, nodes)


def _apply(option: Load, statement: Select, mappers: list[Mapper | None], nodes: list[Any]) -> None:
    root = option.root
    if root is None:  # raiseload("*"), undefer_group("g"): every selected class
        targets = [n for n in nodes if n is not None]
        for node in targets:
            _apply_from(option, node)
        groups = [c.group for c in option.columns if c.kind == "undefer_group"]
        for group in groups:
            if not any(group in n.mapper.deferred.values() for n in targets):
                raise exc.ArgumentError(
                    f"undefer_group({group!r}): no selected class has deferred columns in "
                    f"group {group!r}; name the group given to deferred(group=...) or "
                    "mapped_column(deferred_group=...)"
                )
        return
    index = next(
        (
            i
            for i, m in enumerate(mappers)
            if m is not None and root is not None and issubclass(m.class_, root)
        ),
        None,
    )
    if index is None and root is not None:  # an option for a subclass of a selected class
        for i, m in enumerate(mappers):
            sub = getattr(root, "__mapper__", None)
            if m is not None and sub is not None and issubclass(root, m.class_):
                _apply_from(option, nodes[i].for_subclass(sub))
                return
    if index is None:
        name = root.__name__ if root is not None else "?"
        raise exc.ArgumentError(
            f"Loader option {option!r} starts at {name}, which this query does not select; "
            f"select({name}) or start the option from a selected class"
        )
    _apply_from(option, nodes[index])


def _apply_from(option: Load, node: LoadNode) -> None:
    for step in option.path:
        if _is_wildcard(step.attribute):
            node.wildcard = step.strategy
            return
        rel = step.attribute.prop
        if rel.parent is not node.mapper and issubclass(rel.parent.class_, node.mapper.class_):
            node = node.for_subclass(rel.parent)  # a subclass's relationship
        node.explicit[rel.key] = step.strategy
        if step.alias is not None:
            node.aliases[rel.key] = step.alias
        if step.criteria:
            node.criteria[rel.key] = step.criteria
        if step.recursion_depth is not None:
            # As SQLAlchemy counts: recursion_depth=n loads the level asked and n below it.
            depth = step.recursion_depth
            node.recursive[rel.key] = (step.strategy, depth + 1 if depth > 0 else -1)
            if rel.key in node.children:
                node.recurse_into(rel, node.children[rel.key])
        node = node.child(rel)
        if step.strategy != "contains_eager":
            _of_type_subclasses(node, getattr(step.attribute, "target_entity", None))
    for column_option in option.columns:
        if column_option.kind == "expression" and node.path:
            raise exc.ArgumentError(
                f"with_expression() along a relationship path ({option!r}) is not supported "
                "by corral; apply it to a selected class"
            )
        _apply_columns(node, column_option)


def _of_type_subclasses(node: LoadNode, target: Any) -> None:
    """``selectinload(A.bs.of_type(Sub))`` or ``of_type(with_polymorphic(B, ...))``: the
    subclasses' columns load with the related objects (as ``selectin_polymorphic()``)."""
    if target is None or node.mapper.inheritance is None:
        return
    classes = getattr(target, "_classes", None)
    if classes is None:
        classes = [target] if isinstance(target, type) else []
    found = [
        c.__mapper__
        for c in classes
        if getattr(c, "__mapper__", None) is not node.mapper and issubclass(c, node.mapper.class_)
    ]
    node.polymorphic = (*node.polymorphic, *(m for m in found if m not in node.polymorphic))


def _apply_columns(node: LoadNode, option: ColumnOption) -> None:
    mapper = node.mapper
    if option.kind == "selectin_polymorphic":
        found = [a.__mapper__ for a in option.attributes]
        node.polymorphic = (*node.polymorphic, *(m for m in found if m not in node.polymorphic))
        return
    keys = [a.key for a in option.attributes]
    pk = set(mapper.primary_key_attrs)
    if option.kind == "defer":
        bad = [k for k in keys if k in pk]
        if bad:
            raise exc.ArgumentError(
                f"defer({', '.join(bad)}): a primary key column of {mapper.class_.__name__} "
                "cannot be deferred; the object is identified by it"
            )
        node.column_keys = tuple(k for k in node.column_keys if k not in keys)
        if option.raiseload:
            node.raise_keys = node.raise_keys | frozenset(keys)
    elif option.kind == "undefer":
        if option.wildcard:
            keys = list(mapper.column_keys)
        wanted = set(node.column_keys) | set(keys)
        node.column_keys = tuple(k for k in mapper.column_keys if k in wanted)
        node.raise_keys = node.raise_keys - frozenset(keys)
    elif option.kind == "undefer_group":
        group = [k for k, g in mapper.deferred.items() if g == option.group]
        wanted = set(node.column_keys) | set(group)
        node.column_keys = tuple(k for k in mapper.column_keys if k in wanted)
        node.raise_keys = node.raise_keys - frozenset(group)
    elif option.kind == "load_only":
        wanted = set(keys) | pk
        if mapper.version_id_key is not None:
            wanted.add(mapper.version_id_key)
        node.column_keys = tuple(k for k in mapper.column_keys if k in wanted)
        if option.raiseload:
            node.raise_keys = node.raise_keys | frozenset(
                k for k in mapper.column_keys if k not in wanted
            )
    elif option.kind == "expression":
        node.expressions = {**node.expressions, keys[0]: option.expression}


def rewrite(plan: QueryPlan) -> Select:
    """The statement to execute: chosen columns per entity, joined eager loads added."""
    original = plan.statement
    statement = original._clone()
    statement._with_options = ()
    raw: list[Any] = []
    position = 0
    for entity_raw, node in zip(original._raw_columns, plan.nodes, strict=True):
        if node is None:
            width = len(entity_raw.columns) if isinstance(entity_raw, FromClause) else 1
            raw.append(entity_raw)
            plan.layout.append((None, position, width))
            position += width
            continue
        table = entity_raw if isinstance(entity_raw, FromClause) else node.mapper.table
        raw.extend(_columns(table, node))
        if isinstance(table, Join) and not any(
            table is f for existing in statement._from_obj for f in existing._covers()
        ):  # a joined subclass's tables: their columns alone would not join them
            statement._from_obj.insert(0, table)
        keys = node.column_keys
        if node.expressions:  # with_expression(): loaded as if columns of the entity
            raw.extend(_labelled(e, k) for k, e in node.expressions.items())
            keys = (*keys, *node.expressions)
        plan.layout.append((keys, position, len(keys)))
        position += len(keys)
    statement._raw_columns = raw
    renamed: dict[int, Any] = {}
    for node in plan.nodes:
        if node is not None and node.mapper.inheritance is not None:
            renamed.update(concrete_tables(node.mapper))
    if renamed:  # a concrete base reads its UNION: criteria on its tables move onto it
        statement._where = [adapt(w, renamed) for w in statement._where]
        statement._order_by = [adapt(o, renamed) for o in statement._order_by]
    froms: list[Any] = list(original._raw_columns)
    if _joins_collections(plan) and (original._limit is not None or original._offset is not None):
        statement, froms = _limited_inner(plan, statement)
    # Joined eager loads come after every entity's columns; each adds its target's.
    for index, node in enumerate(plan.nodes):
        if node is None:
            continue
        table = froms[index]
        assert isinstance(table, FromClause)
        start = plan.layout[index][1]
        position = _add_joins(plan, statement, node, table, start, position, plan.joined)
    return statement


def _joins_collections(plan: QueryPlan) -> bool:
    def walk(node: LoadNode) -> bool:
        for rel, strategy in node.eager():
            if strategy in ("joined", "joined_inner") and (rel.uselist or walk(node.child(rel))):
                return True
        return False

    return any(node is not None and walk(node) for node in plan.nodes)


def _limited_inner(plan: QueryPlan, statement: Select) -> tuple[Select, list[Any]]:
    """LIMIT with a joined collection: limit the parents in a subquery, join outside it.

    Otherwise the LIMIT would count parent-and-child rows and cut collections short.
    """
    from corral.sql.selectable import select

    if len(plan.nodes) != 1 or plan.nodes[0] is None:
        raise exc.InvalidRequestError(
            "joinedload() of a collection with limit()/offset() works on a select of one "
            "class; use selectinload() for this query"
        )
    table = plan.statement._raw_columns[0]
    inner = statement.subquery("corral_limited")
    outer = select(*(inner.columns[_key(c)] for c in statement._raw_columns))
    outer._order_by = [_adapt(o, table, inner) for o in statement._order_by]
    return outer, [inner]


def _columns(table: FromClause, node: LoadNode) -> list[ColumnElement[Any]]:
    by_key = node.mapper.columns_by_key
    if node.mapper.inheritance is not None:  # subclasses' columns may load inline too
        by_key = node.mapper.inheritance.all_columns()
        return [table.columns[k if k not in by_key else by_key[k].key] for k in node.column_keys]
    if node.mapper.multi_table:  # a join's columns are keyed by attribute (multi_table.py)
        return [table.columns[k] for k in node.column_keys]
    return [table.columns[by_key[k].key] for k in node.column_keys]


def _add_joins(
    plan: QueryPlan,
    statement: Select,
    node: LoadNode,
    parent_from: FromClause,
    parent_position: int,
    position: int,
    out: list[JoinedLoad],
) -> int:
    for rel, strategy in node.eager():
        if strategy not in ("joined", "joined_inner", "contains_eager"):
            continue
        child = node.child(rel)
        if strategy == "contains_eager":
            target = node.aliases.get(rel.key)
            target_from = _contains_eager_from(statement, rel, target)
        else:
            target_from = _named_alias(plan, rel.mapper.table)
            inner = strategy == "joined_inner" or (rel.innerjoin and strategy != "joined")
            criteria = node.criteria.get(rel.key, ())
            renamed = table_aliases(rel.mapper.table, target_from)
            if criteria:  # joinedload(User.addresses.and_(...)): on the alias joined
                criteria = tuple(adapt(c, renamed) for c in criteria)
            _join_into(
                plan, statement, rel, parent_from, target_from, isouter=not inner, extra=criteria
            )
            if rel.uselist:
                plan.unique_required = True
            statement._order_by.extend(adapt(o, renamed) for o in rel.order_by)
        load = JoinedLoad(parent_position, node, rel, child, position)
        out.append(load)
        statement._raw_columns.extend(_columns(target_from, child))
        position += len(child.column_keys)
        position = _add_joins(
            plan, statement, child, target_from, load.position, position, load.nested
        )
    return position


def _contains_eager_from(statement: Select, rel: Relationship, target: Any) -> FromClause:
    if target is None:
        return rel.mapper.table
    table = getattr(target, "__table__", target)
    if not isinstance(table, FromClause):
        raise exc.ArgumentError(
            f"contains_eager({rel.describe()}, ...) takes the table, alias or aliased class "
            f"the query joined {rel.mapper.class_.__name__} through, got {target!r}"
        )
    return table


def _named_alias(plan: QueryPlan, table: Any) -> FromClause:
    """``table AS table_N``, numbered per statement: the same query gets the same names,
    so its compiled SQL is reused."""
    count = plan.alias_counts.get(table.name, 0) + 1
    plan.alias_counts[table.name] = count
    alias: FromClause = table.alias(f"{table.name}_{count}")
    return alias


def _join_into(
    plan: QueryPlan,
    statement: Select,
    rel: Relationship,
    parent_from: FromClause,
    target_from: FromClause,
    isouter: bool,
    extra: tuple[Any, ...] = (),
) -> None:
    """Attach ``parent_from JOIN target_from`` to the FROM that holds ``parent_from``."""
    if rel.direction is Direction.MANYTOMANY:
        assert rel.secondary is not None
        secondary = _named_alias(plan, rel.secondary)
        first = and_(
            *(
                rel.parent.selected_column(parent_from, p) == secondary.columns[s.key]
                for p, s in rel.secondary_pairs
            )
        )
        second = and_(
            *(
                rel.mapper.selected_column(target_from, t) == secondary.columns[s.key]
                for t, s in rel.target_pairs
            ),
            *rel.extra_criteria,
            *extra,
        )
        steps: list[tuple[FromClause, ColumnElement[Any]]] = [
            (secondary, first),
            (target_from, second),
        ]
    else:
        on = rel.join_condition(parent_from, target_from)
        steps = [(target_from, and_(on, *extra) if extra else on)]
    covering = None
    for i, existing in enumerate(statement._from_obj):
        if any(f is parent_from for f in existing._covers()):
            covering = i
            break
    current: FromClause = parent_from if covering is None else statement._from_obj[covering]
    for target, on in steps:
        # the target's step names its class, whose criteria join its ON clause
        entity = rel.mapper.class_ if target is target_from else None
        current = Join(current, target, on, isouter=isouter, entity=entity)
    if covering is None:
        statement._from_obj.append(current)
    else:
        statement._from_obj[covering] = current


def _labelled(expression: Any, key: str) -> Any:
    return expression.label(key)


def _key(column: Any) -> str:
    key: str = column.key
    return key


def _adapt(expression: Any, table: Any, alias: FromClause) -> Any:
    """A relationship's ORDER BY term moved from the target table onto its alias."""
    if isinstance(expression, ColumnElement) and getattr(expression, "table", None) is table:
        return alias.columns[_key(expression)]
    if (
        isinstance(expression, UnaryExpression)
        and getattr(expression.element, "table", None) is table
    ):
        adapted = UnaryExpression.__new__(UnaryExpression)
        adapted.__dict__.update(expression.__dict__)
        adapted.element = _adapt(expression.element, table, alias)
        return adapted
    return expression


def statement_to_run(statement: Select) -> Select:
    """The SQL an ORM select runs (loader options, deferred columns, joined eager loads
    applied), for ``str(statement)``; the statement itself when it selects no class."""
    mappers = [getattr(entity, "__mapper__", None) for entity in statement._entities]
    if not any(mappers):
        return statement
    if properties.PENDING:
        properties.configure_mappers()
    plan = prepare(statement, mappers)
    if plan is None:
        return printed_columns.with_every_column(statement, statement, mappers, None)
    shown = rewrite(plan)
    return printed_columns.with_every_column(shown, statement, mappers, plan.layout)


Select._orm_statement = statement_to_run
# A single-table subclass's criteria and a joined subclass's FROM, for selected
# attributes as for classes (column_entities.py).
Select._entity_froms = column_entities.entity_froms
Select._entity_criteria = column_entities.entity_criteria
Join._entity_criteria = column_entities.join_criteria
Update._entity_criteria = Delete._entity_criteria = column_entities.target_criteria
