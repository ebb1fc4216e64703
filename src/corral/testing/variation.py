"""``testing.variation(name, cases)``: one test run per case, as ``sqlalchemy.testing`` has.

Under pytest the decorated test is parametrized: its argument ``name`` is a ``Variation``
whose attribute for each case name is true for its own case only
(``constraint_type.unique_constraint``), and ``fail()`` marks a case the test does not
handle. Other runners (``unittest``) know nothing of pytest's parametrization, so they call
the test without the argument, and it fails with a TypeError, as it does under SQLAlchemy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Variation:
    """One case of a ``variation``: ``case.<name>`` is whether it is that case."""

    __slots__ = ("_cases", "name")

    def __init__(self, name: str, cases: Sequence[str]) -> None:
        self.name = name
        self._cases = tuple(cases)

    def __getattr__(self, case: str) -> bool:
        if case in self._cases:
            return case == self.name
        raise AttributeError(f"{case!r} is not one of the cases {', '.join(self._cases)}")

    def __bool__(self) -> bool:  # a two-case variation reads as a flag: its first case
        return self.name == self._cases[0]

    def fail(self) -> NoReturn:
        raise AssertionError(f"the test does not handle the case {self.name!r}")

    def __repr__(self) -> str:
        return f"<Variation {self.name}>"


def variation(argument: str, cases: Sequence[str]) -> Callable[[F], F]:
    """Run the test once per case, its ``argument`` a ``Variation`` (under pytest)."""
    if not cases or not all(isinstance(case, str) for case in cases):
        raise TypeError(f"variation({argument!r}, ...) takes a list of case names")
    variations = [Variation(case, cases) for case in cases]

    def decorate(test: F) -> F:
        try:
            import pytest
        except ImportError:  # no pytest: nothing could run the cases
            return test
        marked: F = pytest.mark.parametrize(argument, variations, ids=list(cases))(test)
        return marked

    return decorate


__all__ = ["Variation", "variation"]
