"""``row_filler``: one row's columns copied into an object's ``__dict__`` (no database)."""

from __future__ import annotations

from corral.orm.loading.row_filler import row_filler


def test_fills_the_keys_in_order_from_the_start_column() -> None:
    """Each key takes the column at ``start`` + its index, inserted in key order."""
    target: dict[str, object] = {"kept": 1}
    row_filler(("id", "name"), 2)(target, ("other", "entity", 7, "seven"))
    assert list(target.items()) == [("kept", 1), ("id", 7), ("name", "seven")]


def test_same_result_as_pairing_keys_with_the_row() -> None:
    """The generated copy equals ``dict(zip(keys, row))`` for names needing escapes too."""
    keys = ("plain", "quote'd", 'double"', "back\\slash", "line\nbreak", "ünï")
    row = tuple(range(len(keys)))
    filled: dict[str, object] = {}
    row_filler(keys, 0)(filled, row)
    assert filled == dict(zip(keys, row, strict=True))


def test_one_function_per_layout() -> None:
    """The function is made once per (keys, start) and reused."""
    assert row_filler(("a", "b"), 0) is row_filler(("a", "b"), 0)
    assert row_filler(("a", "b"), 0) is not row_filler(("a", "b"), 1)


def test_no_keys() -> None:
    """A layout without columns copies nothing."""
    filled: dict[str, object] = {}
    row_filler((), 0)(filled, (1, 2))
    assert filled == {}
