"""`tf.TensorArray` as a build-time list of tensors.

graphjit unrolls loops at graph-build time (see control_flow.py), so a TensorArray needs no
run-time list: it is a Python value holding one tensor per written index. As in TF, it is
functional: `write`, `unstack` and `scatter` return a new TensorArray and leave the old one
unchanged, so it can be a `while_loop` variable. Indices must be known at build time
(Python ints, or tensors whose value `constant_value` knows, such as an unrolled loop's
counter). Reads of elements never written give zeros when the element shape is known
(TF's TensorList behaviour) and a build-time error otherwise.

May import: graph, dtypes, shapes, ops.core, ops.array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import dtypes
from .graph import Operation, Tensor, constant_value, get_default_graph
from .ops.core import constant, convert_to_tensor, identity, no_op
from .shapes import TensorShape, as_shape


def _static_int(value, what: str) -> int:
    """`value` as a Python int; a tensor must have a value known at build time."""
    if isinstance(value, Tensor):
        known = constant_value(value)
        if known is None:
            raise ValueError(
                f"TensorArray: the {what} {value.name} is only known at run time. graphjit "
                "builds TensorArrays at graph-build time, so indices and sizes must be "
                "Python ints or tensors computable from constants (such as the counter of "
                "a tf.while_loop, which graphjit unrolls).")
        value = known
    array = np.asarray(value)
    if array.ndim != 0 or array.dtype.kind not in "iu":
        raise TypeError(f"TensorArray: the {what} must be an integer scalar, got {value!r}")
    return int(array)


def _static_ints(values, what: str) -> list[int]:
    if isinstance(values, Tensor):
        known = constant_value(values)
        if known is None:
            _static_int(values, what)  # raises the run-time-value error
        values = known
    array = np.asarray(values)
    if array.ndim != 1 or (array.size and array.dtype.kind not in "iu"):
        raise TypeError(f"TensorArray: the {what} must be a vector of integers, got {values!r}")
    return [int(v) for v in array]


class TensorArray:
    """`tf.TensorArray`: a list of same-dtype tensors, written and read at build-time
    indices. `handle` and `flow` (TF's run-time list) are not supported."""

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None):
        if handle is not None or flow is not None:
            raise ValueError("TensorArray: graphjit's TensorArray is a build-time list of "
                             "tensors; handle= and flow= are not supported")
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        if size is None:
            if not self._dynamic_size:
                raise ValueError("TensorArray: size must be given unless dynamic_size=True")
            size = 0
        size = _static_int(size, "size")
        if size < 0:
            raise ValueError(f"TensorArray: size must be >= 0, got {size}")
        self._elements: tuple[Tensor | None, ...] = (None,) * size
        self._element_shape = TensorShape(None) if element_shape is None else \
            as_shape(element_shape)
        self._infer_shape = bool(infer_shape)
        self._graph = get_default_graph()

    # -- properties ---------------------------------------------------------------------
    dtype = property(lambda self: self._dtype)
    dynamic_size = property(lambda self: self._dynamic_size)
    element_shape = property(lambda self: self._element_shape)

    def __repr__(self) -> str:
        written = sum(e is not None for e in self._elements)
        return (f"<gj.TensorArray dtype={self._dtype.name} size={len(self._elements)} "
                f"written={written} element_shape={self._element_shape}>")

    def _replace(self, elements, element_shape) -> TensorArray:
        new = object.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._elements = tuple(elements)
        new._element_shape = element_shape
        return new

    def _graph_for_ops(self):
        return self._graph

    # -- writing ------------------------------------------------------------------------
    def _checked_value(self, value, shape: TensorShape, what: str) -> tuple[Tensor,
                                                                           TensorShape]:
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        if value.dtype != self._dtype:
            raise TypeError(f"TensorArray: {what} has dtype {value.dtype.name}, but the "
                            f"TensorArray holds {self._dtype.name}")
        if self._infer_shape:
            if not value.shape.is_compatible_with(shape):
                raise ValueError(f"TensorArray: inconsistent shapes: {what} has shape "
                                 f"{value.shape} but the elements have shape {shape}")
            shape = shape.merge_with(value.shape)
        return value, shape

    def _written(self, updates: Sequence[tuple[int, Tensor]]) -> TensorArray:
        elements = list(self._elements)
        shape = self._element_shape
        for index, value in updates:
            if index < 0:
                raise ValueError(f"TensorArray: index {index} is negative")
            if index >= len(elements):
                if not self._dynamic_size:
                    raise ValueError(
                        f"TensorArray: cannot write index {index}: the array is not "
                        f"resizeable (dynamic_size=False) and its size is {len(elements)}")
                elements.extend([None] * (index + 1 - len(elements)))
            value, shape = self._checked_value(value, shape, f"the value for index {index}")
            elements[index] = value
        return self._replace(elements, shape)

    def write(self, index, value, name=None) -> TensorArray:
        """A TensorArray with `value` at `index` (an earlier value there is replaced)."""
        return self._written([(_static_int(index, "index"), value)])

    def unstack(self, value, name=None) -> TensorArray:
        """A TensorArray whose elements are the slices of `value` along axis 0."""
        from .ops.array import unstack

        value = convert_to_tensor(value, dtype_hint=self._dtype)
        n = value.shape[0] if value.shape.rank else None
        if n is None:
            raise ValueError(f"TensorArray.unstack: the first dimension of {value.name} "
                             f"(shape {value.shape}) must be known at build time")
        if not self._dynamic_size and self._elements and n != len(self._elements):
            raise ValueError(f"TensorArray.unstack: the value has {n} rows but the array's "
                             f"size is {len(self._elements)}")
        empty = self._replace((None,) * n, self._element_shape)
        with value.graph.name_scope(name or "TensorArrayUnstack"):
            parts = unstack(value, num=n, name="TensorListFromTensor") if n else []
        return empty._written(list(enumerate(parts)))

    def scatter(self, indices, value, name=None) -> TensorArray:
        """A TensorArray with row i of `value` written at `indices[i]`."""
        from .ops.array import unstack

        positions = _static_ints(indices, "indices")
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        parts = unstack(value, num=len(positions), name=name or "TensorArrayScatter") \
            if positions else []
        return self._written(list(zip(positions, parts)))

    def split(self, value, lengths, name=None) -> TensorArray:
        """A TensorArray whose elements are consecutive pieces of `value` along axis 0,
        `lengths[i]` rows each."""
        from .ops.array import split

        sizes = _static_ints(lengths, "lengths")
        value = convert_to_tensor(value, dtype_hint=self._dtype)
        parts = split(value, sizes, axis=0, name=name or "TensorArraySplit") if sizes else []
        empty = self._replace((None,) * len(sizes), TensorShape(None))
        return empty._written(list(enumerate(parts)))

    # -- reading ------------------------------------------------------------------------
    def _element(self, index: int) -> Tensor:
        if not 0 <= index < len(self._elements):
            raise ValueError(f"TensorArray: index {index} is out of range for an array of "
                             f"size {len(self._elements)}")
        value = self._elements[index]
        if value is not None:
            return value
        if not self._element_shape.is_fully_defined():
            raise ValueError(f"TensorArray: element {index} is read before it is written, "
                             f"and the element shape {self._element_shape} is not fully "
                             "known, so its zeros cannot be made")
        shape = self._element_shape.as_list()
        return constant(np.zeros(shape, self._dtype.np), name="TensorArrayZeros")

    def read(self, index, name=None) -> Tensor:
        """The element at `index`."""
        value = self._element(_static_int(index, "index"))
        return identity(value, name=name or "TensorArrayV2Read")

    def _stacked(self, indices: list[int], name: str) -> Tensor:
        from .ops.array import stack

        if not indices:
            if not self._element_shape.is_fully_defined():
                raise ValueError("TensorArray: stacking an empty array needs a fully known "
                                 f"element_shape, got {self._element_shape}")
            shape = [0, *self._element_shape.as_list()]
            return constant(np.zeros(shape, self._dtype.np), name=name)
        with self._graph.name_scope(name):
            return stack([self._element(i) for i in indices], name="TensorListStack")

    def stack(self, name=None) -> Tensor:
        """The elements stacked along a new axis 0."""
        return self._stacked(list(range(len(self._elements))), name or "TensorArrayV2Stack")

    def gather(self, indices, element_shape=None, name=None) -> Tensor:
        """The elements at `indices`, stacked along a new axis 0."""
        return self._stacked(_static_ints(indices, "indices"), name or "TensorArrayGather")

    def concat(self, name=None) -> Tensor:
        """The elements joined along their axis 0."""
        from .ops.array import concat

        if not self._elements:
            if self._element_shape.rank is None or \
                    not TensorShape(self._element_shape[1:]).is_fully_defined():
                raise ValueError("TensorArray: concatenating an empty array needs an "
                                 "element_shape known beyond its first dimension")
            shape = [0, *self._element_shape.as_list()[1:]]
            return constant(np.zeros(shape, self._dtype.np), name=name or "TensorArrayConcat")
        values = [self._element(i) for i in range(len(self._elements))]
        return concat(values, 0, name=name or "TensorArrayConcat")

    def size(self, name=None) -> Tensor:
        """The number of elements, an int32 constant."""
        return constant(len(self._elements), dtype=dtypes.int32, name=name or "Const")

    # -- plumbing -----------------------------------------------------------------------
    def identity(self) -> TensorArray:
        return self._replace(self._elements, self._element_shape)

    def close(self, name=None) -> Operation:
        """Does nothing (there is no run-time resource to free); an Operation, as in TF."""
        return no_op(name=name or "TensorArrayClose")


__all__ = ["TensorArray"]
