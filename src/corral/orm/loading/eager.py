"""Loading relationships together with their parents: joined, selectin, subquery,
immediate.

After the rows of an ORM select become objects, each ``LoadNode`` of the query
plan is finished here: ``joinedload`` / ``contains_eager`` targets are built
from the same rows; ``selectinload`` runs one more SELECT per relationship with
the parents' keys in one expanding ``IN`` parameter (a statement built and compiled
once, run in chunks under the dialect's bind-parameter limit); ``subqueryload`` runs
one more SELECT joined to the original query as a subquery; ``immediateload`` runs
each parent's lazy SELECT right away (lazy.py). The loaded targets are finished the
same way, level by level, so chained options load a whole graph in one statement per
relationship.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from corral.orm.loading import polymorphic
from corral.orm.loading.entities import EntityLoader
from corral.orm.loading.query_plan import JoinedLoad, LoadNode, QueryPlan
from corral.orm.relationships.direction import Direction
from corral.orm.relationships.relationship import Relationship
from corral.orm.relationships.unloaded import LOADER_ATTR, set_loaded
from corral.sql.conditions import and_
from corral.sql.constructs import tuple_
from corral.sql.elements import bindparam
from corral.sql.selectable import Select, select

if TYPE_CHECKING:
    from corral.orm.session.session import Session


def finish(
    session: Session,
    plan: QueryPlan,
    rows: Sequence[Any],
    objects: list[list[Any]],
    populate_existing: bool,
    params: Any = None,
) -> None:
    """Load what the plan loads eagerly into the objects of each selected entity
    (``params``: the query's parameters, which a subquery load repeats)."""
    for load in plan.joined:
        _populate_joined(session, load, rows, populate_existing)
    for node, loaded in zip(plan.nodes, objects, strict=True):
        if node is not None:
            finish_node(session, node, _unique(loaded), populate_existing, plan, params)


def finish_joined(
    session: Session, plan: QueryPlan, rows: Sequence[Any], populate_existing: bool
) -> None:
    """Only the joined loads of a plan (its caller finishes the entity's node itself)."""
    for load in plan.joined:
        _populate_joined(session, load, rows, populate_existing)


def finish_node(
    session: Session,
    node: LoadNode,
    objects: list[Any],
    populate_existing: bool,
    plan: QueryPlan | None = None,
    params: Any = None,
) -> None:
    """Option-set strategies, then selectin/subquery loads, for objects loaded at ``node``."""
    if not objects:
        return
    if node.mapper.inheritance is not None:
        polymorphic.load_subclasses(session, node.mapper, node.polymorphic, objects)
        for mapper, sub_node in node.subclass_nodes.items():
            of_class = [o for o in objects if isinstance(o, mapper.class_)]
            finish_node(session, sub_node, of_class, populate_existing)
    if node.acts_on_access():
        for obj in objects:
            obj.__dict__[LOADER_ATTR] = node
    elif populate_existing:  # reloaded without options: the last query's no longer apply
        for obj in objects:
            obj.__dict__.pop(LOADER_ATTR, None)
    for rel, strategy in node.eager():
        if strategy == "selectin":
            _selectin(session, node, rel, objects, populate_existing)
        elif strategy == "subquery" and plan is not None:
            _subquery(session, node, rel, objects, populate_existing, plan, params)
        elif strategy == "subquery":  # below a selectin/subquery level: the keys are known
            _selectin(session, node, rel, objects, populate_existing)
        elif strategy == "immediate":
            from corral.orm.loading.lazy import load_immediately  # lazy.py imports this module

            load_immediately(session, node, rel, _parents_to_load(rel, objects, populate_existing))


def _unique(objects: list[Any]) -> list[Any]:
    seen: set[int] = set()
    out = []
    for obj in objects:
        if obj is not None and id(obj) not in seen:
            seen.add(id(obj))
            out.append(obj)
    return out


# -- joined --------------------------------------------------------------------------------


def _populate_joined(
    session: Session, load: JoinedLoad, rows: Sequence[Any], populate_existing: bool
) -> None:
    """Build the targets of a joined load from the rows, grouped under their parents."""
    parent_loader = _loader(session, load.parent_node, load.parent_position, populate_existing)
    child_loader = _loader(session, load.node, load.position, populate_existing)
    rel = load.rel
    # Each row's parent, then each row's child, through the loaders' row loops (a parent
    # repeated on consecutive rows is looked up, not refreshed again).
    rows = rows if isinstance(rows, list) else list(rows)
    parents = parent_loader.load_all(rows)
    kept = [row for row, parent in zip(rows, parents, strict=True) if parent is not None]
    kids = child_loader.load_all(kept)
    # Per parent: the parent, its children in row order, and their ids (rows repeat a
    # child when a nested collection is joined too).
    grouped: dict[int, tuple[Any, list[Any], set[int]]] = {}
    children: list[Any] = []
    child_rows: list[Any] = []
    parents = [parent for parent in parents if parent is not None]
    for row, parent, child in zip(kept, parents, kids, strict=True):
        entry = grouped.get(id(parent))
        if entry is None:
            entry = grouped[id(parent)] = (parent, [], set())
        if child is not None:
            child_rows.append(row)
            if id(child) not in entry[2]:
                entry[2].add(id(child))
                entry[1].append(child)
                children.append(child)
    for parent, members, _ in grouped.values():
        if populate_existing or rel.key not in parent.__dict__:
            set_loaded(parent, rel, members)
    for nested in load.nested:
        _populate_joined(session, nested, child_rows, populate_existing)
    finish_node(session, load.node, _unique(children), populate_existing)


def _loader(session: Session, node: LoadNode, start: int, populate_existing: bool) -> EntityLoader:
    return EntityLoader(session, node.mapper, start, populate_existing, node.column_keys)


# -- selectin and subquery -------------------------------------------------------------------


def _parents_to_load(rel: Relationship, objects: list[Any], populate_existing: bool) -> list[Any]:
    return [o for o in objects if populate_existing or rel.key not in o.__dict__]


def _key_of(obj: Any, keys: Sequence[str]) -> tuple[Any, ...] | None:
    values = []
    d = obj.__dict__
    for key in keys:
        value = d.get(key)
        if value is None and key not in d:
            value = getattr(obj, key)
        if value is None:
            return None
        values.append(value)
    return tuple(values)


def _target_statement(rel: Relationship, node: LoadNode, criteria: tuple[Any, ...] = ()) -> Select:
    """``SELECT target`` (with the secondary's key columns for a many-to-many)."""
    cls = rel.mapper.class_
    statement = select(cls) if _key_on_target(rel, node) else select(cls, *rel.remote_columns())
    if rel.direction is Direction.MANYTOMANY:
        assert rel.secondary is not None
        statement = statement.join(rel.secondary, and_(*(t == s for t, s in rel.target_pairs)))
    if rel.extra_criteria:
        statement = statement.where(*rel.extra_criteria)
    if criteria:  # selectinload(User.addresses.and_(...))
        statement = statement.where(*criteria)
    if rel.order_by:
        statement = statement.order_by(*rel.order_by)
    return statement


def _key_on_target(rel: Relationship, node: LoadNode) -> bool:
    """Whether the parent's key is among the target's loaded attributes (else the
    statement selects the remote columns too)."""
    return rel.direction is not Direction.MANYTOMANY and all(
        rel.mapper.attribute_of(c) in node.column_keys for c in rel.remote_columns()
    )


#: The name of selectinload's expanding parameter: the parents' keys.
_KEYS = "corral_selectin_keys"


def _selectin_statement(rel: Relationship, node: LoadNode, criteria: tuple[Any, ...]) -> Select:
    """``SELECT target WHERE key IN (:keys)`` with one expanding parameter: compiled once
    whatever the number of parents; built once per relationship unless criteria are given."""
    on_target = _key_on_target(rel, node)
    cached: Select | None = None if criteria else rel.selectin_selects.get(on_target)
    if cached is not None:
        return cached
    remote = rel.remote_columns()
    keys = bindparam(_KEYS, expanding=True)
    condition = remote[0].in_(keys) if len(remote) == 1 else tuple_(*remote).in_(keys)
    statement = _target_statement(rel, node, criteria).where(condition)
    if not criteria:
        rel.selectin_selects[on_target] = statement.freeze()
    return statement


def _by_key(rel: Relationship, parents: list[Any]) -> dict[tuple[Any, ...], list[Any]]:
    """Parents by the values of their key columns for ``rel``; a parent with a NULL key
    has nothing to load and gets its empty value now."""
    local = [rel.parent.attribute_of(column) for column in rel.local_columns]
    by_key: dict[tuple[Any, ...], list[Any]] = {}
    for parent in parents:
        key = _key_of(parent, local)
        if key is None:
            set_loaded(parent, rel, [])
        else:
            by_key.setdefault(key, []).append(parent)
    return by_key


def _load_into(
    session: Session,
    node: LoadNode,
    rel: Relationship,
    by_key: dict[tuple[Any, ...], list[Any]],
    statement: Select,
    batches: list[Any],
    populate_existing: bool,
) -> None:
    """Run the statement loading ``rel``'s targets once per parameter set of ``batches``;
    give each parent its own, then finish the targets' own loads."""
    child = node.child(rel)
    found: dict[tuple[Any, ...], list[Any]] = {k: [] for k in by_key}
    loaded: list[Any] = []
    for params in batches:
        _collect(session, rel, statement, child, found, loaded, populate_existing, params)
    for key, members in found.items():
        for parent in by_key[key]:
            set_loaded(parent, rel, members)
    finish_node(session, child, _unique(loaded), populate_existing)


def _selectin(
    session: Session,
    node: LoadNode,
    rel: Relationship,
    objects: list[Any],
    populate_existing: bool,
) -> None:
    """``WHERE key IN (...)`` with every parent key, chunked under the parameter limit."""
    by_key = _by_key(rel, _parents_to_load(rel, objects, populate_existing))
    if not by_key:
        return
    keys = list(by_key)
    width = len(rel.remote_columns())
    # A little headroom for the binds of the relationship's own extra criteria.
    limit = session.get_bind().dialect.features.max_bind_params // width - 10
    chunk = max(1, limit)
    statement = _selectin_statement(rel, node.child(rel), node.criteria.get(rel.key, ()))
    if width == 1:
        keys = [k[0] for k in keys]
    batches = [{_KEYS: keys[start : start + chunk]} for start in range(0, len(keys), chunk)]
    _load_into(session, node, rel, by_key, statement, batches, populate_existing)


def _subquery(
    session: Session,
    node: LoadNode,
    rel: Relationship,
    objects: list[Any],
    populate_existing: bool,
    plan: QueryPlan,
    params: Any = None,
) -> None:
    """The targets joined to the original query's parent keys, as a subquery (run with the
    original query's parameters)."""
    by_key = _by_key(rel, _parents_to_load(rel, objects, populate_existing))
    if not by_key:
        return
    local = rel.local_columns
    inner = plan.statement.with_only_columns(*local).distinct()
    inner._with_options = ()
    if inner._limit is None and inner._offset is None:
        inner = inner.order_by(None)
    keys_of = inner.subquery("corral_parents")
    remote = rel.remote_columns()
    statement = _target_statement(rel, node.child(rel), node.criteria.get(rel.key, ())).join(
        keys_of, and_(*(r == keys_of.columns[c.key] for r, c in zip(remote, local, strict=True)))
    )
    _load_into(session, node, rel, by_key, statement, [params], populate_existing)


def _collect(
    session: Session,
    rel: Relationship,
    statement: Select,
    node: LoadNode,
    found: dict[tuple[Any, ...], list[Any]],
    loaded: list[Any],
    populate_existing: bool,
    params: Any = None,
) -> None:
    """Run a target statement; file each target under the parent key in its row."""
    options = {"populate_existing": populate_existing, "corral_load_node": node}
    if node.propagated:  # with_loader_criteria() of the query that loaded the parents
        statement = statement.options(*node.propagated)
    with session.no_autoflush:
        result = session._execute(statement, params, options)
    if len(statement._entities) > 1:  # the parent key in the row's other columns
        for row in result.all():
            target = row[0]
            members = found.get(tuple(row[1:]))
            if members is not None and not any(m is target for m in members):
                members.append(target)
            loaded.append(target)
        return
    # The parent key in the target's own attributes: one key per target, so a target is
    # filed once (``seen``) whatever rows repeat it.
    remote = [rel.mapper.attribute_of(column) for column in rel.remote_columns()]
    targets = result.scalars().all()
    seen: set[int] = set()
    for target in targets:
        d = target.__dict__
        members = found.get(tuple([d[k] for k in remote]))
        if members is not None and id(target) not in seen:
            seen.add(id(target))
            members.append(target)
    loaded.extend(targets)
