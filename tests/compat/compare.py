"""What one block did on each library, and whether corral did the same as SQLAlchemy.

Printed output (``print()`` and the echo of an expression's value) is compared; SQL that an
``echo=True`` engine logs is captured apart and not compared, because the SQL text corral emits
may legitimately differ in spelling while giving the same results, which the printed output
shows. Before comparing, output is normalised for what legitimately differs between the two
libraries: memory addresses, the module path of a class (``sqlalchemy.engine.row.Row`` against
``corral.engine.row.Row``), the text inside an ``Engine(...)`` repr, and runs of whitespace (the
docs' own doctest runner ignores whitespace differences too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
OBJECT_REPR = re.compile(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9a-fA-F]+>")
LIBRARY_PATH = re.compile(r"\b(?:sqlalchemy|corral)(?:\.\w+)*\.(\w+)")
ENGINE_REPR = re.compile(r"\bEngine\([^()]*\)")
PRINTED_DIFFERS = "printed output differs"


class Status(StrEnum):
    """How a block ended."""

    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"


@dataclass
class Outcome:
    """What running one block produced on one library."""

    status: Status
    printed: str = ""
    error_type: str = ""
    error_names: list[str] = field(default_factory=list)
    error_message: str = ""
    error_where: str = ""

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (the child process hands outcomes back this way)."""
        return {
            "status": self.status.value,
            "printed": self.printed,
            "error_type": self.error_type,
            "error_names": self.error_names,
            "error_message": self.error_message,
            "error_where": self.error_where,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        """The inverse of ``to_json``."""
        return cls(
            status=Status(data["status"]),
            printed=str(data.get("printed", "")),
            error_type=str(data.get("error_type", "")),
            error_names=[str(name) for name in data.get("error_names", [])],
            error_message=str(data.get("error_message", "")),
            error_where=str(data.get("error_where", "")),
        )


@dataclass(frozen=True)
class Verdict:
    """Whether corral ran a block the same as SQLAlchemy, and if not, why."""

    same: bool
    reason: str = ""


def normalise(text: str) -> str:
    """Printed output with the legitimate differences between the two libraries removed."""
    text = OBJECT_REPR.sub(r"<\1 object>", text)
    text = ADDRESS.sub("0x?", text)
    text = LIBRARY_PATH.sub(r"\1", text)
    text = ENGINE_REPR.sub("Engine(...)", text)
    return " ".join(text.split())


def runs_on_reference(reference: Outcome, expects_error: bool) -> bool:
    """True when SQLAlchemy did what the page says: no error, or the error the page shows."""
    if reference.status is Status.SKIPPED:
        return False
    return (reference.status is Status.ERROR) == expects_error


def judge(reference: Outcome, candidate: Outcome) -> Verdict:
    """Compare corral's outcome for a block with SQLAlchemy's."""
    if candidate.status is Status.SKIPPED:
        return Verdict(False, "not run")
    if reference.status is Status.OK and candidate.status is Status.ERROR:
        return Verdict(False, f"raised {candidate.error_type}: {candidate.error_message}")
    if reference.status is Status.ERROR and candidate.status is Status.OK:
        return Verdict(False, f"raised nothing where SQLAlchemy raised {reference.error_type}")
    if reference.status is Status.ERROR and reference.error_type not in candidate.error_names:
        return Verdict(
            False,
            f"raised {candidate.error_type} where SQLAlchemy raised {reference.error_type}",
        )
    if normalise(reference.printed) != normalise(candidate.printed):
        return Verdict(False, PRINTED_DIFFERS)
    return Verdict(True)


SQL_TEXT = re.compile(r"^[\s(]*(?:SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|DROP)\b|:\w+_\d+\b")


def cause(reference: Outcome, candidate: Outcome, verdict: Verdict) -> str:
    """A short label grouping a difference with others of its kind, for the summary."""
    if verdict.same:
        return ""
    if candidate.error_type == "NameError":
        return "NameError: a name an earlier failing block should have defined"
    if verdict.reason == PRINTED_DIFFERS:
        if SQL_TEXT.search(reference.printed):
            return "printed SQL differs (str() of a statement or expression)"
        return "printed value differs (repr or results)"
    return verdict.reason
