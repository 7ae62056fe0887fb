"""`gj.graph_util`: freezing graphs, as `tf.compat.v1.graph_util`.

`convert_variables_to_constants(sess, graph_def, output_node_names)` keeps the nodes that
the outputs need, replaces each read of a variable with a Const holding the variable's
current value in `sess`, and drops the variable handles, so the result runs without
variables or a checkpoint. Variable values are fetched with `sess.run` of the read ops
themselves (any executor works).

May import: graphjit.graphlib.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .graphlib import serialization as ser
from .graphlib.proto import graph_pb2

_READ_TYPES = ("ReadVariableOp",)
_HANDLE_TYPES = ("VarHandleOp",)


def _input_node(ref: str) -> str:
    return ref.lstrip("^").split(":")[0]


def extract_sub_graph(graph_def, dest_nodes: Iterable[str]) -> graph_pb2.GraphDef:
    """`tf.graph_util.extract_sub_graph`: the nodes `dest_nodes` need (through data and
    control inputs), in their original order."""
    gd = ser._as_graph_def(graph_def)
    if isinstance(dest_nodes, str):
        raise TypeError("dest_nodes must be a list of node names, not a string")
    by_name = {n.name: n for n in gd.node}
    for name in dest_nodes:
        if name not in by_name:
            raise ValueError(f"{name!r} is not in graph")
    keep, stack = set(), list(dest_nodes)
    while stack:
        name = stack.pop()
        if name in keep:
            continue
        keep.add(name)
        stack.extend(_input_node(i) for i in by_name[name].input)
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(gd.versions)
    out.node.extend(n for n in gd.node if n.name in keep)
    return out


def convert_variables_to_constants(sess, input_graph_def, output_node_names,
                                   variable_names_whitelist=None,
                                   variable_names_blacklist=None) -> graph_pb2.GraphDef:
    """`tf.graph_util.convert_variables_to_constants`: a frozen copy of the graph."""
    sub = extract_sub_graph(input_graph_def, output_node_names)
    by_name = {n.name: n for n in sub.node}

    def frozen_here(handle: str) -> bool:
        if variable_names_whitelist is not None and handle not in variable_names_whitelist:
            return False
        return not (variable_names_blacklist and handle in variable_names_blacklist)

    reads = [n for n in sub.node if n.op in _READ_TYPES and n.input
             and by_name[_input_node(n.input[0])].op in _HANDLE_TYPES
             and frozen_here(_input_node(n.input[0]))]
    values = sess.run([f"{n.name}:0" for n in reads]) if reads else []
    replaced = {}
    for node, value in zip(reads, values):
        const = graph_pb2.NodeDef(name=node.name, op="Const", device=node.device)
        array = np.asarray(value)
        ser.array_to_tensor_proto(array, const.attr["value"].tensor)
        const.attr["dtype"].type = ser.dtype_from_enum(
            const.attr["value"].tensor.dtype, node.name).enum
        # Control inputs of the read (e.g. "read after this assign") no longer apply.
        replaced[node.name] = const
    out = graph_pb2.GraphDef()
    out.versions.CopyFrom(sub.versions)
    for node in sub.node:
        node = replaced.get(node.name, node)
        copy = out.node.add()
        copy.CopyFrom(node)
        for key in (ser.A_COLLECTIONS, ser.A_VARIABLE):
            if key in copy.attr:
                del copy.attr[key]
    still_used = {_input_node(i) for n in out.node for i in n.input}
    kept = [n for n in out.node if not (n.op in _HANDLE_TYPES and n.name not in still_used)]
    del out.node[:]
    out.node.extend(kept)
    return out


__all__ = ["convert_variables_to_constants", "extract_sub_graph"]
