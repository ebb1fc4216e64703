"""Assertion helpers with the names and meanings of ``sqlalchemy.testing``'s.

Test modules written for SQLAlchemy (its example ``versioned_history/test_versioning.py``
among them) import ``eq_``, ``assert_raises`` and ``AssertsCompiledSQL`` from
``sqlalchemy.testing``; under the import rename they find these. Each is a plain function
usable from any test runner.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from corral import exc


def eq_(a: Any, b: Any, msg: str | None = None) -> None:
    """Assert ``a == b``."""
    assert a == b, msg or f"{a!r} != {b!r}"


def ne_(a: Any, b: Any, msg: str | None = None) -> None:
    """Assert ``a != b``."""
    assert a != b, msg or f"{a!r} == {b!r}"


def is_(a: Any, b: Any, msg: str | None = None) -> None:
    """Assert ``a is b``."""
    assert a is b, msg or f"{a!r} is not {b!r}"


def is_not(a: Any, b: Any, msg: str | None = None) -> None:
    """Assert ``a is not b``."""
    assert a is not b, msg or f"{a!r} is {b!r}"


def _collapsed(text: str) -> str:
    """``text`` with each run of whitespace made one space, and none at either end."""
    return " ".join(text.split())


def eq_ignore_whitespace(a: str, b: str, msg: str | None = None) -> None:
    """Assert two strings (usually SQL) are equal once line breaks and runs of spaces are
    made single spaces."""
    a, b = _collapsed(a), _collapsed(b)
    assert a == b, msg or f"{a!r} != {b!r}"


def assert_raises(
    except_cls: type[BaseException], callable_: Callable[..., Any], *args: Any, **kw: Any
) -> BaseException:
    """Call ``callable_(*args, **kw)``, assert it raises ``except_cls``; return the error."""
    return _raised(except_cls, None, callable_, args, kw)


def assert_raises_message(
    except_cls: type[BaseException],
    msg: str,
    callable_: Callable[..., Any],
    *args: Any,
    **kw: Any,
) -> BaseException:
    """As ``assert_raises``, and the error's text matches the regular expression ``msg``."""
    return _raised(except_cls, msg, callable_, args, kw)


def _raised(
    except_cls: type[BaseException],
    pattern: str | None,
    callable_: Callable[..., Any],
    args: tuple[Any, ...],
    kw: dict[str, Any],
) -> BaseException:
    try:
        callable_(*args, **kw)
    except except_cls as error:
        if pattern is not None:
            assert re.search(pattern, str(error), re.UNICODE), (
                f"{pattern!r} does not match {str(error)!r}"
            )
        return error
    raise AssertionError(f"{callable_!r} did not raise {except_cls.__name__}")


class AssertsCompiledSQL:
    """Mixin for test classes: ``self.assert_compile(statement, "SELECT ...")``.

    The class attribute ``__dialect__`` names the dialect to compile for: ``"default"``
    (or unset) for the text ``str(statement)`` gives, else ``"sqlite"``, ``"postgresql"``
    or ``"mysql"``.
    """

    __dialect__: str | None = None

    def assert_compile(
        self,
        clause: Any,
        result: str,
        params: Mapping[str, Any] | None = None,
        checkparams: Mapping[str, Any] | None = None,
        dialect: str | None = None,
        **unsupported: Any,
    ) -> None:
        """Assert ``clause`` compiles to ``result`` (line breaks and tabs aside); with
        ``checkparams``, that its parameters are those."""
        if unsupported:
            raise exc.ArgumentError(
                f"assert_compile() does not support {', '.join(sorted(unsupported))}; it "
                "takes params=, checkparams= and dialect="
            )
        printed = getattr(clause, "_printed_statement", None)  # a legacy Query
        statement = getattr(clause, "statement", clause) if printed is None else printed()
        if params:
            statement = statement.params(**params)
        compiled = _compile(statement, dialect or self.__dialect__)
        text = re.sub(r"[\n\t]", "", str(compiled))
        eq_(text, result, f"{text!r} != {result!r}")
        if checkparams is not None:
            eq_(dict(compiled.params), dict(checkparams))


def _compile(statement: Any, dialect: str | None) -> Any:
    if dialect in (None, "default"):
        return statement.compile()
    from corral.engine import create_engine

    urls = {"sqlite": "sqlite://", "postgresql": "postgresql://", "mysql": "mysql://"}
    if dialect not in urls:
        raise exc.ArgumentError(
            f"assert_compile(dialect={dialect!r}): give 'default', 'sqlite', 'postgresql' or "
            "'mysql'"
        )
    return statement.compile(dialect=create_engine(urls[dialect]).dialect)


__all__ = [
    "AssertsCompiledSQL",
    "assert_raises",
    "assert_raises_message",
    "eq_",
    "eq_ignore_whitespace",
    "is_",
    "is_not",
    "ne_",
]
