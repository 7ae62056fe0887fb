"""The pass pipeline: the ordered list of passes and the pass manager that runs them.

`PASSES` is the whole optimization pipeline, top to bottom:

1. fold_constants: constants and static shapes are evaluated first, so the rules below
   see constants (`x * 1` after `1` was computed from `ones_like` of a static shape);
2. simplify_algebra: local rules drop identities and no-op shape changes, which exposes
   duplicates (`identity(x) * 2` and `x * 2` become the same expression);
3. eliminate_common_subexpressions: merge those duplicates;
4. eliminate_dead_nodes: to drop what the others made unreachable (folded inputs,
   replaced nodes, unused variable reads);
5. fuse_elementwise: groups elementwise chains (and a reduction with its producers) into
   "fused" kernel nodes, on the final set of nodes;
6. plan_memory: last, since its result carries the buffer plan (liveness-based reuse).

`optimize(program)` runs them and returns the program with one `PassRecord` per pass:
node counts before/after, time, the pass's `PassLog` (what it folded, merged, removed or
rewrote, with counts), and, when asked with `dump_after`, the program text after it.
With `verify=True` (default: the environment variable GRAPHJIT_VERIFY set to 1), the
verifier checks the program before the first pass and after every pass, including that
no pass reordered stateful nodes.

May import: graphjit.graphlib, compiler.program, compiler.passes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

from .passes import PassLog
from .passes.eliminate_common_subexpressions import eliminate_common_subexpressions
from .passes.eliminate_dead_nodes import eliminate_dead_nodes
from .passes.fold_constants import fold_constants
from .passes.fuse_elementwise import fuse_elementwise
from .passes.plan_memory import plan_memory
from .passes.simplify_algebra import simplify_algebra
from .passes.verify import verify as verify_program
from .program import Program


@dataclass(frozen=True)
class Options:
    """What the passes may be told: `fast_math` allows inexact algebraic rules."""

    fast_math: bool = False


PassFn = Callable[[Program, PassLog, Options], Program]

GRAPH_PASSES: tuple[tuple[str, PassFn], ...] = (
    ("fold_constants", lambda p, log, o: fold_constants(p, log)),
    ("simplify_algebra", lambda p, log, o: simplify_algebra(p, log, fast_math=o.fast_math)),
    ("eliminate_common_subexpressions",
     lambda p, log, o: eliminate_common_subexpressions(p, log)),
    ("eliminate_dead_nodes", lambda p, log, o: eliminate_dead_nodes(p, log)),
)
KERNEL_PASSES: tuple[tuple[str, PassFn], ...] = (
    ("fuse_elementwise", lambda p, log, o: fuse_elementwise(p, log)),
    ("plan_memory", lambda p, log, o: plan_memory(p, log)),
)
PASSES = GRAPH_PASSES + KERNEL_PASSES


@dataclass
class PassRecord:
    """What one pass did to the program."""

    name: str
    nodes_before: int
    nodes_after: int
    seconds: float
    log: PassLog
    dump: str | None = None

    def summary(self) -> str:
        return (f"{self.name}: {self.nodes_before} -> {self.nodes_after} nodes; "
                f"{self.log.summary()} ({self.seconds * 1e3:.2f} ms)")


def _verify_default() -> bool:
    return os.environ.get("GRAPHJIT_VERIFY", "") not in ("", "0")


def optimize(program: Program, *, fast_math: bool = False, verify: bool | None = None,
             dump_after: Collection[str] | str = (),
             passes: tuple[tuple[str, PassFn], ...] = PASSES
             ) -> tuple[Program, list[PassRecord]]:
    """Runs `passes` in order; `dump_after` names passes (or "all") whose output to keep
    as text in their record."""
    verify = _verify_default() if verify is None else verify
    options = Options(fast_math=fast_math)
    if verify:
        verify_program(program)
    records = []
    for name, run in passes:
        log = PassLog()
        start = time.perf_counter()
        result = run(program, log, options)
        seconds = time.perf_counter() - start
        if verify:
            verify_program(result, reference=program)
        dump = result.text() if dump_after == "all" or name in dump_after else None
        records.append(PassRecord(name, len(program), len(result), seconds, log, dump))
        program = result
    return program, records


__all__ = ["PASSES", "Options", "PassRecord", "optimize"]
