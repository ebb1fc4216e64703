"""SQLAlchemy 2.0's public names, module by module, and which of them corral covers.

Two commands, run from the repository root:

    python tools/sqlalchemy_surface.py names   # reads an installed SQLAlchemy 2.0 and writes
                                               # tools/sqlalchemy-2.0-names.json (names only)
    python tools/sqlalchemy_surface.py page    # writes docs/sqlalchemy-coverage.md from that
                                               # list and the corral on the import path

A module's public names are its ``__all__`` when it has one; otherwise the names its source
binds at top level (definitions, and imports re-exported as ``import X as X`` or marked
``# noqa``) that do not start with an underscore, exist at run time and are not modules or
type variables.

corral covers a name when the corral module of the same path (``sqlalchemy`` replaced by
``corral``) lists it in its ``__all__``; ``tests/unit/test_sqlalchemy_surface.py`` checks
that each such name imports, that the others do not, and that the page is up to date.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import sys
import types
import typing
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAMES_FILE = ROOT / "tools" / "sqlalchemy-2.0-names.json"
PAGE = ROOT / "docs" / "sqlalchemy-coverage.md"

#: SQLAlchemy's modules that programs import from, in the order the page lists them.
MODULES = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.exc",
    "sqlalchemy.orm.exc",
    "sqlalchemy.types",
    "sqlalchemy.schema",
    "sqlalchemy.sql",
    "sqlalchemy.sql.expression",
    "sqlalchemy.engine",
    "sqlalchemy.pool",
    "sqlalchemy.future",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.sqlite",
    "sqlalchemy.dialects.mysql",
    "sqlalchemy.ext.declarative",
    "sqlalchemy.orm.session",
    "sqlalchemy.orm.relationships",
    "sqlalchemy.orm.attributes",
    "sqlalchemy.orm.collections",
    "sqlalchemy.orm.strategy_options",
    "sqlalchemy.orm.decl_api",
    "sqlalchemy.orm.properties",
    "sqlalchemy.orm.query",
    "sqlalchemy.event",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.ext.hybrid",
    "sqlalchemy.ext.associationproxy",
    "sqlalchemy.ext.horizontal_shard",
)

#: Why a SQLAlchemy module has no corral namesake yet; shown on the page.
ABSENT_BECAUSE = {
    "sqlalchemy.orm.collections": "collections live in `corral.orm.relationships`; keyed "
    "collections are not written yet",
    "sqlalchemy.orm.strategy_options": "import the loader options from `corral.orm`",
    "sqlalchemy.orm.decl_api": "import `DeclarativeBase` and `registry` from `corral.orm`",
    "sqlalchemy.orm.properties": "import `MapperProperty` and `Relationship` from `corral.orm`",
    "sqlalchemy.orm.query": "the legacy `Query` API has its own issue",
    "sqlalchemy.ext.asyncio": "asyncio has its own issue",
    "sqlalchemy.ext.hybrid": "hybrid attributes have their own issue",
    "sqlalchemy.ext.associationproxy": "association proxies have their own issue",
}


#: What a reader of a present module's section should know; shown on the page.
NOTES = {
    f"sqlalchemy.dialects.{name}": "The dialect's own `insert()` (with its upsert clause) "
    "and its own types are here, refused with an error naming them on the other databases "
    "(`JSON` and `UUID`, the generic types under this module's name, work everywhere). Most "
    "uppercase names of generic types (`INTEGER`, `TEXT`, ...) are not: use the types of "
    "`corral.types`, which work on every dialect."
    for name in ("postgresql", "sqlite", "mysql")
}


def corral_path(sqlalchemy_path: str) -> str:
    """The corral module that stands for a SQLAlchemy module: the same path, renamed."""
    return "corral" + sqlalchemy_path.removeprefix("sqlalchemy")


# --- reading SQLAlchemy -------------------------------------------------------------------


def _bound_at_top_level(source: str) -> set[str]:
    """Names the source defines or re-exports (``import X as X``, ``# noqa``) at top level."""
    names: set[str] = set()
    lines = source.splitlines()
    pending = list(ast.parse(source).body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If | ast.Try):
            pending.extend(node.body)
            pending.extend(node.orelse)
            if isinstance(node, ast.Try):
                pending.extend(node.finalbody)
                for handler in node.handlers:
                    pending.extend(handler.body)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            marked = "# noqa" in lines[node.lineno - 1]  # SQLAlchemy's mark for a re-export
            for alias in node.names:
                if marked or alias.asname == alias.name.rpartition(".")[2]:
                    names.add(alias.asname or alias.name.rpartition(".")[2])
    return names


def public_names(module: types.ModuleType) -> list[str]:
    """The module's public names, sorted (see the module docstring for the rule)."""
    declared = getattr(module, "__all__", None)
    if declared is not None:
        return sorted(set(declared))
    source = inspect.getsource(module)
    found = []
    for name in _bound_at_top_level(source):
        if name.startswith("_") or not hasattr(module, name):
            continue
        value = getattr(module, name)
        if isinstance(value, types.ModuleType | typing.TypeVar):
            continue
        found.append(name)
    return sorted(found)


def collect() -> dict[str, object]:
    """Every module's public names, read from the SQLAlchemy 2.0 on the import path."""
    import sqlalchemy

    version = str(sqlalchemy.__version__)
    if not version.startswith("2.0."):
        raise SystemExit(
            f"found SQLAlchemy {version} at {sqlalchemy.__file__}; the list is of 2.0's names: "
            "pip install --target /tmp/sa20 'sqlalchemy>=2.0,<2.1' and run with "
            "PYTHONPATH=/tmp/sa20"
        )
    modules = {path: public_names(importlib.import_module(path)) for path in MODULES}
    return {"sqlalchemy_version": version, "modules": modules}


# --- comparing corral -------------------------------------------------------------------


def load_names() -> dict[str, list[str]]:
    """The committed list: SQLAlchemy module path -> its public names."""
    data = json.loads(NAMES_FILE.read_text())
    modules: dict[str, list[str]] = data["modules"]
    return modules


def sqlalchemy_version() -> str:
    """The SQLAlchemy release the committed list was read from."""
    version: str = json.loads(NAMES_FILE.read_text())["sqlalchemy_version"]
    return version


@dataclass(frozen=True)
class ModuleCoverage:
    """How much of one SQLAlchemy module its corral namesake covers."""

    sqlalchemy_path: str
    present: bool  # the corral module exists
    covered: tuple[str, ...]
    missing: tuple[str, ...]
    additions: tuple[str, ...]  # in the corral module's __all__, not in SQLAlchemy's

    @property
    def path(self) -> str:
        """The corral module's path."""
        return corral_path(self.sqlalchemy_path)


def claimed_names(path: str) -> set[str] | None:
    """The corral module's ``__all__``, or None when there is no such module."""
    try:
        module = importlib.import_module(path)
    except ModuleNotFoundError as error:
        if error.name is not None and path.startswith(error.name):
            return None
        raise
    return set(getattr(module, "__all__", ()))


def coverage(names: dict[str, list[str]]) -> list[ModuleCoverage]:
    """Each listed SQLAlchemy module compared with its corral namesake."""
    result = []
    for sqlalchemy_path, public in names.items():
        claimed = claimed_names(corral_path(sqlalchemy_path))
        present = claimed is not None
        claimed = claimed or set()
        result.append(
            ModuleCoverage(
                sqlalchemy_path,
                present,
                covered=tuple(n for n in public if n in claimed),
                missing=tuple(n for n in public if n not in claimed),
                additions=tuple(sorted(claimed - set(public))),
            )
        )
    return result


def _names(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names) if names else "none"


def render_page(modules: list[ModuleCoverage], version: str) -> str:
    """The Markdown page listing, per module, what corral covers and what it lacks."""
    covered = sum(len(m.covered) for m in modules)
    total = sum(len(m.covered) + len(m.missing) for m in modules)
    lines = [
        "# SQLAlchemy 2.0 names in corral",
        "",
        "A program written for SQLAlchemy 2.0 should run on corral once `sqlalchemy` in its",
        "imports becomes `corral`. This page lists, for each SQLAlchemy module programs import",
        "from, which of its public names the corral module of the same path provides. A name",
        "corral lacks fails the way a misspelt one would: `ImportError` from `from corral.x",
        "import name`, `AttributeError` from `corral.x.name`.",
        "",
        "```python",
        "from corral.exc import IntegrityError, SQLAlchemyError",
        "from corral.orm import DeclarativeBase, Mapped, mapped_column",
        "",
        "assert issubclass(IntegrityError, SQLAlchemyError)  # SQLAlchemy's names for corral's",
        "```",
        "",
        f"The names are those of SQLAlchemy {version}, read by `tools/sqlalchemy_surface.py`",
        "into `tools/sqlalchemy-2.0-names.json`. This page is generated by",
        "`python tools/sqlalchemy_surface.py page`; `tests/unit/test_sqlalchemy_surface.py`",
        "fails when it is out of date, and checks that every name listed as covered imports.",
        "",
        f"In all, corral covers {covered} of {total} names.",
        "",
        "| SQLAlchemy module | corral module | covered |",
        "| --- | --- | ---: |",
    ]
    for module in modules:
        count = len(module.covered) + len(module.missing)
        where = f"`{module.path}`" if module.present else "not yet"
        lines.append(f"| `{module.sqlalchemy_path}` | {where} | {len(module.covered)} of {count} |")
    for module in modules:
        lines += ["", f"## `{module.sqlalchemy_path}`", ""]
        if not module.present:
            reason = ABSENT_BECAUSE.get(module.sqlalchemy_path, "not written yet")
            lines += [f"corral has no `{module.path}`: {reason}.", ""]
        elif module.sqlalchemy_path in NOTES:
            lines += [NOTES[module.sqlalchemy_path], ""]
        lines += [
            f"Covered by `{module.path}` ({len(module.covered)}): {_names(module.covered)}.",
            "",
            f"Missing ({len(module.missing)}): {_names(module.missing)}.",
        ]
        if module.additions:
            lines += [
                "",
                f"Also in `{module.path}`, not in this module of SQLAlchemy's: "
                f"{_names(module.additions)}.",
            ]
    return "\n".join(lines) + "\n"


def current_page() -> str:
    """The page as the committed list and the corral on the import path make it."""
    return render_page(coverage(load_names()), sqlalchemy_version())


def main(argv: list[str]) -> int:
    """Run the ``names`` or ``page`` command."""
    if argv == ["names"]:
        NAMES_FILE.write_text(json.dumps(collect(), indent=1) + "\n")
        print(f"wrote {NAMES_FILE.relative_to(ROOT)}")
        return 0
    if argv == ["page"]:
        PAGE.write_text(current_page())
        print(f"wrote {PAGE.relative_to(ROOT)}")
        return 0
    print("usage: python tools/sqlalchemy_surface.py names|page", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
