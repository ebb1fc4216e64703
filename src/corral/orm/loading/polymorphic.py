"""Loading rows of an inheritance hierarchy: each row becomes the class its discriminator names.

The identity key is the hierarchy's base class and the primary key, so a row
loaded through the base and again through a subclass is one object. A row
whose discriminator names a subclass builds that subclass; the subclass's own
columns not in the row load when first read (or with the query, by
``polymorphic_load="inline"`` / ``"selectin"`` or ``selectin_polymorphic()``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from corral.orm.base import STATE_ATTR, ObjectStatus
from corral.orm.mapping.events import fire_load
from corral.orm.mapping.instance_state import new_state
from corral.orm.mapping.with_polymorphic import OWNED

if TYPE_CHECKING:
    from corral.orm.loading.entities import EntityLoader
    from corral.orm.mapping.mapper import Mapper
    from corral.orm.session.session import Session
    from corral.sql.selectable import Select


def load_rows(loader: EntityLoader, rows: Sequence[Sequence[Any]]) -> list[Any]:
    """Objects of ``loader``'s mapper (or the subclasses their rows name), in row order."""
    from corral.orm.loading.entities import fire_loaded, refresh_into

    mapper = loader.mapper
    info = mapper.inheritance
    assert info is not None
    keys, start, stop = loader.keys, loader.start, loader.stop
    discriminator = info.polymorphic_on
    position = keys.index(discriminator) + start if discriminator in keys else None
    identities = info.identities
    identity_map = loader.session.identity_map
    session = loader.session
    cls = mapper.identity_class
    persistent, overwrite = ObjectStatus.PERSISTENT, loader.populate_existing
    pk_positions = loader.pk_positions
    owned = any(OWNED in k for k in keys)  # with_polymorphic() of same-named columns
    objects: list[Any] = []
    for row in rows:
        pk = tuple([row[i] for i in pk_positions])
        if None in pk:  # no row on this side of an outer join
            objects.append(None)
            continue
        target = mapper
        if position is not None:
            target = identities.get(row[position], mapper)
        # A concrete class keys its own identities (its table numbers its own rows).
        key = (cls if target.identity_class is cls else target.identity_class, pk)
        values = list(zip(keys, row[start:stop], strict=True))
        obj = identity_map.get(key)
        if obj is None:
            obj = target.new_instance()
            d = obj.__dict__
            if target is mapper and not owned:
                d.update(values)
            else:
                d.update(_values_for(target, values, owned))
            d[STATE_ATTR] = new_state(obj, target, persistent, key, session)
            identity_map.add(key, obj)
            if target.dispatch.load:
                fire_load(session, obj)
            if session.dispatch.loaded_as_persistent:
                fire_loaded(session, obj)
        else:
            refresh_into(obj, _values_for(type(obj).__mapper__, values, owned), overwrite)
        objects.append(obj)
    return objects


def _values_for(
    target: Mapper, values: list[tuple[str, Any]], owned: bool
) -> list[tuple[str, Any]]:
    """The row's values of ``target``'s attributes; a value keyed ``name@Class`` (a column
    of that class's own under a name another class also uses) goes to that class's objects."""
    own = target.column_key_set
    if not owned:
        return [(k, v) for k, v in values if k in own]
    found = {k: v for k, v in values if k in own}
    lineage = {klass.__name__ for klass in target.class_.__mro__}
    for k, v in values:
        name, _, owner = k.partition(OWNED)
        if owner and owner in lineage and name in own:
            found[name] = v  # the class's own column wins over a sibling's of that name
    return list(found.items())


def load_subclasses(
    session: Session, mapper: Mapper, chosen: tuple[Mapper, ...], objects: list[Any]
) -> None:
    """After a query of ``mapper``: load the columns of the subclasses ``chosen`` (by
    ``selectin_polymorphic()``) or mapped with ``polymorphic_load="selectin"``, one SELECT
    by primary key per subclass, for the objects of that subclass."""
    info = mapper.inheritance
    assert info is not None
    wanted = list(chosen)
    for sub in info.descendants():
        assert sub.inheritance is not None
        if sub.inheritance.load == "selectin" and sub not in wanted:
            wanted.append(sub)
    if not wanted:
        return
    from corral.sql.selectable import select

    # Deepest classes first: their SELECT loads their parents' columns too.
    wanted.sort(key=lambda m: -len(m.class_.__mro__))
    for sub in wanted:
        missing = [
            obj
            for obj in objects
            if isinstance(obj, sub.class_) and any(k not in obj.__dict__ for k in sub.loaded_keys)
        ]
        if not missing:
            continue
        pk = sub.primary_key
        if len(pk) == 1:
            values = [o.__dict__[sub.primary_key_attrs[0]] for o in missing]
            condition = pk[0].in_(values)
        else:
            from corral.sql.constructs import tuple_

            rows = [tuple(o.__dict__[k] for k in sub.primary_key_attrs) for o in missing]
            condition = tuple_(*pk).in_(rows)
        with session.no_autoflush:
            session.execute(select(sub.class_).where(condition)).scalars().all()


def adapt_to_unions(statement: Select) -> Select:
    """A select joining a concrete hierarchy's UNION (``of_type(with_polymorphic(...))``)
    with criteria on its tables' columns: those criteria read the UNION's columns."""
    renamed: dict[int, Any] = {}
    for joined in statement._from_obj:
        for f in joined._covers():
            renamed.update(getattr(f, "concrete_renamed", None) or {})
    if not renamed:
        return statement
    from corral.orm.relationships.expressions import adapt

    adapted = statement._clone()
    adapted._where = [adapt(w, renamed) for w in statement._where]
    adapted._order_by = [adapt(o, renamed) for o in statement._order_by]
    return adapted


def subclass_columns(mapper: Mapper, keys: tuple[str, ...]) -> tuple[str, ...]:
    """The column keys a query of ``mapper`` loads: its own, then those of subclasses with
    ``polymorphic_load="inline"`` that live in the same selectable."""
    info = mapper.inheritance
    if info is None:
        return keys
    if info.union_keys:  # a concrete base: every class's columns, from the UNION
        return info.union_keys
    extra: list[str] = []
    for sub in info.descendants():
        sub_info = sub.inheritance
        assert sub_info is not None
        if sub_info.load != "inline" or sub.local_table is not mapper.local_table:
            continue
        extra.extend(k for k in sub.loaded_keys if k not in keys and k not in extra)
    return (*keys, *extra) if extra else keys


__all__ = ["adapt_to_unions", "load_rows", "load_subclasses", "subclass_columns"]
