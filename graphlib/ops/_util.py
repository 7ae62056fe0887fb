"""Small helpers shared by the op modules: output specs, axis handling, tensor conversion.

May import: graphlib core modules (dtypes, shapes, registry, graph).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..graph import Tensor, get_default_graph
from ..registry import Spec
from ..shapes import TensorShape


def same(s: Spec) -> Spec:
    return Spec(s.dtype, s.shape)


def out(dtype, shape) -> Spec:
    return Spec(dtypes.as_dtype(dtype), shape)


def graph_of(*values):
    """The graph of the first Tensor among `values`, else the default graph."""
    for v in values:
        if isinstance(v, Tensor):
            return v.graph
        handle = getattr(v, "_graph_for_ops", None)
        if handle is not None:
            return handle()
    return get_default_graph()


def normalize_axis(axis: int, rank: int, what: str = "axis") -> int:
    if not -rank <= axis < max(rank, 1):
        raise ValueError(f"{what} {axis} is out of bounds for a tensor of rank {rank}; it "
                         f"must be in [{-rank}, {rank})")
    return axis % rank if rank else 0


def normalize_axes(axis, rank: int | None):
    """None -> all axes; int or list -> sorted tuple of non-negative axes (rank known)."""
    if axis is None:
        return None if rank is None else tuple(range(rank))
    if isinstance(axis, (int, np.integer)):
        axis = [int(axis)]
    axis = [int(a) for a in np.asarray(axis).reshape(-1)]
    if rank is None:
        return tuple(axis)
    return tuple(sorted({normalize_axis(a, rank) for a in axis}))


def shape_of(spec: Spec) -> TensorShape:
    return spec.shape
