"""The table between TensorFlow op types and graphjit ops, both ways.

EXPORTERS maps a graphjit op type to a function `(op, ctx) -> Exported | None` giving
the TensorFlow op type and TF attrs that write it (None: no TF form for this instance, so
serialization writes it as `graphjit>op`). Attrs a TF op takes as input tensors become
synthetic Const inputs through `ctx.const_input`.

Importers map a TensorFlow op type to a function `(ctx) -> Tensor | list | Operation`
that rebuilds a TF-written node with graphjit's public builders, named `ctx.name` (the
node's exact name plus "/", which create_op takes verbatim). They read TF attrs with
`ctx.attr(name, default)`, inputs as `ctx.inputs`, and constant inputs (axes, shapes,
paddings) with `ctx.const(i)`. An importer is available only once the builders it needs
exist, so the table can list ops whose family is still being written.

May import: dtypes, shapes, graph, ops (lazily, inside the functions).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from . import dtypes
from .graph import Graph, Operation

REQUIRED = object()


@dataclass
class Exported:
    op: str
    attrs: dict = field(default_factory=dict)
    extra_inputs: list = field(default_factory=list)


class ExportContext(Protocol):
    """What an exporter may ask serialization for."""

    def const_input(self, op: Operation, suffix: str, value: np.ndarray) -> str:
        """Adds a synthetic Const node holding `value` and returns its name."""


class ImportContext(Protocol):
    """What an importer sees of the node being built (serialization's builder)."""

    graph: Graph
    inputs: list

    @property
    def name(self) -> str:
        """The node's exact name plus "/" (create_op takes such a name verbatim)."""

    def attr(self, key: str, default=REQUIRED):
        """A TF attr of the node, decoded; `default` when absent (else ValueError)."""

    def const(self, index: int) -> np.ndarray:
        """The value of input `index`, which must be known when the graph is built."""

    def const_self(self) -> np.ndarray:
        """A Const node's own value."""

    @property
    def node_op(self) -> str:
        """The node's TF op type."""


EXPORTERS: dict[str, Callable] = {}
_IMPORTERS: dict[str, tuple[Callable, tuple[str, ...]]] = {}


def exports(*gj_types: str):
    def register(fn):
        for t in gj_types:
            EXPORTERS[t] = fn
        return fn
    return register


def imports(*tf_types: str, needs: tuple[str, ...] = ()):
    """Registers an importer; `needs` lists "module.builder" names it calls."""
    def register(fn):
        for t in tf_types:
            _IMPORTERS[t] = (fn, needs)
        return fn
    return register


def builder(path: str):
    """The builder `module.name` of graphlib.ops, or None while it does not exist."""
    module, _, name = path.rpartition(".")
    try:
        mod = importlib.import_module(f"{__package__}.ops.{module}")
    except ImportError:
        return None
    return getattr(mod, name, None)


def importer(tf_type: str) -> Callable | None:
    entry = _IMPORTERS.get(tf_type)
    if entry is None:
        return None
    fn, needs = entry
    return fn if all(builder(n) is not None for n in needs) else None


def supported_tf_ops() -> list[str]:
    """The TF op types that import now."""
    return sorted(t for t in _IMPORTERS if importer(t) is not None)


def _b(path: str):
    fn = builder(path)
    if fn is None:
        raise ValueError(f"graphjit has no builder {path}")
    return fn


def _dtype_of(op: Operation, i: int = 0):
    return op.inputs[i].dtype if op.inputs else op.outputs[0].dtype


def _axis_list(value) -> list[int]:
    return [int(a) for a in np.asarray(value).reshape(-1)]


def _scalar(value) -> int:
    return int(np.asarray(value).reshape(()))


# == leaves, identity, variables (core.py, state.py) ===========================================

@exports("const")
def _export_const(op, ctx):
    return Exported("Const", {"value": op.attrs["value"], "dtype": op.attrs["dtype"]})


@imports("Const")
def _import_const(ctx):
    value = ctx.const_self()
    return ctx.graph.create_op("const", [], {"value": value,
                                             "dtype": dtypes.as_dtype(value.dtype)},
                               name=ctx.name)


@exports("placeholder")
def _export_placeholder(op, ctx):
    return Exported("Placeholder", {"dtype": op.attrs["dtype"], "shape": op.attrs["shape"]})


@imports("Placeholder", needs=("core.placeholder",))
def _import_placeholder(ctx):
    shape = ctx.attr("shape", None)
    return _b("core.placeholder")(ctx.attr("dtype"), shape=shape, name=ctx.name)


@exports("placeholder_with_default")
def _export_placeholder_with_default(op, ctx):
    return Exported("PlaceholderWithDefault", {"dtype": _dtype_of(op),
                                               "shape": op.attrs["shape"]})


@imports("PlaceholderWithDefault", needs=("core.placeholder_with_default",))
def _import_placeholder_with_default(ctx):
    return _b("core.placeholder_with_default")(ctx.inputs[0], ctx.attr("shape"),
                                               name=ctx.name)


def _unary_export(tf_type: str):
    def export(op, ctx):
        return Exported(tf_type, {"T": _dtype_of(op)})
    return export


exports("identity")(_unary_export("Identity"))
exports("stop_gradient")(_unary_export("StopGradient"))


@imports("Identity", "Snapshot", needs=("core.identity",))
def _import_identity(ctx):
    return _b("core.identity")(ctx.inputs[0], name=ctx.name)


@imports("StopGradient", needs=("core.stop_gradient",))
def _import_stop_gradient(ctx):
    return _b("core.stop_gradient")(ctx.inputs[0], name=ctx.name)


@exports("no_op")
def _export_no_op(op, ctx):
    return Exported("NoOp")


@imports("NoOp")
def _import_no_op(ctx):
    return ctx.graph.create_op("no_op", [], name=ctx.name)


@exports("add_n")
def _export_add_n(op, ctx):
    return Exported("AddN", {"N": len(op.inputs), "T": _dtype_of(op)})


@imports("AddN")
def _import_add_n(ctx):
    return ctx.graph.create_op("add_n", list(ctx.inputs), name=ctx.name)


@exports("zeros_like", "ones_like")
def _export_like(op, ctx):
    if op.attrs.get("dtype") not in (None, op.inputs[0].dtype):
        return None  # TF's ZerosLike/OnesLike keep the input's dtype
    return Exported({"zeros_like": "ZerosLike", "ones_like": "OnesLike"}[op.type],
                    {"T": _dtype_of(op)})


@imports("ZerosLike", needs=("core.zeros_like",))
def _import_zeros_like(ctx):
    return _b("core.zeros_like")(ctx.inputs[0], name=ctx.name)


@imports("OnesLike", needs=("core.ones_like",))
def _import_ones_like(ctx):
    return _b("core.ones_like")(ctx.inputs[0], name=ctx.name)


@exports("var_handle")
def _export_var_handle(op, ctx):
    return Exported("VarHandleOp", {"dtype": op.attrs["dtype"], "shape": op.attrs["shape"],
                                    "shared_name": op.attrs["shared_name"], "container": ""})


@imports("VarHandleOp")
def _import_var_handle(ctx):
    # TF names an unshared variable after its node.
    shared = ctx.attr("shared_name", "") or ctx.name[:-1]
    return ctx.graph.create_op("var_handle", [], {"dtype": ctx.attr("dtype"),
                                                  "shape": ctx.attr("shape"),
                                                  "shared_name": shared}, name=ctx.name)


@exports("read_variable")
def _export_read_variable(op, ctx):
    return Exported("ReadVariableOp", {"dtype": op.attrs["dtype"]})


@imports("ReadVariableOp")
def _import_read_variable(ctx):
    handle = ctx.inputs[0]
    return ctx.graph.create_op("read_variable", [handle],
                               {"dtype": ctx.attr("dtype"), "shape": _handle_shape(handle)},
                               name=ctx.name)


def _handle_shape(handle):
    if handle.op.type == "var_handle":
        return handle.op.attrs["shape"]
    from .shapes import TensorShape
    return TensorShape(None)


_ASSIGN_TF = {"assign_variable": "AssignVariableOp",
              "assign_add_variable": "AssignAddVariableOp",
              "assign_sub_variable": "AssignSubVariableOp"}


@exports(*_ASSIGN_TF)
def _export_assign(op, ctx):
    if op.outputs[0].consumers():
        return None  # TF's assign ops have no output; graphjit's is read here
    return Exported(_ASSIGN_TF[op.type], {"dtype": op.attrs["dtype"]})


def _import_assign(gj_type: str):
    def build(ctx):
        handle, value = ctx.inputs
        return ctx.graph.create_op(gj_type, [handle, value],
                                   {"dtype": ctx.attr("dtype"), "shape": _handle_shape(handle)},
                                   name=ctx.name)
    return build


for _gj, _tf in _ASSIGN_TF.items():
    imports(_tf)(_import_assign(_gj))


# == one-to-one ops (math, nn, array, random, debug) ==========================================
# A rule says: graphjit op `gj` is TF op `tf` with the same inputs in the same order;
# `attrs` are (graphjit attr, TF attr, default when a TF file leaves it out), `types` are
# the TF type attrs with the input index (or "out") whose dtype they record, and `fixed`
# are TF attrs with one value. `when(op)` limits export to the instances TF's op matches.

@dataclass(frozen=True)
class _Rule:
    gj: str
    tf: str
    types: tuple = ("T", 0)
    attrs: tuple = ()
    fixed: tuple = ()
    when: Callable | None = None


def _pairs(flat: tuple) -> list:
    return [flat[i:i + 2] for i in range(0, len(flat), 2)]


def _export_rule(rule: _Rule):
    def export(op, ctx):
        if rule.when is not None and not rule.when(op):
            return None
        attrs = dict(rule.fixed)
        for tf_attr, src in _pairs(rule.types):
            attrs[tf_attr] = op.outputs[0].dtype if src == "out" else op.inputs[src].dtype
        for gj_attr, tf_attr, _ in rule.attrs:
            attrs[tf_attr] = op.attrs[gj_attr]
        return Exported(rule.tf, attrs)
    return export


def _import_rule(rule: _Rule):
    def build(ctx):
        attrs = {gj_attr: _as_attr(ctx.attr(tf_attr, default))
                 for gj_attr, tf_attr, default in rule.attrs}
        return ctx.graph.create_op(rule.gj, list(ctx.inputs), attrs, name=ctx.name)
    return build


def _as_attr(value):
    return tuple(value) if isinstance(value, list) else value


def _same_shapes(op) -> bool:
    shapes = [t.shape for t in op.inputs]
    return all(s.is_fully_defined() and s == shapes[0] for s in shapes)


def _float_inputs(op) -> bool:
    return op.inputs[0].dtype.is_floating


def _last_axis(op) -> bool:
    rank = op.inputs[0].shape.rank
    return op.attrs.get("axis", -1) == -1 or (rank is not None and op.attrs["axis"] == rank - 1)


_CONV = (("strides", "strides", REQUIRED), ("padding", "padding", REQUIRED),
         ("explicit_paddings", "explicit_paddings", ()),
         ("dilations", "dilations", (1, 1, 1, 1)), ("data_format", "data_format", "NHWC"))
_POOL = (("ksize", "ksize", REQUIRED), ("strides", "strides", REQUIRED),
         ("padding", "padding", REQUIRED), ("data_format", "data_format", "NHWC"))
_MASKS = tuple((m, m, 0) for m in ("begin_mask", "end_mask", "ellipsis_mask",
                                   "new_axis_mask", "shrink_axis_mask"))
_RANDOM = (("seed", "seed", 0), ("seed2", "seed2", 0))

_RULES = [
    *[_Rule(gj, tf) for gj, tf in (
        ("abs", "Abs"), ("ceil", "Ceil"), ("cos", "Cos"), ("elu", "Elu"), ("exp", "Exp"),
        ("expm1", "Expm1"), ("floor", "Floor"), ("invert", "Invert"),
        ("is_finite", "IsFinite"), ("is_nan", "IsNan"), ("l2_loss", "L2Loss"),
        ("log", "Log"), ("log1p", "Log1p"), ("negative", "Neg"),
        ("reciprocal", "Reciprocal"), ("relu", "Relu"), ("relu6", "Relu6"),
        ("round", "Round"), ("rsqrt", "Rsqrt"), ("sigmoid", "Sigmoid"), ("sign", "Sign"),
        ("sin", "Sin"), ("softplus", "Softplus"), ("sqrt", "Sqrt"), ("square", "Square"),
        ("tanh", "Tanh"), ("add", "AddV2"), ("subtract", "Sub"), ("multiply", "Mul"),
        ("floordiv", "FloorDiv"), ("mod", "FloorMod"), ("pow", "Pow"),
        ("squared_difference", "SquaredDifference"), ("maximum", "Maximum"),
        ("minimum", "Minimum"), ("equal", "Equal"), ("not_equal", "NotEqual"),
        ("less", "Less"), ("less_equal", "LessEqual"), ("greater", "Greater"),
        ("greater_equal", "GreaterEqual"), ("bitwise_and", "BitwiseAnd"),
        ("bitwise_or", "BitwiseOr"), ("bitwise_xor", "BitwiseXor"), ("bias_add", "BiasAdd"),
        ("clip_by_value", "ClipByValue"), ("relu_grad", "ReluGrad"),
        ("relu6_grad", "Relu6Grad"), ("elu_grad", "EluGrad"),
        ("invert_permutation", "InvertPermutation"), ("rank", "Rank"))],
    _Rule("truediv", "RealDiv", when=_float_inputs),
    *[_Rule(gj, tf, types=()) for gj, tf in (
        ("logical_and", "LogicalAnd"), ("logical_or", "LogicalOr"),
        ("logical_not", "LogicalNot"))],
    _Rule("where", "Select", when=_same_shapes, types=("T", 1)),
    _Rule("where_indices", "Where"),
    _Rule("cast", "Cast", types=("SrcT", 0, "DstT", "out"), fixed=(("Truncate", False),),
          attrs=(("dtype", "DstT", REQUIRED),)),
    _Rule("concat", "ConcatV2", types=("T", 0, "Tidx", -1)),
    _Rule("stack", "Pack", attrs=(("axis", "axis", 0),)),
    _Rule("unstack", "Unpack", attrs=(("num", "num", REQUIRED), ("axis", "axis", 0))),
    _Rule("split", "Split", types=("T", 1), attrs=(("num_split", "num_split", REQUIRED),)),
    _Rule("split_v", "SplitV", types=("T", 0, "Tlen", 1),
          attrs=(("num_split", "num_split", REQUIRED),)),
    _Rule("reshape", "Reshape", types=("T", 0, "Tshape", 1)),
    _Rule("transpose", "Transpose", types=("T", 0, "Tperm", 1)),
    _Rule("expand_dims", "ExpandDims", types=("T", 0, "Tdim", 1)),
    _Rule("squeeze", "Squeeze", attrs=(("axis", "squeeze_dims", ()),)),
    _Rule("tile", "Tile", types=("T", 0, "Tmultiples", 1)),
    _Rule("pad", "PadV2", types=("T", 0, "Tpaddings", 1)),
    _Rule("mirror_pad", "MirrorPad", types=("T", 0, "Tpaddings", 1),
          attrs=(("mode", "mode", REQUIRED),)),
    _Rule("mirror_pad_grad", "MirrorPadGrad", types=("T", 0, "Tpaddings", 1),
          attrs=(("mode", "mode", REQUIRED),)),
    _Rule("gather", "GatherV2", types=("Tparams", 0, "Tindices", 1, "Taxis", 2),
          attrs=(("batch_dims", "batch_dims", 0),)),
    _Rule("one_hot", "OneHot", types=("T", 2, "TI", 0), attrs=(("axis", "axis", -1),)),
    _Rule("shape", "Shape", attrs=(("out_type", "out_type", dtypes.int32),)),
    _Rule("size", "Size", attrs=(("out_type", "out_type", dtypes.int32),)),
    _Rule("fill", "Fill", types=("T", 1, "index_type", 0)),
    _Rule("range", "Range", types=("Tidx", 0)),
    _Rule("broadcast_to", "BroadcastTo", types=("T", 0, "Tidx", 1)),
    _Rule("reverse", "ReverseV2", types=("T", 0, "Tidx", 1)),
    _Rule("slice", "Slice", types=("T", 0, "Index", 1)),
    _Rule("strided_slice", "StridedSlice", types=("T", 0, "Index", 1), attrs=_MASKS),
    _Rule("strided_slice_grad", "StridedSliceGrad", types=("T", 4, "Index", 0),
          attrs=_MASKS),
    _Rule("unsorted_segment_sum", "UnsortedSegmentSum",
          types=("T", 0, "Tindices", 1, "Tnumsegments", 2)),
    # graphjit's `axis` attr is kept for graphjit; TF's ops work on the last axis only.
    _Rule("softmax", "Softmax", when=_last_axis),
    _Rule("log_softmax", "LogSoftmax", when=_last_axis),
    _Rule("softmax_cross_entropy_with_logits", "SoftmaxCrossEntropyWithLogits",
          when=_last_axis),
    _Rule("sparse_softmax_cross_entropy_with_logits", "SparseSoftmaxCrossEntropyWithLogits",
          types=("T", 0, "Tlabels", 1)),
    _Rule("conv2d", "Conv2D", attrs=_CONV, fixed=(("use_cudnn_on_gpu", True),)),
    _Rule("conv2d_backprop_input", "Conv2DBackpropInput", types=("T", 1), attrs=_CONV,
          fixed=(("use_cudnn_on_gpu", True),)),
    _Rule("conv2d_backprop_filter", "Conv2DBackpropFilter", attrs=_CONV,
          fixed=(("use_cudnn_on_gpu", True),)),
    _Rule("max_pool", "MaxPool", attrs=_POOL),
    _Rule("avg_pool", "AvgPool", attrs=_POOL),
    _Rule("max_pool_grad", "MaxPoolGrad", attrs=_POOL),
    _Rule("max_pool_grad_grad", "MaxPoolGradGrad", attrs=_POOL),
    _Rule("avg_pool_grad", "AvgPoolGrad", types=("T", 1), attrs=_POOL),
    _Rule("random_standard_normal", "RandomStandardNormal", types=("T", 0),
          attrs=(("dtype", "dtype", REQUIRED), *_RANDOM)),
    _Rule("random_uniform", "RandomUniform", types=("T", 0),
          attrs=(("dtype", "dtype", REQUIRED), *_RANDOM)),
    _Rule("truncated_normal", "TruncatedNormal", types=("T", 0),
          attrs=(("dtype", "dtype", REQUIRED), *_RANDOM)),
    _Rule("random_uniform_int", "RandomUniformInt", types=("T", 0, "Tout", 1), attrs=_RANDOM),
    _Rule("random_shuffle", "RandomShuffle", attrs=_RANDOM),
]

for _rule in _RULES:
    exports(_rule.gj)(_export_rule(_rule))
    imports(_rule.tf)(_import_rule(_rule))  # importers below replace some of these


# == TF op types that need more than a rule ====================================================

@imports("Add")
def _import_add(ctx):
    return ctx.graph.create_op("add", list(ctx.inputs), name=ctx.name)


@imports("Div")
def _import_div(ctx):
    if not ctx.inputs[0].dtype.is_floating:
        raise ValueError("Div of integers (C-style truncating division) has no graphjit op; "
                         "only floating-point Div imports")
    return ctx.graph.create_op("truediv", list(ctx.inputs), name=ctx.name)


@imports("Select", "SelectV2", needs=("math.where", "math.where_v2"))
def _import_select(ctx):
    cond, x, y = ctx.inputs
    fn = _b("math.where") if ctx.node_op == "Select" else _b("math.where_v2")
    return fn(cond, x, y, name=ctx.name)


@imports("Softmax", "LogSoftmax")
def _import_softmax(ctx):
    gj = "softmax" if ctx.node_op == "Softmax" else "log_softmax"
    return ctx.graph.create_op(gj, list(ctx.inputs), {"axis": -1}, name=ctx.name)


@imports("SoftmaxCrossEntropyWithLogits")
def _import_softmax_xent(ctx):
    return ctx.graph.create_op("softmax_cross_entropy_with_logits", list(ctx.inputs),
                               {"axis": -1}, name=ctx.name)


@imports("LeakyRelu", needs=("nn.leaky_relu",))
def _import_leaky_relu(ctx):
    return _b("nn.leaky_relu")(ctx.inputs[0], alpha=ctx.attr("alpha", 0.2), name=ctx.name)


@imports("Pad", needs=("array.pad",))
def _import_pad(ctx):
    return _b("array.pad")(ctx.inputs[0], ctx.inputs[1], name=ctx.name)


@imports("MatMul", "BatchMatMul", "BatchMatMulV2", "BatchMatMulV3")
def _import_matmul(ctx):
    if ctx.node_op == "MatMul":
        ta, tb = ctx.attr("transpose_a", False), ctx.attr("transpose_b", False)
    else:
        ta, tb = ctx.attr("adj_x", False), ctx.attr("adj_y", False)
    return ctx.graph.create_op("matmul", list(ctx.inputs),
                               {"transpose_a": ta, "transpose_b": tb}, name=ctx.name)


def _matmul_tf(op):
    a, b = op.inputs
    if a.shape.rank == 2 and b.shape.rank == 2:
        return Exported("MatMul", {"T": a.dtype, "transpose_a": op.attrs["transpose_a"],
                                   "transpose_b": op.attrs["transpose_b"]})
    return Exported("BatchMatMulV2", {"T": a.dtype, "adj_x": op.attrs["transpose_a"],
                                      "adj_y": op.attrs["transpose_b"]})


exports("matmul")(lambda op, ctx: _matmul_tf(op))


_REDUCE_TF = {"reduce_sum": "Sum", "reduce_mean": "Mean", "reduce_max": "Max",
              "reduce_min": "Min", "reduce_prod": "Prod", "reduce_any": "Any",
              "reduce_all": "All"}


@exports(*_REDUCE_TF)
def _export_reduce(op, ctx):
    axes = op.attrs["axes"]
    if axes is None:
        if op.inputs[0].shape.rank is None:
            return None
        axes = tuple(range(op.inputs[0].shape.rank))
    index = ctx.const_input(op, "reduction_indices", np.asarray(axes, np.int32).reshape(-1))
    attrs = {"keep_dims": op.attrs["keepdims"], "Tidx": dtypes.int32}
    if op.type not in ("reduce_any", "reduce_all"):
        attrs["T"] = op.inputs[0].dtype
    return Exported(_REDUCE_TF[op.type], attrs, [index])


def _import_reduce(gj: str):
    def build(ctx):
        axes = ctx.const(1)
        return _b(f"reduce.{gj}")(ctx.inputs[0], axis=_axis_list(axes),
                                  keepdims=ctx.attr("keep_dims", False), name=ctx.name)
    return build


for _gj, _tf in _REDUCE_TF.items():
    imports(_tf, needs=(f"reduce.{_gj}",))(_import_reduce(_gj))


@exports("argmax", "argmin", "cumsum", "cumprod")
def _export_axis_op(op, ctx):
    tf_type = {"argmax": "ArgMax", "argmin": "ArgMin", "cumsum": "Cumsum",
               "cumprod": "Cumprod"}[op.type]
    suffix = "dimension" if op.type.startswith("arg") else "axis"
    index = ctx.const_input(op, suffix, np.asarray(op.attrs["axis"], np.int32))
    attrs = {"T": op.inputs[0].dtype, "Tidx": dtypes.int32}
    if op.type.startswith("arg"):
        attrs["output_type"] = op.attrs["output_type"]
    else:
        attrs["exclusive"] = op.attrs["exclusive"]
        attrs["reverse"] = op.attrs["reverse"]
    return Exported(tf_type, attrs, [index])


@imports("ArgMax", "ArgMin", needs=("reduce.argmax", "reduce.argmin"))
def _import_arg(ctx):
    fn = _b("reduce.argmax") if ctx.node_op == "ArgMax" else _b("reduce.argmin")
    return fn(ctx.inputs[0], axis=_scalar(ctx.const(1)),
              output_type=ctx.attr("output_type", dtypes.int64), name=ctx.name)


@imports("Cumsum", "Cumprod", needs=("reduce.cumsum", "reduce.cumprod"))
def _import_scan(ctx):
    fn = _b("reduce.cumsum") if ctx.node_op == "Cumsum" else _b("reduce.cumprod")
    return fn(ctx.inputs[0], axis=_scalar(ctx.const(1)), exclusive=ctx.attr("exclusive", False),
              reverse=ctx.attr("reverse", False), name=ctx.name)


@imports("ConcatV2")
def _import_concat(ctx):
    return ctx.graph.create_op("concat", list(ctx.inputs), name=ctx.name)


@imports("Concat")
def _import_concat_v1(ctx):  # TF1's Concat takes the axis first
    return ctx.graph.create_op("concat", [*ctx.inputs[1:], ctx.inputs[0]], name=ctx.name)


@imports("Gather")
def _import_gather_v1(ctx):
    from .ops.core import constant
    with ctx.graph.name_scope(None):
        axis = constant(np.int32(0), name=ctx.name + "axis")
    return ctx.graph.create_op("gather", [*ctx.inputs, axis], {"batch_dims": 0},
                               name=ctx.name)


def _import_random(rule: _Rule):
    def build(ctx):
        # graphjit's random ops key their stream by name; TF files name the node.
        attrs = {gj_attr: _as_attr(ctx.attr(tf_attr, default))
                 for gj_attr, tf_attr, default in rule.attrs}
        attrs["key"] = ctx.name[:-1]
        return ctx.graph.create_op(rule.gj, list(ctx.inputs), attrs, name=ctx.name)
    return build


for _rule in _RULES:
    if _rule.gj.startswith("random_") or _rule.gj == "truncated_normal":
        imports(_rule.tf)(_import_random(_rule))
