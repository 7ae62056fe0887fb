"""Lowering: Program -> Executable, the only door from the optimized IR to running code.

`lower(program, device="cpu")` returns an `Executable`: `run(ctx, feed_values)` takes the
run context (variables, random state) and the feed arrays in `program.inputs` order and
returns the fetched arrays in `program.outputs` order; `describe()` returns text for the
plan (generated kernel source, fused kernels).

Dispatch: device "cpu" uses `lowering.cpu.lower_cpu` (the Numba backend) when that module
exists, and otherwise `lowering.reference` (each node's NumPy reference kernel, as the
interpreter runs them); device "cuda" likewise uses `lowering.cuda.lower_cuda` when it
exists. A backend that exists but fails to import is an error, never a silent fallback.

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


def _backend(device: str):
    if device not in _BACKENDS:
        raise ValueError(f"Unknown device {device!r}: use 'cpu' or 'cuda'")
    module_name, function = _BACKENDS[device]
    qualified = f"{__name__}.{module_name}"
    try:
        module = importlib.import_module(qualified)
    except ModuleNotFoundError as e:
        if e.name != qualified:
            raise
        return None
    return getattr(module, function)


def lower(program: Program, device: str = "cpu") -> Executable:
    """The Executable for `program` on `device` (see the module docstring)."""
    backend = _backend(device)
    if backend is None:
        return ReferenceExecutable(program, note=f"no {device} backend: reference kernels")
    return backend(program)


__all__ = ["lower", "Executable", "ReferenceExecutable"]
