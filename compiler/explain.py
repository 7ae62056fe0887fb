"""Plans: compile (build, optimize, lower) one run signature and explain it as text.

`compile(fetches, feeds=None, ...)` is `gj.compile`: it returns a `Plan` whose `str()`
is the explain text: the signature, the node counts of the raw and optimized programs,
what each pass did (folded, merged, removed, rewritten, with counts and one line per
event), the optimized program (one line per node: value, shape, dtype, op, inputs,
attrs, user op name and line) and the lowering's `describe()` (generated kernels).
`compile_program` is the same for the Session's (fetches, targets, fed, shapes) form,
and `compile_plan_text` serves `Session.explain`. A Plan also runs:
`plan.run(ctx, feed_values)`.

May import: graphjit.graphlib, compiler.*.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np

from ..graphlib.graph import Operation, Tensor, flatten_nested
from .build import build_program
from .lowering import lower
from .pipeline import PassRecord, optimize
from .program import Program


class Plan:
    """One compiled run signature: the raw and optimized programs, what each pass did,
    and the executable."""

    def __init__(self, raw: Program, program: Program, records: list[PassRecord],
                 executable, device: str):
        self.raw = raw
        self.program = program
        self.records = records
        self.executable = executable
        self.device = device
        # `plan.run(ctx, feed_values)` returns the fetched arrays; bound directly, since
        # a tiny plan's whole run is a few microseconds.
        self.run = executable.run

    def counts(self) -> dict[str, int]:
        """Totals over all passes: nodes folded, merged, removed, rewritten, ..."""
        total: dict[str, int] = {}
        for record in self.records:
            for kind, n in record.log.counts.items():
                total[kind] = total.get(kind, 0) + n
        return total

    def text(self) -> str:
        raw, program = self.raw, self.program
        lines = [f"plan for {_signature(raw)} (device {self.device})",
                 f"nodes: {len(raw)} built -> {len(program)} after optimization", "",
                 "passes:"]
        for record in self.records:
            lines.append("  " + record.summary())
            lines.extend("    " + line for line in record.log.lines)
            if record.dump is not None:
                lines.append(f"    program after {record.name}:")
                lines.extend("      " + line for line in record.dump.splitlines())
        lines += ["", "program:"]
        lines.extend("  " + line for line in program.text().splitlines())
        lines += ["", self.executable.describe()]
        return "\n".join(lines)

    __str__ = text

    def __repr__(self) -> str:
        return f"<Plan {len(self.raw)} -> {len(self.program)} nodes on {self.device}>"


def _signature(program: Program) -> str:
    parts = []
    if program.output_names:
        parts.append("fetch " + ", ".join(program.output_names))
    if program.target_names:
        parts.append("run " + ", ".join(program.target_names))
    if program.inputs:
        parts.append("feed " + ", ".join(
            f"{name} {v.dtype.short}[{','.join(map(str, v.shape))}]"
            for name, v in zip(program.input_names, program.inputs)))
    return "; ".join(parts) or "nothing"


def compile_program(fetches: Sequence[Tensor], targets: Sequence[Operation] = (),
                    fed: Sequence[Tensor] = (), feed_shapes: Sequence[Sequence[int]] = (),
                    *, device: str = "cpu", fast_math: bool = False,
                    verify: bool | None = None, dump_after: Collection[str] | str = ()
                    ) -> Plan:
    """Builds, optimizes and lowers the program for one run signature."""
    raw = build_program(fetches, targets, fed, feed_shapes)
    program, records = optimize(raw, fast_math=fast_math, verify=verify,
                                dump_after=dump_after)
    return Plan(raw, program, records, lower(program, device), device)


def _split_fetches(leaves) -> tuple[list[Tensor], list[Operation]]:
    tensors: list[Tensor] = []
    ops: list[Operation] = []
    for leaf in leaves:
        if isinstance(leaf, Operation):
            if leaf not in ops:
                ops.append(leaf)
        elif isinstance(leaf, Tensor):
            if leaf not in tensors:
                tensors.append(leaf)
        else:
            raise TypeError(f"Cannot compile a fetch of type {type(leaf).__name__}: expected "
                            "a Tensor or an Operation")
    return tensors, ops


def _resolve(graph, item):
    if isinstance(item, str):
        return graph.as_graph_element(item)
    element = getattr(item, "_as_graph_element", None)
    return element() if element is not None else item


def compile(fetches, feeds: Mapping | None = None, *, device: str = "cpu",  # noqa: A001
            fast_math: bool = False, verify: bool | None = None,
            dump_after: Collection[str] | str = ()) -> Plan:
    """`gj.compile`: the optimized plan for `fetches` (a Tensor, an Operation, a name or a
    list/tuple of them) given `feeds` ({tensor or name: value}, values fix the shapes).
    `str(plan)` explains it; `dump_after=["fold_constants"]` or "all" adds the program
    text after those passes."""
    leaves = flatten_nested(fetches)
    graph = None
    for leaf in leaves:
        if isinstance(leaf, Tensor | Operation):
            graph = leaf.graph
            break
    if graph is None:
        from ..graphlib.graph import get_default_graph
        graph = get_default_graph()
    tensors, ops = _split_fetches([_resolve(graph, leaf) for leaf in leaves])
    fed, shapes = [], []
    for key, value in (feeds or {}).items():
        tensor = _resolve(graph, key)
        if isinstance(tensor, Operation):
            tensor = tensor.outputs[0]
        fed.append(tensor)
        shapes.append(np.shape(np.asarray(value, dtype=tensor.dtype.np)))
    return compile_program(tensors, ops, fed, shapes, device=device, fast_math=fast_math,
                           verify=verify, dump_after=dump_after)


def compile_plan_text(fetch_leaves, feeds: Mapping, device: str = "cpu") -> str:
    """`Session.explain`: the plan text for fetch leaves and converted feeds."""
    tensors, ops = _split_fetches(fetch_leaves)
    fed = list(feeds)
    return compile_program(tensors, ops, fed, [np.shape(feeds[t]) for t in fed],
                           device=device).text()


__all__ = ["Plan", "compile", "compile_program", "compile_plan_text"]
