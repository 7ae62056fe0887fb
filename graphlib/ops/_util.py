"""Small helpers shared by the op modules: output specs, axis handling, tensor conversion.

May import: graphlib core modules (dtypes, shapes, registry, graph).
"""

from __future__ import annotations

from ..graph import Tensor, get_default_graph
from ..registry import Spec


def same(s: Spec) -> Spec:
    return Spec(s.dtype, s.shape)


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
