"""An import hook under which ``sqlalchemy`` and ``sqlalchemy.X`` are ``corral`` and ``corral.X``.

This is what replacing the word in a program's imports would do: a module corral lacks fails to
import with ``ModuleNotFoundError``, a name corral lacks fails with ``ImportError``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

ALIAS = "sqlalchemy"
TARGET = "corral"


class CorralAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds ``sqlalchemy.X`` by importing ``corral.X`` and handing back that same module."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """A spec for ``sqlalchemy.X`` when ``corral.X`` exists, else None (not found)."""
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real_name = TARGET + fullname[len(ALIAS) :]
        try:
            real = importlib.import_module(real_name)
        except ModuleNotFoundError as error:
            if error.name is not None and real_name.startswith(error.name):
                return None
            raise
        spec = importlib.machinery.ModuleSpec(fullname, self, is_package=hasattr(real, "__path__"))
        spec.loader_state = real
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        """The already-imported corral module; its own ``__spec__`` is kept for ``exec_module``."""
        real: ModuleType = spec.loader_state
        spec.loader_state = real.__spec__
        return real

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: put back the corral module's own spec, which importing overwrote."""
        alias_spec = module.__spec__
        if alias_spec is not None and isinstance(
            alias_spec.loader_state, importlib.machinery.ModuleSpec
        ):
            module.__spec__ = alias_spec.loader_state


def install() -> None:
    """Make ``import sqlalchemy`` (and its submodules) resolve to corral in this interpreter."""
    if any(isinstance(finder, CorralAlias) for finder in sys.meta_path):
        return
    for name in [name for name in sys.modules if name == ALIAS or name.startswith(ALIAS + ".")]:
        del sys.modules[name]
    sys.meta_path.insert(0, CorralAlias())
