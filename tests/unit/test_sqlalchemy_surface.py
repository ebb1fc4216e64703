"""corral's modules export SQLAlchemy 2.0's names for what corral covers, under the same paths.

The list of SQLAlchemy's names is ``tools/sqlalchemy-2.0-names.json``; a corral module covers
a name when its ``__all__`` lists it. ``docs/sqlalchemy-coverage.md`` is generated from both.
"""

from __future__ import annotations

import importlib
import textwrap
import types
from pathlib import Path

import pytest

import corral
import corral.exc
import corral.orm.exc
from tools import sqlalchemy_surface as surface

ROOT = Path(__file__).resolve().parents[2]
NAMES = surface.load_names()
COVERAGE = {m.sqlalchemy_path: m for m in surface.coverage(NAMES)}
PRESENT = [m for m in COVERAGE.values() if m.present]

#: corral modules whose names SQLAlchemy also exports from ``sqlalchemy``, ``sqlalchemy.orm``
#: or ``sqlalchemy.exc``; the same name is the same object there (checked against 2.0.58).
FACADES = [
    m.sqlalchemy_path
    for m in PRESENT
    if not m.sqlalchemy_path.startswith(("sqlalchemy.dialects.", "sqlalchemy.ext."))
]
#: SQLAlchemy's hub modules; a name listed in one of them and in another module is one object.
HUBS = ("sqlalchemy", "sqlalchemy.orm", "sqlalchemy.exc")
#: The ORM's join() also takes mapped classes and relationships; the Core one does not.
DIFFERENT_IN_ORM = {"join", "outerjoin"}


def _module(sqlalchemy_path: str) -> types.ModuleType:
    return importlib.import_module(surface.corral_path(sqlalchemy_path))


def test_names_file_lists_every_module() -> None:
    """The committed list has each module the tool reads, each with sorted, unique names."""
    assert list(NAMES) == list(surface.MODULES)
    for names in NAMES.values():
        assert names and names == sorted(set(names))


@pytest.mark.parametrize("module", PRESENT, ids=lambda m: m.path)
def test_every_covered_name_imports(module: surface.ModuleCoverage) -> None:
    """Each name the corral module claims (its ``__all__``) imports from it."""
    corral_module = _module(module.sqlalchemy_path)
    assert isinstance(getattr(corral_module, "__all__", None), list), f"{module.path}: no __all__"
    for name in corral_module.__all__:
        namespace: dict[str, object] = {}
        exec(f"from {module.path} import {name}", namespace)
        assert namespace[name] is getattr(corral_module, name)


@pytest.mark.parametrize("module", PRESENT, ids=lambda m: m.path)
def test_a_missing_name_fails_to_import(module: surface.ModuleCoverage) -> None:
    """A SQLAlchemy name corral does not cover is absent, as a misspelt one would be."""
    corral_module = _module(module.sqlalchemy_path)
    for name in module.missing:
        assert not hasattr(corral_module, name), (
            f"{module.path}.{name} exists but is not in __all__"
        )
        with pytest.raises(ImportError):
            exec(f"from {module.path} import {name}", {})


@pytest.mark.parametrize(
    "module", [m for m in COVERAGE.values() if not m.present], ids=lambda m: m.path
)
def test_a_missing_module_fails_to_import(module: surface.ModuleCoverage) -> None:
    """A SQLAlchemy module corral has no namesake for raises ModuleNotFoundError."""
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module.path)


@pytest.mark.parametrize("sqlalchemy_path", FACADES)
def test_a_name_is_one_object_in_every_module(sqlalchemy_path: str) -> None:
    """A name SQLAlchemy has here and in a hub module, corral exports from both or neither."""
    corral_module = _module(sqlalchemy_path)
    for hub in HUBS:
        if hub == sqlalchemy_path:
            continue
        hub_module = _module(hub)
        shared = set(NAMES[hub]) & set(NAMES[sqlalchemy_path]) - DIFFERENT_IN_ORM
        for name in sorted(shared):
            in_hub = name in COVERAGE[hub].covered
            here = name in COVERAGE[sqlalchemy_path].covered
            where = f"{name}: {hub_module.__name__} and {corral_module.__name__}"
            assert in_hub == here, f"{where} should both export it"
            if here:
                assert getattr(corral_module, name) is getattr(hub_module, name), where


def test_coverage_page_is_current() -> None:
    """docs/sqlalchemy-coverage.md is what the tool generates from the list and corral."""
    assert surface.PAGE.read_text() == surface.current_page(), (
        "docs/sqlalchemy-coverage.md is out of date: run "
        "`PYTHONPATH=src python tools/sqlalchemy_surface.py page` and commit it"
    )


def test_readme_and_docs_index_link_the_page() -> None:
    """The README and docs/README.md link the coverage page."""
    assert "docs/sqlalchemy-coverage.md" in (ROOT / "README.md").read_text()
    assert "(sqlalchemy-coverage.md)" in (ROOT / "docs" / "README.md").read_text()


def test_exception_names_are_aliases_not_copies() -> None:
    """SQLAlchemy's exception names are corral's classes, so one ``except`` catches both."""
    assert corral.exc.SQLAlchemyError is corral.exc.CorralError
    assert corral.orm.exc.ConcurrentModificationError is corral.exc.StaleDataError
    assert corral.orm.exc.FlushError is corral.exc.FlushError
    with pytest.raises(corral.exc.SQLAlchemyError):
        raise corral.exc.IntegrityError("INSERT ...", (), None)


def test_relationship_property_is_the_class_relationship_returns() -> None:
    """``RelationshipProperty`` (SQLAlchemy's name) is the class of ``relationship()``."""
    assert corral.orm.RelationshipProperty is corral.orm.Relationship
    assert isinstance(corral.relationship("Other"), corral.orm.RelationshipProperty)


def test_public_names_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tool counts definitions and marked re-exports, or takes ``__all__`` when given."""
    source = textwrap.dedent(
        """
        import json
        from typing import TYPE_CHECKING, TypeVar
        from json import dumps as dumps
        from json import loads  # noqa
        from json import JSONDecoder
        if TYPE_CHECKING:
            from decimal import Decimal as Decimal
        T = TypeVar("T")
        LIMIT = 3
        _hidden = 1
        class Thing: ...
        def make() -> None: ...
        """
    )
    (tmp_path / "sample_surface.py").write_text(source)
    (tmp_path / "sample_declared.py").write_text(source + '__all__ = ["make", "Thing"]\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    sample = importlib.import_module("sample_surface")
    assert surface.public_names(sample) == ["LIMIT", "Thing", "dumps", "loads", "make"]
    assert surface.public_names(importlib.import_module("sample_declared")) == ["Thing", "make"]
