"""Op family 'random': random tensors and the graph-level seed, after TF1's random_ops.

Primitives (kind "random", stateful, they read the run context): `random_standard_normal`,
`random_uniform` (in [0, 1)), `random_uniform_int`, `truncated_normal` (standard normal,
values beyond 2 redrawn) and `random_shuffle`. Each draws from
`ctx.random_generator(key, seeds)`, one generator per op (the `key` attr is the op's name)
living as long as the Session: successive runs differ, and the same seeds give the same
sequence in a new Session. The public builders scale and shift the standard draws with
math ops exactly as TF does (so `random_normal:0` is an add and gradients flow to `mean`
and `stddev`). Random values do not reproduce TensorFlow's bits.

Seeds follow TF's `get_seed`: graph seed and op seed both None -> nondeterministic
(seeds (0, 0)); graph seed set -> the op seed defaults to a per-graph counter; only the op
seed set -> the graph seed defaults to 87654321.

May import: graphlib core modules and the sibling op module math (looked up at call time).
"""

from __future__ import annotations

import numpy as np

from .. import dtypes, errors
from ..graph import Tensor, get_default_graph
from ..registry import OpDef, Spec, register
from ..shapes import TensorShape
from . import math as math_ops
from .core import constant, convert_to_tensor

_DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2**31 - 1


def get_seed(op_seed) -> tuple[int, int]:
    """`tf.get_seed`: the (seed, seed2) pair an op uses, from the graph and op seeds."""
    graph = get_default_graph()
    global_seed = graph.seed
    if global_seed is not None:
        if op_seed is None:
            # TF derives it from the graph's op count; a counter of random ops gives the
            # same property (a graph built the same way draws the same values) more stably.
            graph._last_random_seed += 1
            op_seed = graph._last_random_seed
        seeds = (int(global_seed) % _MAXINT32, int(op_seed) % _MAXINT32)
        # (0, 0) means "nondeterministic" to the kernels.
        return (0, _MAXINT32) if seeds == (0, 0) else seeds
    if op_seed is not None:
        return _DEFAULT_GRAPH_SEED, int(op_seed) % _MAXINT32
    return 0, 0


def set_random_seed(seed) -> None:
    """`tf.set_random_seed`: the graph-level seed of the default graph."""
    get_default_graph().seed = seed


def _generator(ctx, key: str, seed: int, seed2: int) -> np.random.Generator:
    return ctx.random_generator(key, None if (seed, seed2) == (0, 0) else (seed, seed2))


def _static_shape(shape: Spec) -> TensorShape:
    if shape.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"shape must be an int32 or int64 tensor, got {shape.dtype.name}")
    if shape.shape.rank not in (None, 1):
        raise ValueError(f"shape must be a vector, got a tensor of shape {shape.shape}")
    value = shape.const
    if value is not None:
        dims = [int(d) for d in np.asarray(value).reshape(-1)]
        if any(d < 0 for d in dims):
            raise ValueError(f"shape {dims} has a negative dimension")
        return TensorShape(dims)
    if shape.shape.rank == 1 and shape.shape[0] is not None:
        return TensorShape([None] * shape.shape[0])
    return TensorShape(None)


def _dims(shape: np.ndarray) -> tuple[int, ...]:
    dims = tuple(int(d) for d in np.asarray(shape).reshape(-1))
    if any(d < 0 for d in dims):
        raise ValueError(f"shape {list(dims)} has a negative dimension")
    return dims


def _float_draw_infer(shape: Spec, *, dtype, seed, seed2, key) -> Spec:
    if not dtype.is_floating:
        raise TypeError(f"random floats need a floating dtype, got {dtype.name}")
    return Spec(dtype, _static_shape(shape))


def _standard_normal(ctx, shape, *, dtype, seed, seed2, key):
    rng = _generator(ctx, key, seed, seed2)
    return rng.standard_normal(_dims(shape), dtype=dtype.np)


def _unit_uniform(ctx, shape, *, dtype, seed, seed2, key):
    rng = _generator(ctx, key, seed, seed2)
    return rng.random(_dims(shape), dtype=dtype.np)


def _truncated_standard_normal(ctx, shape, *, dtype, seed, seed2, key):
    rng = _generator(ctx, key, seed, seed2)
    values = rng.standard_normal(_dims(shape), dtype=dtype.np)
    outside = np.abs(values) > 2
    while np.any(outside):
        values[outside] = rng.standard_normal(int(outside.sum()), dtype=dtype.np)
        outside = np.abs(values) > 2
    return values


def _uniform_int_infer(shape: Spec, minval: Spec, maxval: Spec, *, dtype, seed, seed2, key
                       ) -> Spec:
    if dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"random_uniform_int needs int32 or int64, got {dtype.name}")
    for what, s in (("minval", minval), ("maxval", maxval)):
        if s.dtype != dtype:
            raise TypeError(f"{what} has dtype {s.dtype.name}, expected {dtype.name}")
        if s.shape.rank not in (None, 0):
            raise ValueError(f"{what} must be a scalar, got shape {s.shape}")
    return Spec(dtype, _static_shape(shape))


def _uniform_int(ctx, shape, minval, maxval, *, dtype, seed, seed2, key):
    if not minval < maxval:
        raise errors.InvalidArgumentError(
            None, None, f"Need minval < maxval: {minval} >= {maxval}")
    rng = _generator(ctx, key, seed, seed2)
    return rng.integers(minval, maxval, size=_dims(shape), dtype=dtype.np)


_RANDOM = dict(stateful=True, uses_context=True, kind="random",
               no_gradient="random draws do not depend differentiably on their inputs")

register(OpDef(
    name="random_standard_normal", infer=_float_draw_infer, reference=_standard_normal,
    doc="Standard normal draws of the given shape.", **_RANDOM))

register(OpDef(
    name="random_uniform", infer=_float_draw_infer, reference=_unit_uniform,
    doc="Uniform draws in [0, 1) of the given shape (TF's RandomUniform op; the public "
        "builder scales them).", **_RANDOM))

register(OpDef(
    name="truncated_normal", infer=_float_draw_infer, reference=_truncated_standard_normal,
    doc="Standard normal draws, each beyond 2 redrawn (TF's TruncatedNormal op; the public "
        "builder scales them).", **_RANDOM))

register(OpDef(
    name="random_uniform_int", infer=_uniform_int_infer, reference=_uniform_int,
    doc="Integers uniform in [minval, maxval); minval >= maxval is InvalidArgumentError "
        "at run time.", **_RANDOM))

register(OpDef(
    name="random_shuffle",
    infer=lambda value, *, seed, seed2, key: Spec(value.dtype, value.shape),
    reference=lambda ctx, value, *, seed, seed2, key: (
        value.copy() if value.ndim == 0 else _generator(ctx, key, seed, seed2).permutation(value)),
    doc="The input with its first dimension randomly permuted.", **_RANDOM))


def _random_op(op_type: str, inputs: list[Tensor], attrs: dict, seed, name: str) -> Tensor:
    """Creates a random op named `name` (exactly, when it ends in '/') with its seeds and
    its generator key (the op's unique name)."""
    graph = inputs[0].graph
    op_name = name[:-1] if name.endswith("/") else graph.unique_name(name)
    seed1, seed2 = get_seed(seed)
    attrs = dict(attrs, seed=seed1, seed2=seed2, key=op_name)
    return graph.create_op(op_type, inputs, attrs, name=op_name + "/").outputs[0]


def _shape_tensor(shape) -> Tensor:
    """`shape` (a list/tuple/TensorShape of ints or scalar tensors, or an int vector
    tensor) as an int tensor."""
    if isinstance(shape, Tensor):
        return shape
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"Cannot use a partially known shape {shape} as a random "
                             "tensor's shape")
        shape = shape.as_list()
    if isinstance(shape, (int, np.integer)):
        raise ValueError(f"shape must be a list or a 1-D tensor of ints, got {shape!r}")
    if any(isinstance(d, Tensor) for d in shape):
        return convert_to_tensor(list(shape), dtype_hint=dtypes.int32, name="shape")
    dims = np.asarray(list(shape), dtype=np.int64)
    fits = dims.size == 0 or dims.max() <= np.iinfo(np.int32).max
    return constant(dims.astype(np.int32 if fits else np.int64), name="shape")


def _scaled(standard_op: str, default_name: str, shape, mean, stddev, dtype, seed, name
            ) -> Tensor:
    dtype = dtypes.as_dtype(dtype)
    graph = get_default_graph()
    with graph.name_scope(name or default_name) as scope:
        shape_t = _shape_tensor(shape)
        mean_t = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev_t = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        draws = _random_op(standard_op, [shape_t], {"dtype": dtype}, seed,
                           "".join(p.capitalize() for p in standard_op.split("_")))
        return math_ops.add(math_ops.multiply(draws, stddev_t), mean_t, name=scope)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None
                  ) -> Tensor:
    """`tf.random_normal`: normal draws with `mean` and `stddev`."""
    return _scaled("random_standard_normal", "random_normal", shape, mean, stddev, dtype,
                   seed, name)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None,
                     name=None) -> Tensor:
    """`tf.truncated_normal`: normal draws, those more than 2 stddevs from the mean
    redrawn."""
    return _scaled("truncated_normal", "truncated_normal", shape, mean, stddev, dtype, seed,
                   name)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None,
                   name=None) -> Tensor:
    """`tf.random_uniform`: uniform in [minval, maxval); integer dtypes need `maxval`."""
    dtype = dtypes.as_dtype(dtype)
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype.name}")
        maxval = 1
    graph = get_default_graph()
    with graph.name_scope(name or "random_uniform") as scope:
        shape_t = _shape_tensor(shape)
        # TF's fast path: Python 0 and 1 bounds add no ops.
        minval_is_zero = isinstance(minval, int) and minval == 0
        maxval_is_one = isinstance(maxval, int) and maxval == 1
        if not (minval_is_zero and maxval_is_one) or dtype.is_integer:
            minval = convert_to_tensor(minval, dtype=dtype, name="min")
            maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        if dtype.is_integer:
            return _random_op("random_uniform_int", [shape_t, minval, maxval],
                              {"dtype": dtype}, seed, scope)
        if not dtype.is_floating:
            raise TypeError(f"random_uniform needs a numeric dtype, got {dtype.name}")
        draws = _random_op("random_uniform", [shape_t], {"dtype": dtype}, seed,
                           "RandomUniform")
        if minval_is_zero:
            return draws if maxval_is_one else math_ops.multiply(draws, maxval, name=scope)
        return math_ops.add(math_ops.multiply(draws, math_ops.subtract(maxval, minval)),
                            minval, name=scope)


def random_shuffle(value, seed=None, name=None) -> Tensor:
    """`tf.random_shuffle`: `value` with its first dimension randomly permuted."""
    value = convert_to_tensor(value)
    return _random_op("random_shuffle", [value], {}, seed, name or "RandomShuffle")


__all__ = ["random_normal", "random_uniform", "truncated_normal", "random_shuffle",
           "set_random_seed", "get_seed"]
