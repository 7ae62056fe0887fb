"""`gj.viz`: Graphviz DOT pictures of graphs and of optimized plans, and rendering them.

`to_dot(graph_or_fetches)` draws a user graph, or the part of it that some fetches need:
name scopes are nested clusters; each node shows its op type (bold) and its name within
its scope; edges carry dtype and shape (`f32[?,784]`); control edges are dashed;
placeholders (blue house shapes), variables (orange cylinders), constants (small grey),
state updates (red) and debug ops (yellow notes) are told apart by shape and colour.
`to_dot(fetches, feeds, plan=True)` draws the optimized program instead: one node per
program node with concrete shapes, each fused kernel a cluster of its member ops.
`render(dot_text, path)` runs Graphviz's `dot` for .svg/.png/.pdf output.

May import: graphjit.graphlib, graphjit.compiler (plan pictures).
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping

from .graphlib.dtypes import as_dtype
from .graphlib.graph import Graph, Operation, Tensor, flatten_nested, get_default_graph
from .graphlib.traversal import required_ops

_PLACEHOLDERS = frozenset({"placeholder", "placeholder_with_default"})
_VARIABLES = frozenset({"var_handle"})
_DEBUG = frozenset({"check_numerics", "print", "print_v1"})
_CLUSTER_COLORS = ("#f7f9fc", "#eef3fa", "#e4ecf7", "#dae5f4")
_GRADIENT_SCOPE_COLOR = "#fbf5ee"
_RENDER_FORMATS = ("svg", "png", "pdf")


class GraphvizNotFound(RuntimeError):
    """Graphviz's `dot` program is not installed (Debian/Ubuntu: apt-get install graphviz)."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _shape_text(shape) -> str:
    if shape is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def tensor_label(t: Tensor) -> str:
    """`f32[?,784]`: a tensor's dtype and static shape, as edges show them."""
    dims = None if t.shape.rank is None else t.shape.as_list()
    return f"{t.dtype.short}{'[*]' if dims is None else _shape_text(dims)}"


def _node_style(op: Operation) -> dict[str, str]:
    return _type_style(op.type, op.opdef)


def _type_style(op_type: str, opdef) -> dict[str, str]:
    if op_type in _PLACEHOLDERS:
        return {"shape": "invhouse", "fillcolor": "#cfe2ff", "color": "#3d6fb6"}
    if op_type in _VARIABLES:
        return {"shape": "cylinder", "fillcolor": "#ffd8a8", "color": "#c4701a"}
    if op_type == "const":
        return {"shape": "box", "style": "filled,rounded", "fillcolor": "#eeeeee",
                "color": "#aaaaaa", "fontsize": "9", "height": "0.2"}
    if op_type in _DEBUG:
        return {"shape": "note", "fillcolor": "#fff3b0", "color": "#b59a00"}
    if opdef.stateful and not opdef.uses_context or op_type.startswith("assign"):
        return {"shape": "box", "style": "filled,rounded,bold", "fillcolor": "#f8d7da",
                "color": "#b02a37"}
    return {}


def _node_label(op_type: str, name: str, note: str = "") -> str:
    rows = [f"<b>{html.escape(op_type)}</b>"]
    if name and name != op_type:
        rows.append(f'<font point-size="9">{html.escape(name)}</font>')
    if note:
        rows.append(f'<font point-size="8" color="#666666">{html.escape(note)}</font>')
    return "<" + "<br/>".join(rows) + ">"


def _attrs(items: Mapping[str, str]) -> str:
    parts = []
    for key, value in items.items():
        text = value if value.startswith("<") and value.endswith(">") else _quote(value)
        parts.append(f"{key}={text}")
    return "[" + ", ".join(parts) + "]"


class _Scopes:
    """The name-scope tree: which ops (by DOT line) and sub-scopes each scope holds."""

    def __init__(self):
        self.lines: dict[str, list[str]] = {"": []}
        self.children: dict[str, list[str]] = {"": []}

    def add(self, scope: str, line: str) -> None:
        self._ensure(scope)
        self.lines[scope].append(line)

    def _ensure(self, scope: str) -> None:
        if scope in self.lines:
            return
        parent = scope.rpartition("/")[0]
        self._ensure(parent)
        self.lines[scope] = []
        self.children[scope] = []
        self.children[parent].append(scope)

    def emit(self, out: list[str]) -> None:
        stack: list[tuple[str, int, bool]] = [("", 0, False)]
        while stack:
            scope, depth, closing = stack.pop()
            indent = "  " * (depth + 1)
            if closing:
                out.append(indent[:-2] + "}")
                continue
            if scope:
                gradients = scope.split("/")[0].startswith("gradients")
                fill = _GRADIENT_SCOPE_COLOR if gradients else \
                    _CLUSTER_COLORS[min(depth - 1, len(_CLUSTER_COLORS) - 1)]
                out.append(indent[:-2] + f"subgraph {_quote('cluster_' + scope)} {{")
                out.append(indent + f"label={_quote(scope.rpartition('/')[2])}; "
                           f"tooltip={_quote(scope)}; style=\"rounded,filled\"; "
                           f"fillcolor={_quote(fill)}; color=\"#9aa8bd\"; fontsize=11;")
                stack.append((scope, depth, True))
            out.extend(indent + line for line in self.lines[scope])
            for child in reversed(self.children[scope]):
                stack.append((child, depth + 1, False))


def _header(name: str, rankdir: str) -> list[str]:
    return [f"digraph {_quote(name)} {{",
            f"  graph [rankdir={rankdir}, compound=true, newrank=true, fontname=\"Helvetica\", "
            "nodesep=0.25, ranksep=0.35];",
            "  node [shape=box, style=\"filled,rounded\", fillcolor=\"white\", "
            "fontname=\"Helvetica\", fontsize=10, height=0.3, margin=\"0.08,0.03\"];",
            "  edge [fontname=\"Helvetica\", fontsize=8, color=\"#555555\", "
            "fontcolor=\"#2a4d80\", arrowsize=0.6];"]


def _select_ops(graph_or_fetches) -> list[Operation]:
    if graph_or_fetches is None:
        graph_or_fetches = get_default_graph()
    if isinstance(graph_or_fetches, Graph):
        return graph_or_fetches.get_operations()
    leaves = flatten_nested(graph_or_fetches)
    graph = next((x.graph for x in leaves if isinstance(x, Tensor | Operation)), None)
    tensors: list[Tensor] = []
    targets: list[Operation] = []
    for leaf in leaves:
        if isinstance(leaf, str) and graph is None:
            graph = get_default_graph()
        element = graph.as_graph_element(leaf) if isinstance(leaf, str) else leaf
        convert = getattr(element, "_as_graph_element", None)
        if convert is not None:  # a Variable draws as the tensor it reads
            element = convert()
        if isinstance(element, Tensor):
            tensors.append(element)
        elif isinstance(element, Operation):
            targets.append(element)
        else:
            raise TypeError(f"to_dot: cannot draw a {type(leaf).__name__}; pass a Graph, or "
                            "Tensors/Operations/names to fetch")
    return required_ops(tensors, targets)


def to_dot(graph_or_fetches=None, feeds: Mapping | None = None, *, plan: bool = False,
           collapse: Iterable[str] = (), name: str = "graphjit", rankdir: str = "TB",
           show_shapes: bool = True) -> str:
    """Graphviz DOT for a Graph (default: the default graph) or for the ops behind some
    fetches (a Tensor, an Operation, a name or a nesting of them).

    `collapse` names scopes (e.g. "gradients") drawn as one box each, with their edges
    merged. With `plan=True`, draws the optimized program for those fetches and `feeds`
    ({tensor or name: value whose shape fixes the program's shapes}) instead: fused
    kernels become clusters of their member ops. `rankdir` is Graphviz's ("TB", "LR")."""
    if plan:
        return _plan_dot(graph_or_fetches, feeds or {}, name, rankdir, show_shapes)
    ops = _select_ops(graph_or_fetches)
    collapsed = tuple(c.strip("/") for c in collapse)
    scope_names = {op.name.rpartition("/")[0] for op in ops}
    prefixes = {"/".join(n.split("/")[:i + 1]) for n in scope_names if n
                for i in range(n.count("/") + 1)}
    out = _header(name, rankdir)
    scopes = _Scopes()
    node_of: dict[Operation, str] = {}
    group_sizes: dict[str, int] = {}
    for op in ops:
        group = next((c for c in collapsed if op.name == c or op.name.startswith(c + "/")),
                     None)
        if group is not None:
            node_of[op] = "scope:" + group
            group_sizes[group] = group_sizes.get(group, 0) + 1
            continue
        node_of[op] = op.name
        scope, _, short = op.name.rpartition("/")
        if op.name in prefixes:  # TF's habit: "w" owns the scope "w/" of its helper ops
            scope = op.name
        style = {"label": _node_label(op.type, short),
                 "tooltip": f"{op.name} ({op.type}) at {op.user_location()}"}
        style.update(_node_style(op))
        scopes.add(scope, f"{_quote(op.name)} {_attrs(style)};")
    for group, count in group_sizes.items():
        label = _node_label(group.rpartition("/")[2], f"{count} ops", "collapsed scope")
        style = {"label": label, "shape": "box3d", "fillcolor": "#f1e6d6", "tooltip": group}
        scopes.add(group.rpartition("/")[0], f"{_quote('scope:' + group)} {_attrs(style)};")
    scopes.emit(out)
    seen: set[tuple] = set()
    for op in ops:
        dst = node_of[op]
        for t in op.inputs:
            src = node_of.get(t.op)
            label = (f":{t.value_index} " if t.value_index else "") + tensor_label(t)
            if src is None or src == dst or (src, dst, label) in seen:
                continue
            seen.add((src, dst, label))
            edge = f" {_attrs({'label': label})}" if show_shapes else ""
            out.append(f"  {_quote(src)} -> {_quote(dst)}{edge};")
        for c in op.control_inputs:
            src = node_of.get(c)
            if src is None or src == dst or (src, dst, None) in seen:
                continue
            seen.add((src, dst, None))
            out.append(f"  {_quote(src)} -> {_quote(dst)} [style=dashed, color=\"#aaaaaa\", "
                       "arrowhead=odot];")
    out.append("}")
    return "\n".join(out) + "\n"


# -- optimized plans --------------------------------------------------------------------


def _plan_dot(fetches, feeds: Mapping, name: str, rankdir: str, show_shapes: bool) -> str:
    from .compiler import compile as compile_plan

    return program_to_dot(compile_plan(fetches, feeds).program, name=name, rankdir=rankdir,
                          show_shapes=show_shapes)


def program_to_dot(program, *, name: str = "plan", rankdir: str = "TB",
                   show_shapes: bool = True) -> str:
    """DOT for a compiler `Program`: nodes with their user ops, values with concrete shapes
    on edges, fused kernels as clusters, fetched values' producers drawn bold."""
    from .graphlib import registry

    out = _header(name, rankdir)
    source: dict[int, str] = {}  # value id -> the DOT node that makes it
    uses: list[tuple[str, int]] = []  # (DOT node, value id it reads)
    for value, input_name in zip(program.inputs, program.input_names):
        source[value.id] = f"in{value.id}"
        style = {"label": _node_label("feed", input_name), "shape": "invhouse",
                 "fillcolor": "#cfe2ff", "color": "#3d6fb6"}
        out.append(f"  {_quote(source[value.id])} {_attrs(style)};")
    fetched = set(program.outputs)
    for node in program.nodes:
        emphasis = {"penwidth": "2"} if fetched & {v.id for v in node.outputs} or \
            node.id in program.targets else {}
        if node.op == "fused":
            _fused_cluster(node, out, source, uses, emphasis)
            continue
        dot_id = f"n{node.id}"
        origins = ", ".join(o.name for o in node.origins)
        style = {"label": _node_label(node.op, origins), "tooltip": node.text(),
                 **_type_style(node.op, registry.get(node.op)), **emphasis}
        out.append(f"  {_quote(dot_id)} {_attrs(style)};")
        uses.extend((dot_id, i) for i in node.inputs)
        for v in node.outputs:
            source[v.id] = dot_id
    for dot_id, value_id in uses:
        value = program.values[value_id]
        label = f"%{value.id}:{value.dtype.short}{_shape_text(value.shape)}"
        attrs = f" {_attrs({'label': label})}" if show_shapes else ""
        out.append(f"  {_quote(source[value_id])} -> {_quote(dot_id)}{attrs};")
    for node in program.nodes:
        for after in node.after:
            out.append(f"  {_quote(f'n{after}')} -> {_quote(f'n{node.id}')} [style=dashed, "
                       "color=\"#999999\", arrowhead=odot];")
    out.append("}")
    return "\n".join(out) + "\n"


def _fused_cluster(node, out: list[str], source: dict, uses: list, emphasis: dict) -> None:
    body = node.attrs["body"]
    kind = node.attrs["kind"]
    first = len(node.inputs)
    out.append(f"  subgraph {_quote(f'cluster_k{node.id}')} {{")
    out.append(f"    label={_quote(f'fused {kind} kernel ^{node.id}')}; style=\"rounded,filled\"; "
               "fillcolor=\"#e8f5e9\"; color=\"#2e7d32\"; fontsize=11;")
    member_ids = []
    for j, (op, args, dtype, origin, _attrs_items) in enumerate(body):
        member = f"n{node.id}m{j}"
        member_ids.append(member)
        who = node.origins[origin].name if origin < len(node.origins) else ""
        out.append(f"    {_quote(member)} {_attrs({'label': _node_label(op, who)})};")
        for a in args:
            if a < first:
                uses.append((member, node.inputs[a]))
            else:
                label = f"{as_dtype(dtype).short}{_shape_text(node.attrs['shape'])}"
                out.append(f"    {_quote(member_ids[a - first])} -> {_quote(member)} "
                           f"[label={_quote(label)}];")
    if kind == "reduction":
        reduce_id = f"n{node.id}r"
        label = _node_label(f"reduce_{node.attrs['combiner']}",
                            f"axes {tuple(node.attrs['axes'])}")
        out.append(f"    {_quote(reduce_id)} {_attrs({'label': label, **emphasis})};")
        if member_ids:
            out.append(f"    {_quote(member_ids[-1])} -> {_quote(reduce_id)};")
        else:
            uses.append((reduce_id, node.inputs[0]))
        for v in node.outputs:
            source[v.id] = reduce_id
    else:
        for v, j in zip(node.outputs, node.attrs["outputs"]):
            source[v.id] = member_ids[j]
    out.append("  }")


# -- rendering ----------------------------------------------------------------------------


def render(dot_text: str, path: str, fmt: str | None = None) -> str:
    """Writes `dot_text` to `path`: as it is for .dot/.gv, else through Graphviz's `dot`
    (format from the suffix: svg, png or pdf). Raises GraphvizNotFound without `dot`."""
    path = os.fspath(path)
    fmt = fmt or os.path.splitext(path)[1].lstrip(".").lower()
    if fmt in ("dot", "gv"):
        with open(path, "w", encoding="utf-8") as f:
            f.write(dot_text)
        return path
    if fmt not in _RENDER_FORMATS:
        raise ValueError(f"cannot render to {fmt!r}: use .dot, .gv, "
                         + ", ".join("." + f for f in _RENDER_FORMATS))
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizNotFound(
            f"rendering {path} needs Graphviz's `dot` program, which is not on PATH "
            "(Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz); "
            "write a .dot file instead and render it elsewhere")
    done = subprocess.run([exe, f"-T{fmt}", "-o", path], input=dot_text.encode(),
                          capture_output=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed ({done.returncode}): "
                           f"{done.stderr.decode(errors='replace').strip()}")
    return path


__all__ = ["to_dot", "program_to_dot", "render", "tensor_label", "GraphvizNotFound"]
