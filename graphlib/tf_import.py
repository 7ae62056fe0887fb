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
