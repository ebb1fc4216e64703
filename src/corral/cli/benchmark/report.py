"""Rendering one benchmark run: the terminal table, Markdown, and JSON."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from typing import Any

from corral.cli.benchmark.workloads import IMPLEMENTATIONS_BY_NAME, RAW, WORKLOADS_BY_NAME


@dataclass
class Cell:
    """One (workload, implementation) measurement."""

    workload: str
    implementation: str
    times: list[float]
    peak_memory: int | None = None
    error: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times and not self.error else None


@dataclass
class Run:
    """Everything one benchmark run on one database measured."""

    database: str
    server: str
    scale: float
    repeat: int
    started: str
    machine: dict[str, Any]
    versions: dict[str, str]
    workloads: list[str]
    implementations: list[str]
    skipped: dict[str, str] = field(default_factory=dict)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)

    def ratio(self, workload: str, implementation: str) -> float | None:
        """The cell's median time over the raw driver's for the same workload."""
        cell = self.cells.get((workload, implementation))
        raw = self.cells.get((workload, RAW))
        if cell is None or raw is None or cell.median is None or not raw.median:
            return None
        return cell.median / raw.median

    def errors(self) -> list[Cell]:
        return [cell for cell in self.cells.values() if cell.error]

    def to_json(self) -> dict[str, Any]:
        return {
            "database": self.database,
            "server": self.server,
            "scale": self.scale,
            "repeat": self.repeat,
            "started": self.started,
            "machine": self.machine,
            "versions": self.versions,
            "skipped": self.skipped,
            "results": [
                {
                    "workload": cell.workload,
                    "implementation": cell.implementation,
                    "median_seconds": _round(cell.median),
                    "ratio_to_raw": _round(self.ratio(cell.workload, cell.implementation)),
                    "times_seconds": [_round(t) for t in cell.times],
                    "peak_memory_bytes": cell.peak_memory,
                    "error": cell.error,
                }
                for cell in self.cells.values()
            ],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")


def _labels(run: Run) -> list[str]:
    return [IMPLEMENTATIONS_BY_NAME[name].label for name in run.implementations]


def _cell_text(run: Run, workload: str, implementation: str) -> str:
    cell = run.cells.get((workload, implementation))
    if cell is None:
        return "-"
    if cell.error:
        return "FAILED"
    ratio = run.ratio(workload, implementation)
    median = cell.median or 0.0
    if implementation == RAW:
        return f"1.00 ({median * 1000:.1f} ms)"
    return "?" if ratio is None else f"{ratio:.2f}"


def _memory_text(cell: Cell | None) -> str:
    if cell is None or cell.peak_memory is None:
        return "-"
    return f"{cell.peak_memory / 2**20:.1f} MiB"


def rows(run: Run) -> list[list[str]]:
    """The table: a header, one row per workload, then the peak-memory row."""
    table = [["workload", *_labels(run)]]
    for workload in run.workloads:
        table.append([workload, *(_cell_text(run, workload, name) for name in run.implementations)])
    memory = [workload for workload in run.workloads if WORKLOADS_BY_NAME[workload].measures_memory]
    for workload in memory:
        table.append(
            [
                f"{workload} peak memory",
                *(_memory_text(run.cells.get((workload, name))) for name in run.implementations),
            ]
        )
    return table


def _notes(run: Run) -> list[str]:
    notes = [
        f"Median of {run.repeat} runs per cell, each cell in a fresh process; "
        f"ratios are to the raw driver's median (lower is faster); scale {run.scale:g} "
        "of the full row counts.",
    ]
    if run.database == "sqlite":
        notes.append("The SQLite file is in WAL mode for every implementation.")
    for name, why in run.skipped.items():
        notes.append(f"{IMPLEMENTATIONS_BY_NAME[name].label} skipped: {why}.")
    for name in run.implementations:
        info = IMPLEMENTATIONS_BY_NAME[name]
        if info.asyncio_only:
            notes.append(f"{info.label} has only an asyncio API: it runs the asyncio workloads.")
        for workload, why in info.lacks:
            if workload in run.workloads:
                notes.append(f"{info.label} has no {workload} ({why}).")
    for cell in run.errors():
        label = IMPLEMENTATIONS_BY_NAME[cell.implementation].label
        notes.append(f"{label} failed on {cell.workload}: {cell.error}")
    return notes


def _heading(run: Run) -> str:
    return f"{run.server}, {run.started}, {run.machine.get('description', '')}".rstrip(", ")


def terminal(run: Run) -> str:
    """The table as aligned plain text, with notes under it."""
    table = rows(run)
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    lines = [f"corral bench on {_heading(run)}", ""]
    for number, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [
            text.rjust(width) for text, width in zip(row[1:], widths[1:], strict=True)
        ]
        lines.append("  ".join(cells))
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines.append("")
    lines.extend(_notes(run))
    return "\n".join(lines)


def markdown(run: Run) -> str:
    """The table as Markdown, with the run's database, machine and versions."""
    table = rows(run)
    lines = [f"# corral bench: {run.database}", "", f"{_heading(run)}.", ""]
    lines.append("| " + " | ".join(table[0]) + " |")
    lines.append("| --- |" + " ---: |" * (len(table[0]) - 1))
    lines.extend("| " + " | ".join(row) + " |" for row in table[1:])
    lines.append("")
    lines.extend(_notes(run))
    lines.append("")
    versions = ", ".join(f"{name} {version}" for name, version in run.versions.items())
    lines.append(f"Versions: {versions}.")
    lines.append("")
    return "\n".join(lines)


def dumps(run: Run) -> str:
    return json.dumps(run.to_json(), indent=1) + "\n"
