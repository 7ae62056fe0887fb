"""The compiled executor: one optimized, lowered plan per run signature.

`prepare(fetches, targets, fed, feed_values)` builds the shape-specialized program for the
fed values' shapes, runs the pass pipeline and lowers it (`compiler.compile_program`); the
Session caches the returned plan per (fetches, targets, feeds, shapes, dtypes), so a
second run with the same signature does no compiler work and a new batch size makes a
new plan. A graph whose shapes depend on run-time values (`compiler.NotSpecializable`,
e.g. a reshape to a fed shape tensor) runs on the interpreted plan instead (in a CUDA
session, after copying device-written variables to the host).

May import: graphjit.graphlib, graphjit.compiler, runtime.*.
"""

from __future__ import annotations

from ..compiler import NotSpecializable, compile_program
from ..compiler.lowering import cuda_state
from .interpreter import InterpretedPlan


class CompiledExecutor:
    name = "compiled"

    def __init__(self, device: str = "cpu", fast_math: bool = False):
        self.device = device
        self.fast_math = fast_math

    def prepare(self, fetches, targets, fed, feed_values):
        try:
            return compile_program(fetches, targets, fed, [v.shape for v in feed_values],
                                   device=self.device, fast_math=self.fast_math)
        except NotSpecializable:
            plan = InterpretedPlan(fetches, targets, fed)
            return plan if self.device == "cpu" else _HostPlan(plan)


class _HostPlan:
    """An interpreted plan in a CUDA session: variables that CUDA plans wrote live on the
    device, their host arrays stale, so they are copied to the host before it runs."""

    def __init__(self, plan: InterpretedPlan):
        self.plan = plan

    def run(self, ctx, feed_values):
        cuda_state.sync_to_host(ctx.store)
        return self.plan.run(ctx, feed_values)
