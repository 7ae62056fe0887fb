"""gj.viz: the DOT text of a known small graph, asserted structurally; plan pictures
with fused kernels; rendering through Graphviz when it is installed."""

from __future__ import annotations

import re
import shutil

import numpy as np
import pytest

import graphjit as gj
from graphjit import viz


def _small():
    x = gj.placeholder(gj.float32, [None, 3], name="x")
    with gj.name_scope("layer"):
        w = gj.Variable(np.ones((3, 2), np.float32), name="w")
        with gj.name_scope("inner"):
            h = gj.matmul(x, w, name="mm")
        y = gj.nn.relu(h, name="act")
    with gj.control_dependencies([y]):
        z = gj.identity(x, name="after")
    return x, w, y, z


def _clusters(dot: str) -> dict[str, str]:
    """cluster name -> its body text (nested bodies included)."""
    out = {}
    for m in re.finditer(r'subgraph "cluster_([^"]+)" \{', dot):
        depth, i = 1, m.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(dot[i], 0)
            i += 1
        out[m.group(1)] = dot[m.end():i]
    return out


def _edges(dot: str) -> dict[tuple[str, str], str]:
    return {(a, b): attrs for a, b, attrs in
            re.findall(r'^\s*"([^"]+)" -> "([^"]+)"\s*(\[.*\])?;$', dot, re.M)}


def test_scopes_are_nested_clusters_and_nodes_show_type_and_name():
    _small()
    dot = viz.to_dot(gj.get_default_graph())
    clusters = _clusters(dot)
    assert {"layer", "layer/inner", "layer/w"} <= set(clusters)
    assert '"layer/inner/mm"' in clusters["layer/inner"]
    assert '"layer/inner/mm"' in clusters["layer"]  # nested inside its parent
    assert '"layer/act"' not in clusters["layer/inner"]
    assert '"x"' not in "".join(clusters.values())  # top-level op outside every cluster
    # The variable's handle sits in the cluster of its own scope, with its helper ops.
    assert '"layer/w" [' in clusters["layer/w"]
    node = re.search(r'"layer/inner/mm" \[label=<(.*?)>,', dot).group(1)
    assert "<b>matmul</b>" in node and "mm" in node


def test_edges_carry_dtype_and_shape_and_control_edges_are_dashed():
    _small()
    dot = viz.to_dot(gj.get_default_graph())
    edges = _edges(dot)
    assert 'label="f32[?,3]"' in edges[("x", "layer/inner/mm")]
    assert 'label="f32[?,2]"' in edges[("layer/inner/mm", "layer/act")]
    assert "style=dashed" in edges[("layer/act", "after")]
    assert "style=dashed" not in edges[("x", "after")]


def test_placeholders_and_variables_look_different_from_ops():
    _small()
    dot = viz.to_dot(gj.get_default_graph())

    def style(name):
        return re.search(rf'^\s*"{re.escape(name)}" (\[.*\]);$', dot, re.M).group(1)

    assert 'shape="invhouse"' in style("x")
    assert 'shape="cylinder"' in style("layer/w")
    assert "shape=" not in style("layer/act")


def test_fetches_draw_only_what_they_need():
    x, w, y, z = _small()
    extra = gj.exp(x, name="unused")
    dot = viz.to_dot([y])
    assert '"layer/act"' in dot and '"layer/inner/mm"' in dot
    assert '"unused"' not in dot and '"after"' not in dot
    assert extra.op.name in viz.to_dot(gj.get_default_graph())
    assert '"after"' in viz.to_dot("after")  # a name works as a fetch


def test_collapsed_scope_is_one_box_with_merged_edges():
    x, w, y, z = _small()
    loss = gj.reduce_sum(y)
    gj.gradients(loss, [w])
    dot = viz.to_dot(gj.get_default_graph(), collapse=["gradients"])
    assert '"scope:gradients" [' in dot
    assert not re.search(r'^\s*"gradients/', dot, re.M)
    sources = [a for a, b in _edges(dot) if b == "scope:gradients"]
    assert len(sources) == len(set(sources)) and "layer/act" in sources


def test_plan_draws_fused_kernels_as_clusters():
    from graphjit.compiler import build_program, optimize
    from graphjit.compiler.passes.fuse_elementwise import fuse_elementwise

    x = gj.placeholder(gj.float32, [4, 3], name="x")
    y = gj.reduce_sum(gj.exp(x * 2.0) + 1.0, axis=1)
    program, _ = optimize(build_program([y], [], [x], [(4, 3)]))
    fused = fuse_elementwise(program)
    assert any(n.op == "fused" for n in fused.nodes)
    dot = viz.program_to_dot(fused)
    (kernel,) = [body for name, body in _clusters(dot).items() if name.startswith("k")]
    assert "<b>exp</b>" in kernel and "<b>multiply</b>" in kernel and "reduce_sum" in kernel
    assert re.search(r'"in0" -> "n\d+m0" \[label="%0:f32\[4,3\]"\]', dot)


def test_plan_of_a_session_signature_has_concrete_shapes():
    x = gj.placeholder(gj.float32, [None, 3], name="x")
    y = gj.nn.relu(x * 2.0)
    dot = viz.to_dot([y], {x: np.zeros((5, 3), np.float32)}, plan=True)
    assert "f32[5,3]" in dot and "?" not in re.sub(r"tooltip=\"[^\"]*\"", "", dot)


def test_render_writes_dot_without_graphviz_and_says_when_it_is_missing(tmp_path,
                                                                        monkeypatch):
    _small()
    dot = viz.to_dot()
    path = viz.render(dot, str(tmp_path / "g.dot"))
    assert open(path).read() == dot
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(viz.GraphvizNotFound, match="apt-get install graphviz"):
        viz.render(dot, str(tmp_path / "g.svg"))
    with pytest.raises(ValueError, match="cannot render"):
        viz.render(dot, str(tmp_path / "g.jpeg2000"))


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_render_svg_and_png(tmp_path):
    _small()
    dot = viz.to_dot()
    svg = viz.render(dot, str(tmp_path / "g.svg"))
    assert "<svg" in open(svg).read() and "layer/inner/mm" in open(svg).read()
    png = viz.render(dot, str(tmp_path / "g.png"))
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
