"""`python -m graphjit inspect FILE.pb`: what a serialized graph holds.

Prints op counts by type, the placeholders (inputs), the tensors no op reads (outputs),
the variables with their sizes, and the constant bytes; `--json` prints the same as JSON.
Also holds `load_graph` and `resolve`, which the other graph subcommands share.

May import: graphjit.graphlib.
"""

from __future__ import annotations

import argparse
import json
import os
from collections import Counter

import numpy as np

from ..graphlib.graph import Graph, Operation, Tensor
from ..graphlib.serialization import import_graph_def, read_graph

_PLACEHOLDERS = ("placeholder", "placeholder_with_default")


def load_graph(path: str) -> Graph:
    """A fresh Graph holding the GraphDef file at `path` under its own names."""
    graph_def = read_graph(path)
    graph = Graph()
    with graph.as_default():
        import_graph_def(graph_def, name="")
    return graph


def resolve(graph: Graph, name: str) -> Tensor | Operation:
    """A tensor ("op:0", or an op name with outputs, meaning its first output) or an
    op without outputs (run for its effect)."""
    try:
        element = graph.as_graph_element(name)
    except (KeyError, ValueError) as e:
        raise ValueError(f"{name!r} is not in the graph: {e.args[0] if e.args else e}") \
            from None
    if isinstance(element, Operation) and element.outputs:
        return element.outputs[0]
    return element


def _shape(t) -> str:
    dims = None if t.shape.rank is None else t.shape.as_list()
    inner = "*" if dims is None else ",".join("?" if d is None else str(d) for d in dims)
    return f"{t.dtype.name}[{inner}]"


def summarize(graph: Graph) -> dict:
    """The facts `inspect` prints, as plain data."""
    ops = graph.get_operations()
    by_type = Counter(op.type for op in ops)
    inputs = [{"name": op.outputs[0].name, "op": op.type, "type": _shape(op.outputs[0])}
              for op in ops if op.type in _PLACEHOLDERS]
    # Reads and assignments right on a variable handle are the variable's plumbing.
    plumbing = {op for op in ops if any(t.op.type == "var_handle" for t in op.inputs)}
    outputs = [{"name": t.name, "op": op.type, "type": _shape(t)}
               for op in ops if op not in plumbing and op.type != "const"
               for t in op.outputs if not t.consumers() and t.dtype.np is not None]
    targets = [op.name for op in ops if not op.outputs and
               not any(op in o.control_inputs for o in ops)]
    variables = []
    for op in ops:
        if op.type != "var_handle":
            continue
        shape = op.attrs["shape"]
        size = int(np.prod(shape.as_list())) if shape.is_fully_defined() else None
        variables.append({"name": op.name, "dtype": op.attrs["dtype"].name,
                          "shape": None if shape.rank is None else shape.as_list(),
                          "elements": size,
                          "bytes": None if size is None else size * op.attrs["dtype"].np.itemsize})
    const_bytes = sum(op.attrs["value"].nbytes for op in ops if op.type == "const")
    return {"ops": len(ops), "ops_by_type": dict(by_type.most_common()), "inputs": inputs,
            "outputs": outputs, "targets": targets, "variables": variables,
            "variable_bytes": sum(v["bytes"] or 0 for v in variables),
            "constants": by_type.get("const", 0), "constant_bytes": int(const_bytes)}


def _text(path: str, facts: dict) -> str:
    lines = [f"{path}: {facts['ops']} ops, {os.path.getsize(path)} bytes on disk"]
    lines.append("ops by type:")
    lines.extend(f"  {n:6d}  {t}" for t, n in facts["ops_by_type"].items())
    lines.append(f"inputs ({len(facts['inputs'])} placeholders):")
    lines.extend(f"  {i['name']:40s} {i['type']}" for i in facts["inputs"])
    lines.append(f"outputs ({len(facts['outputs'])} tensors no op reads):")
    lines.extend(f"  {o['name']:40s} {o['type']}  ({o['op']})" for o in facts["outputs"])
    if facts["targets"]:
        lines.append("ops run for effect (no outputs, no dependants): "
                     + ", ".join(facts["targets"]))
    lines.append(f"variables ({len(facts['variables'])}, {facts['variable_bytes']} bytes):")
    for v in facts["variables"]:
        shape = "*" if v["shape"] is None else ",".join(map(str, v["shape"]))
        lines.append(f"  {v['name']:40s} {v['dtype']}[{shape}]  {v['elements']} elements")
    lines.append(f"constants: {facts['constants']} ops, {facts['constant_bytes']} bytes")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args.file)
    facts = summarize(graph)
    print(json.dumps(facts, indent=2) if args.json else _text(args.file, facts))
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "inspect", help="summarize a serialized graph (.pb or .pbtxt)",
        description="Summarize a GraphDef file: ops by type, placeholders, outputs, "
                    "variables and sizes.")
    parser.add_argument("file", metavar="FILE", help="a GraphDef file, binary or text")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.set_defaults(func=run)
