"""The op registry: one `OpDef` per op type holds every rule about that op.

An OpDef carries the op's shape/dtype rule (`infer`), its NumPy reference kernel
(`reference`, the living definition used by the interpreter and by constant folding),
its gradient (or the reason it has none) and what the code generators need to lower it
(`kind`, and `scalar` for elementwise ops). Graph building, gradients, the interpreter and
the compiler all read these records; none of them has per-op code.

May import: dtypes, shapes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .dtypes import DType
from .shapes import as_shape


class Spec:
    """What is statically known about a tensor: dtype, shape and, if constant, its value."""

    __slots__ = ("dtype", "shape", "_const", "_const_fn")

    def __init__(self, dtype: DType, shape, const=None, const_fn=None):
        self.dtype = dtype
        self.shape = as_shape(shape)
        self._const = const
        self._const_fn = const_fn

    @property
    def const(self):
        """The tensor's value when it is known at build time, else None."""
        if self._const is None and self._const_fn is not None:
            self._const = self._const_fn()
            self._const_fn = None
        return self._const

    def __repr__(self) -> str:
        return f"Spec({self.dtype.name}, {self.shape})"


InferFn = Callable[..., "Spec | Sequence[Spec]"]


@dataclass(frozen=True)
class OpDef:
    """Every rule about one op type.

    infer(*input_specs, **attrs) -> Spec or list of Specs (one per output); raises
        ValueError/TypeError for inputs that cannot fit.
    reference(*arrays, **attrs) -> array or tuple of arrays; with `uses_context`, the run
        context (variables, random state) is passed first.
    gradient(op, *output_grads) -> one gradient (Tensor or None) per input.
    no_gradient: why the op has no gradient (integer/boolean results, random, state).
    stateful: its result depends on, or it changes, state outside its inputs, so it is
        never folded, merged or reordered; `side_effects=False` marks the stateful ops that
        only read (a variable read), which may be dropped when unused or run speculatively.
    kind: the lowering family: "elementwise", "reduction", "opaque", "leaf", "state", ...
    scalar: for elementwise ops, the scalar expression with `{0}`, `{1}`... for inputs.
    """

    name: str
    infer: InferFn
    reference: Callable[..., Any]
    gradient: Callable[..., Sequence[Any]] | None = None
    no_gradient: str | None = None
    stateful: bool = False
    side_effects: bool = True
    uses_context: bool = False
    kind: str = "opaque"
    scalar: str | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict)
    doc: str = ""

    def __post_init__(self):
        if self.gradient is None and not self.no_gradient:
            raise ValueError(f"OpDef {self.name!r} needs a gradient or a no_gradient reason")


_REGISTRY: dict[str, OpDef] = {}
_DEFINED_AT: dict[str, str] = {}


def register(opdef: OpDef) -> OpDef:
    """Adds an op; a second registration of the same name fails and names the first."""
    import sys

    frame = sys._getframe(1)
    where = f"{frame.f_code.co_filename}:{frame.f_lineno}"
    if opdef.name in _REGISTRY:
        raise ValueError(f"Op {opdef.name!r} is already registered at {_DEFINED_AT[opdef.name]}")
    _REGISTRY[opdef.name] = opdef
    _DEFINED_AT[opdef.name] = where
    return opdef


def get(name: str) -> OpDef:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"No op named {name!r} is registered") from None


def all_ops() -> dict[str, OpDef]:
    return dict(_REGISTRY)


def infer_outputs(opdef: OpDef, specs: Sequence[Spec], attrs: Mapping) -> list[Spec]:
    out = opdef.infer(*specs, **attrs)
    if isinstance(out, Spec):
        return [out]
    return list(out)


def run_reference(opdef: OpDef, arrays: Sequence[np.ndarray], attrs: Mapping, context=None
                  ) -> tuple:
    """Runs the reference kernel and returns a tuple of outputs."""
    if opdef.uses_context:
        out = opdef.reference(context, *arrays, **attrs)
    else:
        out = opdef.reference(*arrays, **attrs)
    if isinstance(out, tuple):
        return out
    if isinstance(out, list):
        return tuple(out)
    return (out,)


def run_checked(opdef: OpDef, arrays: Sequence, attrs: Mapping, context, output_dtypes,
                op) -> tuple:
    """Runs a reference kernel as every executor does: outputs converted to the declared
    dtypes, and failures turned into OpErrors that name `op` (the user's Operation)."""
    from . import errors

    try:
        with np.errstate(all="ignore"):
            outs = run_reference(opdef, arrays, attrs, context)
    except errors.OpError as e:
        if e.op is None:
            raise type(e)(e.node_def, op, e.message) from None
        raise
    except (LookupError, ValueError, TypeError, ZeroDivisionError, OverflowError) as e:
        raise errors.InvalidArgumentError(None, op, f"{opdef.name} failed: {e}") from e
    except MemoryError as e:
        raise errors.ResourceExhaustedError(None, op, f"{opdef.name}: out of memory") from e
    results = []
    for dtype, out in zip(output_dtypes, outs):
        if dtype.np is None:  # a resource handle passes through unchanged
            results.append(out)
            continue
        array = np.asarray(out)
        if array.dtype != dtype.np:
            array = array.astype(dtype.np)
        results.append(array)
    return tuple(results)


__all__ = ["OpDef", "Spec", "register", "get", "all_ops", "infer_outputs", "run_reference",
           "run_checked"]
