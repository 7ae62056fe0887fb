"""Numba CPU kernels for the windowed ops: conv2d, its two gradients, and pooling.

`lower(node, program, out)` returns (run, label, kernel) for a node the CPU backend
should run on a generated kernel here, or None to keep its reference kernel. `out(value)`
gives the preallocated (or fresh) output array of a value (CpuExecutable._out).

May import: numpy, numba, graphjit.graphlib, compiler.program, compiler.kernel_cache.
"""

from __future__ import annotations

from ..program import Node, Program

OPS: frozenset[str] = frozenset()


def lower(node: Node, program: Program, out):
    return None
