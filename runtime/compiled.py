"""The compiled executor: one optimized, lowered plan per run signature.

`prepare(fetches, targets, fed, feed_values)` builds the shape-specialized program for the
fed values' shapes, runs the pass pipeline and lowers it (`compiler.compile_program`); the
Session caches the returned plan per (fetches, targets, feeds, shapes, dtypes), so a
second run with the same signature does no compiler work and a new batch size makes a
new plan. A graph whose shapes depend on run-time values (`compiler.NotSpecializable`,
e.g. a reshape to a fed shape tensor) runs on the interpreted plan instead.

May import: graphjit.graphlib, graphjit.compiler, runtime.*.
"""

from __future__ import annotations

from ..compiler import NotSpecializable, compile_program
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
            return InterpretedPlan(fetches, targets, fed)
