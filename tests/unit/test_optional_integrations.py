"""The integrations stay optional: corral itself imports none of their libraries, and its
package metadata requires nothing; the pytest plugin is declared as an entry point."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
LIBRARIES = {"alembic", "fastapi", "flask", "pydantic", "pytest", "sqlalchemy", "starlette"}


def test_importing_corral_imports_no_integration_library() -> None:
    """`import corral` (and its ORM, engine and the model factory) loads none of the
    integrations' libraries."""
    code = (
        "import sys, corral, corral.orm, corral.engine, corral.testing\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({sorted(LIBRARIES)!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def _name(requirement: str) -> str:
    """The distribution a requirement names (the test extra may pin a narrower version)."""
    return re.split(r"[\[<>=!~ ]", requirement, maxsplit=1)[0].lower()


def test_package_requires_nothing_and_declares_extras() -> None:
    """`pip install corral` installs nothing else; each integration has its extra, the test
    extra installs them all, and pytest finds the plugin through its entry point."""
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    assert project["dependencies"] == []
    extras = project["optional-dependencies"]
    tested = {_name(requirement) for requirement in extras["test"]}
    for extra in ("fastapi", "starlette", "flask", "pydantic", "alembic"):
        assert extras[extra], extra
        for requirement in extras[extra]:
            assert _name(requirement) in tested, requirement
    assert project["entry-points"]["pytest11"] == {"corral": "corral.testing.plugin"}
