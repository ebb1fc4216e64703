"""``Annotated[...]`` in ``Mapped[...]``: reusable column declarations and type-map keys.

``intpk = Annotated[int, mapped_column(primary_key=True)]`` used as
``id: Mapped[intpk]`` maps ``int`` with the options of that ``mapped_column()``;
a ``mapped_column()`` on the attribute itself adds to them and wins where both
set the same option. An ``Annotated`` type may also be a key of
``type_annotation_map`` (``{str50: String(50)}``), looked up before its base type.
"""

from __future__ import annotations

import types
from typing import Annotated, Any, Union, get_args, get_origin

from corral import exc
from corral.orm.mapping.mapped_column import MappedColumn


def split_annotated(owner: str, annotation: Any) -> tuple[Any, MappedColumn | None, bool]:
    """(type to look up, the ``mapped_column()`` inside ``Annotated`` or None, nullable).

    The type looked up keeps its ``Annotated`` form when its metadata is not a
    ``mapped_column()``, so that a type map may key on it; ``Optional[...]``
    on either side of ``Annotated`` makes the column nullable.
    """
    nullable = False
    annotation, nullable = _strip_none(owner, annotation)
    if get_origin(annotation) is not Annotated:
        return annotation, None, nullable
    base, *metadata = get_args(annotation)
    templates = [m for m in metadata if isinstance(m, MappedColumn)]
    if len(templates) > 1:
        raise exc.MappingError(f"{owner}: Annotated[...] holds more than one mapped_column()")
    if not templates:
        return annotation, None, nullable
    others = [m for m in metadata if not isinstance(m, MappedColumn)]
    base, inner_nullable = _strip_none(owner, base)
    looked_up = Annotated[(base, *others)] if others else base
    return looked_up, templates[0], nullable or inner_nullable


def _strip_none(owner: str, annotation: Any) -> tuple[Any, bool]:
    if get_origin(annotation) not in (Union, types.UnionType):
        return annotation, False
    members = [a for a in get_args(annotation) if a is not type(None)]
    if len(members) != 1:
        raise exc.MappingError(f"{owner}: cannot map the union {annotation!r}")
    return members[0], len(members) < len(get_args(annotation))


def merged(template: MappedColumn, own: MappedColumn | None) -> MappedColumn:
    """A fresh declaration: ``template``'s arguments overlaid with the attribute's ``own``."""
    if own is None:
        own = MappedColumn(None, None, [], {})
    result = MappedColumn(
        own.name or template.name,
        own.type if own.type is not None else template.type,
        [*_copies(template.foreign_keys), *own.foreign_keys],
        {**template.options, **own.options},
    )
    result.deferred = own.deferred or template.deferred
    result.active_history = own.active_history or template.active_history
    return result


def _copies(foreign_keys: list[Any]) -> list[Any]:
    """Each use of a shared template gets its own ForeignKey objects (an Identity, which
    holds only its options, is shared)."""
    from corral.sql.schema import ForeignKey

    return [
        fk
        if not isinstance(fk, ForeignKey)
        else ForeignKey(
            fk._target,
            ondelete=fk.ondelete,
            onupdate=fk.onupdate,
            name=fk.name,
            use_alter=fk.use_alter,
            deferrable=fk.deferrable,
            initially=fk.initially,
            match=fk.match,
        )
        for fk in foreign_keys
    ]
