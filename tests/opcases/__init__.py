"""The table of op cases: every op family lists `CASES` in tests/opcases/<family>.py.

A Case builds a small graph with `build(tf, *inputs)`, where `tf` is graphjit (or
TensorFlow's compat.v1 when it is the oracle) and the inputs are placeholders of the
given arrays' shapes and dtypes. `expect(*arrays)` is an independent NumPy computation.
One table feeds the value check, the compiled-vs-interpreted check, the float64
finite-difference gradient check and the TensorFlow comparison.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Case:
    name: str
    build: Callable
    inputs: Sequence[np.ndarray]
    expect: Callable | None = None
    grad: bool = True              # finite-difference check w.r.t. the float inputs
    grad2: bool = False            # also check second-order gradients
    rtol: float = 1e-5
    atol: float = 1e-6
    grad_tol: float = 1e-5         # float64 finite differences, relative + absolute
    tf: bool = True                # compare against TensorFlow when it is importable
    fd_eps: float = 1e-6
    random: bool = False           # output is random: check shapes/dtypes/statistics only
    notes: str = ""
    extra: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Case({self.name})"


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def f32(*shape, seed=0, low=-2.0, high=2.0) -> np.ndarray:
    return rng(seed).uniform(low, high, size=shape).astype(np.float32)


def f64(*shape, seed=0, low=-2.0, high=2.0) -> np.ndarray:
    return rng(seed).uniform(low, high, size=shape).astype(np.float64)


def pos32(*shape, seed=0, low=0.5, high=2.0) -> np.ndarray:
    return f32(*shape, seed=seed, low=low, high=high)


def i32(*shape, seed=0, low=-5, high=5) -> np.ndarray:
    return rng(seed).integers(low, high, size=shape).astype(np.int32)


def i64(*shape, seed=0, low=-5, high=5) -> np.ndarray:
    return rng(seed).integers(low, high, size=shape).astype(np.int64)


def bools(*shape, seed=0) -> np.ndarray:
    return rng(seed).random(size=shape) < 0.5


def all_cases() -> list[Case]:
    cases = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        cases.extend(getattr(module, "CASES", []))
    return cases
