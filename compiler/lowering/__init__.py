"""Lowering: Program -> Executable, the only door from the optimized IR to running code.

`lower(program, device="cpu")` returns an `Executable`: `run(ctx, feed_values)` takes the
run context (variables, random state) and the feed arrays in `program.inputs` order and
returns the fetched arrays in `program.outputs` order; `describe()` returns text for the
plan (generated kernel source, fused kernels).

Dispatch: device "cpu" uses `lowering.cpu.lower_cpu` (the Numba backend), device "cuda"
`lowering.cuda.lower_cuda`. `lowering.reference.ReferenceExecutable` runs each node's
NumPy reference kernel, as the interpreter does: the baseline that backends fall back to
per node and that tests compare against.

May import: graphjit.graphlib, compiler.program, compiler.lowering.*.
"""

from __future__ import annotations

import importlib
from typing import Protocol

from ..program import Program
from .reference import ReferenceExecutable

_BACKENDS = {"cpu": ("cpu", "lower_cpu"), "cuda": ("cuda", "lower_cuda")}


class Executable(Protocol):
    def run(self, ctx, feed_values) -> list: ...

    def describe(self) -> str: ...


def lower(program: Program, device: str = "cpu") -> Executable:
    """The Executable for `program` on `device` (see the module docstring)."""
    if device not in _BACKENDS:
        raise ValueError(f"Unknown device {device!r}: use 'cpu' or 'cuda'")
    module_name, function = _BACKENDS[device]
    # imported on first use: the CUDA backend pulls in numba.cuda, which CPU plans never need
    module = importlib.import_module(f"{__name__}.{module_name}")
    return getattr(module, function)(program)


__all__ = ["lower", "Executable", "ReferenceExecutable"]
