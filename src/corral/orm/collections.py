"""corral.orm.collections: the dict collections, under the module path SQLAlchemy gives them.

``attribute_mapped_collection`` and friends are SQLAlchemy 1.x's names for the
same functions.
"""

from corral.orm.relationships.keyed_collections import (
    KeyFuncDict,
    MappedCollection,
    attribute_keyed_dict,
    attribute_mapped_collection,
    column_keyed_dict,
    column_mapped_collection,
    keyfunc_mapping,
    mapped_collection,
)

__all__ = [
    "KeyFuncDict",
    "MappedCollection",
    "attribute_keyed_dict",
    "attribute_mapped_collection",
    "column_keyed_dict",
    "column_mapped_collection",
    "keyfunc_mapping",
    "mapped_collection",
]
