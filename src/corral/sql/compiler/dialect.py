"""The compile-side half of a dialect: what the compiler needs to write SQL.

The engine's dialects (``corral.dialects.<db>.base``) extend this with the
driver; the SQL layer sees only this part.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, ClassVar

from corral.sql.features import Features

if TYPE_CHECKING:
    from corral.sql.compiler.compiled import Compiled
    from corral.sql.compiler.ddl import DDLCompiler
    from corral.sql.compiler.statement import StatementCompiler
    from corral.sql.compiler.types import TypeCompiler

#: Compiled statements kept per dialect instance (least recently used dropped first).
COMPILED_CACHE_SIZE = 1000


class SQLDialect:
    """Name, features, compilers and the compiled-statement cache of one database."""

    name: ClassVar[str]
    features: ClassVar[Features]
    statement_compiler: ClassVar[type[StatementCompiler]]
    ddl_compiler: ClassVar[type[DDLCompiler]]
    type_compiler: ClassVar[type[TypeCompiler]]
    #: Warn when a statement about to run reads FROMs nothing joins (``from_linting``); an
    #: engine's dialect does unless ``create_engine(enable_from_linting=False)``.
    from_linting = False

    def __init__(self) -> None:
        self.compiled_cache: OrderedDict[Hashable, Compiled] = OrderedDict()
        #: How many compiled statements ``compiled_cache`` keeps (0: none).
        self.compiled_cache_size = COMPILED_CACHE_SIZE
        self.compile_count = 0
        self._type_compiler = self.type_compiler(self)

    def type_ddl(self, type_: object) -> str:
        """How this dialect spells ``type_`` in CREATE TABLE."""
        from corral.sql.type_api import TypeEngine

        assert isinstance(type_, TypeEngine)
        return self._type_compiler.process(type_)

    def cast_ddl(self, type_: object) -> str:
        """How this dialect spells ``type_`` as the target of CAST."""
        from corral.sql.type_api import TypeEngine

        assert isinstance(type_, TypeEngine)
        return self._type_compiler.process_cast(type_)

    def cache_get(self, key: Hashable) -> Compiled | None:
        compiled = self.compiled_cache.get(key)
        if compiled is not None:
            self.compiled_cache.move_to_end(key)
        return compiled

    def cache_put(self, key: Hashable, compiled: Compiled) -> None:
        self.compile_count += 1
        self.compiled_cache[key] = compiled
        if len(self.compiled_cache) > self.compiled_cache_size:
            self.compiled_cache.popitem(last=False)
