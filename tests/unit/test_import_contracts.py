"""The import-linter contracts in pyproject.toml hold, and catch an import against them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(
    not LINT_IMPORTS.exists(), reason="import-linter is not installed (pip install -e '.[dev]')"
)


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports over ``tree``/src/corral with the project's contracts, uncached."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _copy_with(tmp_path: Path, module: str, line: str) -> Path:
    """A copy of corral's source with ``line`` appended to ``module`` (a path under corral/)."""
    shutil.copytree(ROOT / "src" / "corral", tmp_path / "src" / "corral")
    target = tmp_path / "src" / "corral" / module
    target.write_text(target.read_text() + f"\n{line}\n")
    return tmp_path


def test_contracts_hold_on_the_source() -> None:
    """Every contract is kept by the tree as it is."""
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "complaint"),
    [
        (
            "orm/mapping/mapper.py",
            "import corral.orm.session.session",
            "corral.orm.mapping is not allowed to import corral.orm.session",
        ),
        (
            "orm/relationships/attribute.py",
            "from corral.orm.loading import lazy",
            "corral.orm.relationships is not allowed to import corral.orm.loading",
        ),
        (
            "orm/unit_of_work/plan.py",
            "from corral.orm.loading import entities",
            "corral.orm.unit_of_work is not allowed to import corral.orm.loading",
        ),
        (
            "engine/transaction.py",
            "from corral.engine import base",
            "corral.engine.transaction is not allowed to import corral.engine.base",
        ),
        (
            "sql/selectable.py",
            "import corral.orm",
            "corral.sql is not allowed to import corral.orm",
        ),
    ],
)
def test_a_wrong_way_import_breaks_a_contract(
    tmp_path: Path, module: str, line: str, complaint: str
) -> None:
    """An import against the layer order, added to a copy of the source, fails the check."""
    result = _lint(_copy_with(tmp_path, module, line))
    assert result.returncode == 1, result.stdout + result.stderr
    assert complaint in result.stdout
