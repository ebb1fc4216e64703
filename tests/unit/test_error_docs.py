"""The engine and concurrency pages name every public error class, so the list stays whole."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corral import exc
from corral.orm import exc as orm_exc

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _public_classes(module: object) -> list[str]:
    names: list[str] = getattr(module, "__all__", [])
    return [name for name in names if isinstance(getattr(module, name), type)]


def _named_in(page: str, name: str) -> bool:
    return re.search(rf"`(?:exc\.|orm\.exc\.)?{name}`", page) is not None


@pytest.mark.parametrize("name", sorted({*_public_classes(exc), *_public_classes(orm_exc)}))
def test_every_error_class_is_named_in_the_docs(name: str) -> None:
    """Each public class of corral.exc and corral.orm.exc appears, in backquotes, on
    docs/engine.md or docs/concurrency.md."""
    pages = (DOCS / "engine.md").read_text() + (DOCS / "concurrency.md").read_text()
    assert _named_in(pages, name), f"{name} is not named in docs/engine.md or concurrency.md"


def test_concurrency_page_names_the_whole_retryable_family() -> None:
    """docs/concurrency.md lists every retryable error, and the two that are never retried."""
    page = (DOCS / "concurrency.md").read_text()
    retryable = [
        name
        for name in _public_classes(exc)
        if issubclass(getattr(exc, name), exc.RetryableError)
        and issubclass(getattr(exc, name), BaseException)
    ]
    assert "StaleDataError" in retryable and len(retryable) >= 9
    for name in [*retryable, "CommitOutcomeUnknownError", "DeadlineExceeded"]:
        assert _named_in(page, name), f"{name} is missing from docs/concurrency.md"
