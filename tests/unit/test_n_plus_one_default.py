"""``CORRAL_N_PLUS_ONE`` sets the default of ``Session(n_plus_one=...)`` for a whole program."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from corral import Session, exc

PROGRAM = "from corral import Session; print(Session()._lazy_loads.mode)"


def _mode_with(value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "CORRAL_N_PLUS_ONE"}
    if value is not None:
        env["CORRAL_N_PLUS_ONE"] = value
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_environment_sets_the_default_and_an_argument_wins() -> None:
    assert _mode_with(None) == "None"
    assert _mode_with("warn") == "warn"
    assert Session(n_plus_one=None)._lazy_loads.mode is None
    assert Session()._lazy_loads.mode == "raise"  # this suite's own setting (tests/conftest.py)


def test_a_bad_mode_names_the_choices() -> None:
    with pytest.raises(exc.ArgumentError, match="CORRAL_N_PLUS_ONE"):
        Session(n_plus_one="loud")


def test_environment_set_after_import_still_counts() -> None:
    """The variable is read at the first Session, so setting it after ``import corral`` (as a
    conftest does once a pytest plugin has imported corral) still takes effect."""
    program = (
        "import os; import corral; os.environ['CORRAL_N_PLUS_ONE'] = 'warn'; "
        "print(corral.Session()._lazy_loads.mode)"
    )
    env = {k: v for k, v in os.environ.items() if k != "CORRAL_N_PLUS_ONE"}
    done = subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "warn"
