"""Times one (workload, implementation) cell; run in a fresh process by ``corral bench``.

``python -m corral.cli.benchmark.worker SPEC`` takes a JSON object (see ``CellSpec``) and
prints one line, ``RESULT_MARKER`` followed by a JSON object: the times of each
repetition in seconds, the peak traced memory when asked for, or the error that stopped
the cell.
"""

from __future__ import annotations

import gc
import importlib
import json
import random
import sys
import time
import traceback
import tracemalloc
from dataclasses import asdict, dataclass
from typing import Any

from corral.cli.benchmark.database import Fixture, Target
from corral.cli.benchmark.workloads import (
    IMPLEMENTATIONS_BY_NAME,
    WORKLOADS_BY_NAME,
    Implementation,
    Inputs,
    Workload,
    customer_row,
)

RESULT_MARKER = "CORRAL-BENCH-RESULT "


@dataclass(frozen=True)
class CellSpec:
    """What one worker process runs."""

    workload: str
    implementation: str
    url: str
    scale: float
    repeat: int
    memory: bool = False


@dataclass
class CellResult:
    """What one worker process measured (times in seconds, memory in bytes)."""

    times: list[float]
    peak_memory: int | None = None
    error: str | None = None
    detail: str | None = None


def _inputs(workload: Workload, size: int) -> Inputs:
    if workload.new_rows:
        return Inputs(rows=[customer_row(number) for number in range(1, size + 1)])
    if workload.wants_ids:
        ids = list(range(1, size + 1))
        random.Random(size).shuffle(ids)
        return Inputs(ids=ids)
    return Inputs()


def _time_once(workload: Workload, impl: Implementation, inputs: Inputs) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    result = workload.run(impl, inputs)
    return time.perf_counter() - start, result


def _peak_memory(workload: Workload, impl: Implementation, inputs: Inputs) -> int:
    """The most memory Python held while the workload ran, above what it held before."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = workload.run(impl, inputs)
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return peak - before


def load_implementation(name: str, target: Target) -> Implementation:
    """Import the implementation's module (and so its library) and build it for ``target``."""
    module = importlib.import_module(IMPLEMENTATIONS_BY_NAME[name].module)
    built: Implementation = module.build(target)
    return built


def run_cell(spec: CellSpec) -> CellResult:
    """Prepare the table, then time ``spec.repeat`` runs (and one traced run for memory)."""
    workload = WORKLOADS_BY_NAME[spec.workload]
    target = Target.from_url(spec.url)
    size = workload.size(spec.scale)
    inputs = _inputs(workload, size)
    fixture = Fixture(target)
    result = CellResult(times=[])
    impl: Implementation | None = None
    try:
        fixture.prepare(workload, 0)
        impl = load_implementation(spec.implementation, target)
        for _ in range(spec.repeat):
            fixture.prepare(workload, size)
            elapsed, outcome = _time_once(workload, impl, inputs)
            fixture.check(workload, size, outcome, inputs.ids)
            del outcome
            result.times.append(elapsed)
        if spec.memory and workload.measures_memory:
            fixture.prepare(workload, size)
            result.peak_memory = _peak_memory(workload, impl, inputs)
    except Exception as error:
        result.error = f"{type(error).__name__}: {error}".splitlines()[0][:300]
        result.detail = traceback.format_exc()
    finally:
        if impl is not None:
            try:
                impl.close()
            except Exception as error:
                result.error = result.error or f"close failed: {type(error).__name__}: {error}"
        fixture.close()
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m corral.cli.benchmark.worker SPEC_JSON", file=sys.stderr)
        return 2
    spec = CellSpec(**json.loads(argv[0]))
    result = run_cell(spec)
    sys.stdout.flush()
    print(RESULT_MARKER + json.dumps(asdict(result)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
