"""The compiler's passes: one module per pass, each with one entry point
`program -> program` (plus an optional `PassLog` to record what it did).

- fold_constants: evaluate pure subgraphs whose inputs are constants or static shapes;
- simplify_algebra: a table of small, documented, IEEE-exact pattern rules;
- eliminate_common_subexpressions: compute equal pure nodes once;
- eliminate_dead_nodes: drop what no fetch, target or side effect needs;
- verify: the IR invariants, run between passes in tests and debug mode.

The order they run in is `compiler.pipeline.PASSES`. Passes do not import each other or
the lowering.

May import: graphjit.graphlib, compiler.program.
"""

from __future__ import annotations

from collections import Counter


class PassLog:
    """What one pass did: counts per kind ("folded", "merged", "removed", "rewritten",
    ...) and one line of detail per event, in program order."""

    def __init__(self):
        self.counts: Counter = Counter()
        self.lines: list[str] = []

    def record(self, kind: str, detail: str, count: int = 1) -> None:
        self.counts[kind] += count
        self.lines.append(f"{kind}: {detail}")

    def count(self, kind: str, count: int = 1) -> None:
        """Counts without a detail line (totals such as bytes of folded constants)."""
        self.counts[kind] += count

    def summary(self) -> str:
        return ", ".join(f"{kind} {n}" for kind, n in self.counts.items()) or "no change"


__all__ = ["PassLog"]
