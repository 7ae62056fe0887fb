"""Measuring the workloads: agreement first, then interleaved timed repeats.

For one workload at one size, `run_workload`:

1. opens every column (graphjit interpreted and compiled, and those of `peers` that
   import) and runs its first step from the same initial state; the time of opening
   plus that first step is the column's warm-up (plan building, compilation, JIT tracing),
   reported and never mixed into the timings;
2. compares each column's first-step outputs and state with the interpreted executor's
   (the specification) within the workload's tolerance: a disagreement raises
   `BenchMismatch` before anything is timed;
3. picks, per column, how many calls one sample holds so that a sample lasts at least
   `min_sample_s` (tiny graphs need many calls for `perf_counter` to resolve them), then
   takes `repeat` samples round-robin across the columns, so that load from elsewhere on
   the machine hits every column alike. Every call does the whole step: feeds are
   converted and outputs computed afresh each time (the Session caches plans, never
   values).

May import: graphjit.bench.workloads, numpy, the standard library.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .workloads import PEERS, WORKLOADS, Instance, Runner, Workload, graphjit_runner

EXECUTORS = ("interpreted", "compiled")


class BenchMismatch(Exception):
    """A column's results disagree with the interpreted executor's: an error, not a row."""


@dataclass
class Timing:
    """Seconds per call of one column: one entry per sample, each the mean of `calls`."""

    samples: list[float]
    calls: int
    warmup_s: float
    max_abs_diff: float

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def quartiles(self) -> tuple[float, float]:
        if len(self.samples) < 2:
            return self.samples[0], self.samples[0]
        q = statistics.quantiles(self.samples, n=4, method="inclusive")
        return q[0], q[2]

    @property
    def spread(self) -> float:
        """Half the interquartile range over the median: the "+-" of the table."""
        q1, q3 = self.quartiles()
        return (q3 - q1) / 2 / self.median if self.median > 0 else 0.0


@dataclass
class WorkloadResult:
    workload: Workload
    size: str
    label: str
    bytes: int
    flops: int
    rtol: float
    atol: float
    timings: dict[str, Timing]
    unavailable: dict[str, str] = field(default_factory=dict)   # peer -> why

    @property
    def speedup(self) -> float:
        return self.timings["interpreted"].median / self.timings["compiled"].median

    def rate(self, column: str) -> tuple[float, float]:
        """(GB/s, GFLOP/s) achieved by `column` against the workload's compulsory work."""
        seconds = self.timings[column].median
        return self.bytes / seconds / 1e9, self.flops / seconds / 1e9


def _copies(values: list) -> list[np.ndarray]:
    # Compiled plans may hand out their reused buffers: keep what the next call overwrites.
    return [np.array(v, copy=True) for v in values]


def _first_step(runner: Runner) -> list[np.ndarray]:
    return _copies(runner.step()) + _copies(runner.state())


def _compare(name: str, column: str, reference: list[np.ndarray], got: list[np.ndarray],
             inst: Instance, exact_dtype: bool) -> float:
    """The largest absolute difference; raises BenchMismatch when outside tolerance."""
    if len(reference) != len(got):
        raise BenchMismatch(f"{name}: {column} returned {len(got)} results, interpreted "
                            f"{len(reference)}")
    worst = 0.0
    for i, (want, have) in enumerate(zip(reference, got)):
        if want.shape != have.shape or (exact_dtype and want.dtype != have.dtype):
            raise BenchMismatch(
                f"{name}: result {i} of {column} is {have.dtype}{list(have.shape)}, "
                f"interpreted gives {want.dtype}{list(want.shape)}")
        diff = np.abs(have.astype(np.float64) - want.astype(np.float64))
        worst = max(worst, float(np.max(diff[np.isfinite(diff)], initial=0.0)))
        close = np.isclose(have, want, rtol=inst.rtol, atol=inst.atol, equal_nan=True)
        if not close.all():
            bad = int(np.size(close) - np.count_nonzero(close))
            at = np.unravel_index(int(np.argmin(close)), close.shape) if close.ndim else ()
            raise BenchMismatch(
                f"{name}: {column} disagrees with interpreted on result {i} "
                f"({bad} of {close.size} elements outside rtol={inst.rtol:g}, "
                f"atol={inst.atol:g}; at index {tuple(int(j) for j in at)}: "
                f"{have[at]!r} vs {want[at]!r}; max abs diff {worst:.3g})")
    return worst


def _open(factory: Callable[[], Runner]) -> tuple[Runner, list[np.ndarray], float]:
    start = time.perf_counter()
    runner = factory()
    first = _first_step(runner)
    return runner, first, time.perf_counter() - start


def _calls_per_sample(runner: Runner, min_sample_s: float) -> int:
    start = time.perf_counter()
    runner.step()
    once = time.perf_counter() - start
    return max(1, min(100_000, math.ceil(min_sample_s / max(once, 1e-7))))


def run_workload(workload: Workload, size: str, repeat: int, peers: Sequence[str] = (),
                 min_sample_s: float = 0.02,
                 columns: dict[str, Callable[[Instance], Runner]] | None = None,
                 params: dict | None = None) -> WorkloadResult:
    """Checks agreement, then times every column; see the module docstring.

    `params` builds the workload at those keyword arguments instead of at `size` (which
    then only labels the result). `columns` replaces the graphjit executors' runner
    factories (name -> factory of the instance), e.g. to plant a wrong column in a test.
    """
    inst = workload.instance(size) if params is None else workload.build(**params)
    factories: dict[str, Callable[[], Runner]] = {
        name: (lambda make=make: make(inst)) for name, make in (columns or {
            executor: (lambda i, e=executor: graphjit_runner(i, e))
            for executor in EXECUTORS}).items()}
    unavailable: dict[str, str] = {}
    for peer in peers:
        if peer not in PEERS:
            raise ValueError(f"unknown peer {peer!r}: choose from {', '.join(PEERS)}")
        if peer in inst.peers:
            factories[peer] = inst.peers[peer]
        else:
            unavailable[peer] = "no implementation for this workload"
    runners: dict[str, Runner] = {}
    warmups: dict[str, float] = {}
    diffs: dict[str, float] = {}
    reference: list[np.ndarray] | None = None
    for column, factory in factories.items():
        try:
            runner, first, warmup = _open(factory)
        except ImportError as e:
            if column in EXECUTORS:
                raise
            unavailable[column] = f"not importable ({e})"
            continue
        except Exception as e:  # a peer that breaks is a missing column, not a failed run
            if column in EXECUTORS:
                raise
            unavailable[column] = f"failed: {type(e).__name__}: {e}"
            continue
        if reference is None:
            reference = first
        diffs[column] = _compare(workload.name, column, reference, first, inst,
                                 exact_dtype=column in EXECUTORS)
        runners[column], warmups[column] = runner, warmup
    calls = {c: _calls_per_sample(r, min_sample_s) for c, r in runners.items()}
    samples: dict[str, list[float]] = {c: [] for c in runners}
    for _ in range(repeat):
        for column, runner in runners.items():
            step, n = runner.step, calls[column]
            start = time.perf_counter()
            for _ in range(n):
                step()
            samples[column].append((time.perf_counter() - start) / n)
    timings = {c: Timing(samples[c], calls[c], warmups[c], diffs[c]) for c in runners}
    return WorkloadResult(workload, size, inst.label, inst.bytes, inst.flops, inst.rtol,
                          inst.atol, timings, unavailable)


def select(names: str | None) -> list[str]:
    """The workload names of `--workloads a,b` (all, plus the compile line, when None)."""
    everything = [*WORKLOADS, "compile"]
    if not names:
        return everything
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in everything]
    if unknown:
        raise ValueError(f"unknown workload(s) {', '.join(unknown)}: choose from "
                         f"{', '.join(everything)}")
    return list(dict.fromkeys(chosen))
