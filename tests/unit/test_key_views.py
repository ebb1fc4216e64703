"""``Result.keys()`` and ``row._mapping``'s keys, values and items: SQLAlchemy's views
(``RMKeyView``, ``ROMappingKeysValuesView``, ``ROMappingItemsView``), which a program
prints, compares with lists and tests membership in."""

from __future__ import annotations

from collections.abc import ItemsView, KeysView, ValuesView
from typing import Any

import pytest

from corral import column, literal, select, table
from corral.engine.key_views import RMKeyView, ROMappingItemsView, ROMappingKeysValuesView
from corral.engine.result import MappingResult, Result
from corral.engine.row import keyed_row_class, row_class


class Rows:
    """A DB-API cursor serving fixed rows."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self.rows = self.rows, []
        return rows

    def close(self) -> None:
        pass


def _result(keys: tuple[str, ...] = ("id", "name")) -> Result:
    return Result(Rows([(1, "a"), (2, "b")]), keys)


def test_result_keys_is_a_view_printed_as_sqlalchemy_prints_it() -> None:
    keys = _result().keys()
    assert type(keys) is RMKeyView and isinstance(keys, KeysView)
    assert repr(keys) == "RMKeyView(['id', 'name'])"
    assert list(keys) == ["id", "name"] and len(keys) == 2


def test_result_keys_compare_with_a_sequence_in_order() -> None:
    keys = _result().keys()
    assert keys == ["id", "name"]
    assert keys == ("id", "name")
    assert keys != ["name", "id"]  # order counts, unlike a dict's keys
    assert (keys != ["id", "name"]) is False
    assert keys != 5  # nothing to iterate: unequal, no error


def test_result_keys_hold_names_never_positions() -> None:
    keys = _result().keys()
    assert "name" in keys and "missing" not in keys
    assert 0 not in keys  # a position is not a key
    assert [] not in keys  # unhashable: names nothing


def test_result_keys_cannot_be_indexed() -> None:
    keys: Any = _result().keys()  # (its type says so too: no __getitem__)
    with pytest.raises(TypeError):
        keys[0]


def test_keys_of_a_statement_find_the_objects_it_selected() -> None:
    users = table("users", column("id"), column("name"))
    row_type = keyed_row_class(("id", "name"), (users.c.id, users.c.name))
    keys = RMKeyView(row_type)
    assert users.c.id in keys
    assert users.c.name in keys
    assert literal(1) not in keys
    assert "id" in keys


def test_mapping_result_keys_are_the_same_view() -> None:
    result = _result()
    mappings = result.mappings()
    assert isinstance(mappings, MappingResult)
    assert repr(mappings.keys()) == "RMKeyView(['id', 'name'])"


def test_row_mapping_views_print_and_compare_as_sqlalchemy_s() -> None:
    row = row_class(("id", "name"))((1, "a"))
    mapping = row._mapping
    assert repr(mapping.keys()) == "RMKeyView(['id', 'name'])"
    values = mapping.values()
    assert type(values) is ROMappingKeysValuesView and isinstance(values, ValuesView)
    assert repr(values) == "ROMappingKeysValuesView({'id': 1, 'name': 'a'})"
    assert values == [1, "a"] and values != ["a", 1] and "a" in values and len(values) == 2
    items = mapping.items()
    assert type(items) is ROMappingItemsView and isinstance(items, ItemsView)
    assert repr(items) == "ROMappingItemsView({'id': 1, 'name': 'a'})"
    assert items == [("id", 1), ("name", "a")]
    assert ("name", "a") in items and ("name", "b") not in items
    assert dict(items) == {"id": 1, "name": "a"}


def test_a_view_of_a_repeated_name_keeps_both_columns() -> None:
    row = row_class(("id", "id"))((1, 2))
    assert list(row._mapping.keys()) == ["id", "id"]
    assert row._mapping.values() == [1, 2]
    assert list(row._mapping.items()) == [("id", 1), ("id", 2)]


def test_select_keys_through_the_engine() -> None:
    from corral import create_engine

    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        result = connection.execute(select(literal(1).label("x"), literal(2).label("y")))
        assert repr(result.keys()) == "RMKeyView(['x', 'y'])"
        row = result.one()
        assert row._mapping.values() == [1, 2]
    engine.dispose()
