"""The known-pass list: per group and page, the ids of the blocks corral runs the same as
SQLAlchemy, and the example programs it runs with the same output.

A block's id is ``index:digest`` (see ``extract.Block.block_id``). A known id whose index moved
(blocks added or removed before it) is found again by its digest. A known id whose block is gone
from the page (the docs changed it) is reported as stale, not as a regression; rewriting the
list (``--update``) drops it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KNOWN_PASS = Path(__file__).with_name("known_pass.json")

#: Blocks whose outcome depends on the moment they run (a timestamp the database generates)
#: or on what else is installed: they pass or fail by the clock or the machine, so the list
#: never records them.
#: (group, page, block id); the id's index matters: another block may share the source.
UNSTABLE: frozenset[tuple[str, str, str]] = frozenset(
    {
        ("queryguide-dml", "orm/queryguide/dml.rst", "22:bcdd309eca"),
        ("tutorial", "tutorial/data_select.rst", "114:ab7aca2925"),
        # prints rows stamped with the database's now() to the second
        ("orm-large-collections", "orm/large_collections.rst", "28:f7d04df644"),
        # create_engine("postgresql://...") runs on SQLAlchemy only where psycopg2, its
        # default PostgreSQL driver, is installed (the bench extra has it; a clean CI venv not)
        ("migration-13", "changelog/migration_13.rst", "18:06ea4d9a06"),
        ("migration-13", "changelog/migration_13.rst", "22:06ea4d9a06"),
    }
)


@dataclass
class KnownPass:
    """What corral is known to pass, and on which SQLAlchemy release it was measured."""

    sqlalchemy: str = ""
    blocks: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    def block_ids(self, group: str, page: str) -> list[str]:
        """The known-pass ids of one page within one group."""
        return self.blocks.get(group, {}).get(page, [])

    @classmethod
    def load(cls, path: Path = KNOWN_PASS) -> KnownPass:
        """Read the list; an absent file is an empty list."""
        if not path.exists():
            return cls()
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            sqlalchemy=str(data.get("sqlalchemy", "")),
            blocks={
                group: {page: list(ids) for page, ids in pages.items()}
                for group, pages in data.get("blocks", {}).items()
            },
            examples=list(data.get("examples", [])),
        )

    def save(self, path: Path = KNOWN_PASS) -> None:
        """Write the list (less the UNSTABLE blocks), one id per line so diffs show which
        blocks changed."""
        blocks = {
            group: {
                page: [i for i in ids if (group, page, i) not in UNSTABLE]
                for page, ids in pages.items()
            }
            for group, pages in self.blocks.items()
        }
        data = {"sqlalchemy": self.sqlalchemy, "blocks": blocks, "examples": self.examples}
        path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Regressions:
    """Known passes that now fail, and known ids no longer found in the docs."""

    failing: list[str]
    stale: list[str]


def check(known: KnownPass, passing: KnownPass, present: KnownPass) -> Regressions:
    """Compare the known list with this run's passes; ``present`` lists every block run."""
    failing: list[str] = []
    stale: list[str] = []
    for group, pages in known.blocks.items():
        for page, ids in pages.items():
            now_passing = set(passing.block_ids(group, page))
            moved = _moved(ids, present.block_ids(group, page))
            for block_id in ids:
                label = f"{group}: {page} block {block_id}"
                current = moved.get(block_id)
                if current is None:
                    stale.append(label)
                elif current not in now_passing:
                    failing.append(label if current == block_id else f"{label} (now {current})")
    for example in known.examples:
        if example not in present.examples:
            stale.append(example)
        elif example not in passing.examples:
            failing.append(example)
    return Regressions(failing, stale)


def _moved(known_ids: list[str], present_ids: list[str]) -> dict[str, str]:
    """Where each known id is now: itself, or the block with the same digest nearest its index.

    Blocks inserted or removed earlier on a page shift the indexes after them; the digest still
    finds the block, so a shift neither hides a regression nor reports a passing block as gone.
    """
    present = set(present_ids)
    unclaimed: dict[str, list[int]] = {}
    for block_id in present_ids:
        index, digest = block_id.split(":", 1)
        if block_id not in known_ids:
            unclaimed.setdefault(digest, []).append(int(index))
    found: dict[str, str] = {}
    for block_id in known_ids:
        if block_id in present:
            found[block_id] = block_id
            continue
        index, digest = block_id.split(":", 1)
        candidates = unclaimed.get(digest, [])
        if candidates:
            nearest = min(candidates, key=lambda other: abs(other - int(index)))
            candidates.remove(nearest)
            found[block_id] = f"{nearest}:{digest}"
    return found
