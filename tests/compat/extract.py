"""Split documentation pages into doctest blocks, following the conventions of SQLAlchemy's docs.

A block is one doctest example: a ``>>>`` statement with its ``...`` continuation lines. Pages
are read the way SQLAlchemy's own doctest runner reads them: the ``{execsql}``-style markers are
removed, ``.. doctest-include FILE`` pulls another page's blocks in at that point, and
``.. doctest-disable`` / ``.. doctest-enable`` switch extraction off and on. Only ``>>>`` text
runs; ``.. sourcecode:: python`` blocks without prompts are illustration, not setup.
"""

from __future__ import annotations

import doctest
import hashlib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

MARKER = re.compile(r"{(?:stop|sql|opensql|execsql|printsql)}")
INCLUDE = re.compile(r"\.\. doctest-include (.+\.rst)")
SWITCH = re.compile(r"\.\. doctest-(enable|disable)")

ReadPage = Callable[[str], str]
"""Returns the text of a page given its path relative to the documentation root."""


@dataclass(frozen=True)
class Block:
    """One ``>>>`` example of a page, with where it came from and what the page shows after it."""

    page: str
    index: int
    lineno: int
    source: str
    shown: str
    skip: bool

    @property
    def digest(self) -> str:
        """A short hash of the block's source, so an edited block gets a new identity."""
        return source_digest(self.source)

    @property
    def block_id(self) -> str:
        """``index:digest``, stable while the page's text before and in this block is unchanged."""
        return f"{self.index}:{self.digest}"

    @property
    def expects_error(self) -> bool:
        """True when the page shows a traceback after this block."""
        return self.shown.lstrip().startswith("Traceback (most recent call last)")


def source_digest(source: str) -> str:
    """Hash of a block's source with trailing whitespace of each line ignored."""
    canonical = "\n".join(line.rstrip() for line in source.strip("\n").splitlines())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:10]


def extract_blocks(page: str, read: ReadPage) -> list[Block]:
    """The blocks of ``page`` in order, those of its ``doctest-include`` pages in place."""
    blocks: list[Block] = []
    counters: dict[str, int] = {}
    _collect(page, read, blocks, counters)
    return blocks


def _collect(page: str, read: ReadPage, blocks: list[Block], counters: dict[str, int]) -> None:
    """Append the blocks of ``page`` (and of what it includes) to ``blocks``."""
    pending: list[str] = []
    enabled = True
    for raw_line in read(page).splitlines(keepends=True):
        line = MARKER.sub("", raw_line)
        include = INCLUDE.match(line)
        if include:
            _parse_text(page, "".join(pending), blocks, counters)
            pending = ["\n"] * (len(pending) + 1)
            included = posixpath.normpath(posixpath.join(posixpath.dirname(page), include[1]))
            _collect(included, read, blocks, counters)
            continue
        switch = SWITCH.match(line)
        if switch:
            enabled = switch[1] == "enable"
        pending.append(line if enabled else "\n")
    _parse_text(page, "".join(pending), blocks, counters)


def _parse_text(page: str, text: str, blocks: list[Block], counters: dict[str, int]) -> None:
    """Parse one run of page text (line numbers kept by blank padding) into blocks."""
    if not text.strip():
        return
    for example in doctest.DocTestParser().get_examples(text, page):
        index = counters.get(page, 0)
        counters[page] = index + 1
        blocks.append(
            Block(
                page=page,
                index=index,
                lineno=example.lineno + 1,
                source=example.source,
                shown=example.want,
                skip=bool(example.options.get(doctest.SKIP)),
            )
        )
