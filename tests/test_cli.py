"""`python -m graphjit` inspect / run / explain / viz on a saved training graph: output,
files written, exit codes, errors on stderr, --help on every subcommand."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import graphjit as gj
from graphjit.cli import SUBCOMMANDS, main
from graphjit.graphlib.serialization import write_graph


@pytest.fixture
def saved(tmp_path):
    """A small model with its training step, written as a binary GraphDef."""
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 3], name="x")
        labels = gj.placeholder(gj.float32, [None, 2], name="labels")
        with gj.name_scope("dense"):
            w = gj.Variable(np.full((3, 2), 0.5, np.float32), name="w")
            y = gj.matmul(x, w, name="logits")
        with gj.name_scope("loss"):
            loss = gj.reduce_mean(gj.square(y - labels), name="mse")
        gj.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
        gj.log(x, name="log_x")
    write_graph(graph, str(tmp_path), "model.pb", as_text=False)
    np.save(tmp_path / "x.npy", np.array([[1, 2, 3], [0, 1, 0]], np.float32))
    np.save(tmp_path / "labels.npy", np.zeros((2, 2), np.float32))
    return tmp_path


def _run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_subcommand_has_help():
    present = [n for n in SUBCOMMANDS if importlib.util.find_spec(f"graphjit.cli.{n}")]
    assert {"inspect", "run", "viz", "explain"} <= set(present)
    for name in present:
        done = subprocess.run([sys.executable, "-m", "graphjit", name, "--help"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (name, done.stderr)
        assert done.stdout.startswith("usage: python -m graphjit " + name)


def test_usage_errors_exit_2_on_stderr(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 2
    assert "the following arguments are required" in capsys.readouterr().err


def test_inspect_summarizes_ops_inputs_outputs_and_variables(saved, capsys):
    code, out, err = _run(capsys, "inspect", saved / "model.pb")
    assert code == 0 and err == ""
    assert "x:0" in out and "float32[?,3]" in out
    assert "dense/w" in out and "float32[3,2]  6 elements" in out
    assert "log_x:0" in out  # nothing reads it: an output
    code, out, _ = _run(capsys, "inspect", saved / "model.pb", "--json")
    facts = json.loads(out)
    assert facts["ops_by_type"]["matmul"] >= 1
    assert [i["name"] for i in facts["inputs"]] == ["x:0", "labels:0"]
    assert facts["variables"] == [{"name": "dense/w", "dtype": "float32", "shape": [3, 2],
                                   "elements": 6, "bytes": 24}]
    assert "train" in facts["targets"]


def test_run_prints_and_saves_fetches(saved, capsys):
    feeds = ["--feed", f"x={saved / 'x.npy'}", "--feed", f"labels={saved / 'labels.npy'}"]
    code, out, err = _run(capsys, "run", saved / "model.pb", *feeds, "--fetch", "loss/mse",
                          "--fetch", "dense/logits:0")
    assert code == 0, err
    expected = np.array([[1, 2, 3], [0, 1, 0]], np.float32) @ np.full((3, 2), 0.5)
    assert out.startswith(f"loss/mse:0: float32[]\n{np.mean(expected ** 2):g}")
    assert "dense/logits:0: float32[2, 2]" in out
    target = saved / "out.npz"
    code, _, _ = _run(capsys, "run", saved / "model.pb", *feeds, "--fetch", "dense/logits",
                      "--fetch", "train", "-o", target)
    assert code == 0
    np.testing.assert_allclose(np.load(target)["dense/logits:0"], expected)
    code, _, _ = _run(capsys, "run", saved / "model.pb", "--feed", "x=[[1.0, 1.0, 1.0]]",
                      "--fetch", "dense/logits", "-o", saved / "one.npy")
    assert code == 0 and np.load(saved / "one.npy").tolist() == [[1.5, 1.5]]


def test_run_errors_have_meaningful_exit_codes(saved, capsys):
    model = saved / "model.pb"
    code, out, err = _run(capsys, "run", model, "--fetch", "nope")
    assert code == 1 and out == "" and "'nope' is not in the graph" in err
    code, _, err = _run(capsys, "run", model, "--fetch", "loss/mse")  # a missing feed
    assert code == 3 and "You must feed a value for placeholder tensor 'x'" in err
    code, _, err = _run(capsys, "run", saved / "missing.pb", "--fetch", "x")
    assert code == 1 and "cannot read the graph file" in err
    code, _, err = _run(capsys, "run", model, "--feed", "x", "--fetch", "x")
    assert code == 1 and "NAME=VALUE" in err


def test_run_debug_names_the_op_that_makes_a_nan(saved, capsys):
    code, _, err = _run(capsys, "run", saved / "model.pb", "--feed", "x=[[-1.0, 1.0, 1.0]]",
                        "--fetch", "log_x", "--debug")
    assert code == 3
    assert "log op 'log_x'" in err and "produced 1 NaN" in err


def test_explain_prints_the_plan(saved, capsys):
    code, out, err = _run(capsys, "explain", saved / "model.pb", "--fetch", "loss/mse",
                          "--feed", "x=8,3", "--feed", "labels=8x2")
    assert code == 0, err
    assert out.startswith("plan for fetch loss/mse:0; feed x:0 f32[8,3], labels:0 f32[8,2]")
    assert "passes:" in out and "fold_constants" in out and "matmul" in out
    code, _, err = _run(capsys, "explain", saved / "model.pb", "--fetch", "loss/mse")
    assert code == 1 and "give its shape with --feed x=SHAPE" in err
    code, _, err = _run(capsys, "explain", saved / "model.pb", "--fetch", "loss/mse",
                        "--feed", "x=8,4", "--feed", "labels=8,2")
    assert code == 1 and "does not fit" in err


def test_viz_writes_dot_and_renders(saved, capsys, monkeypatch):
    code, out, _ = _run(capsys, "viz", saved / "model.pb", "--collapse", "gradients")
    assert code == 0 and out.startswith('digraph "graphjit"')
    assert 'subgraph "cluster_dense"' in out and '"scope:gradients"' in out
    code, _, err = _run(capsys, "viz", saved / "model.pb", "--plan", "--fetch", "loss/mse",
                        "--feed", "x=4,3", "--feed", "labels=4,2", "-o", saved / "plan.dot")
    assert code == 0 and "f32[4,3]" in (saved / "plan.dot").read_text()
    if shutil.which("dot"):
        code, _, err = _run(capsys, "viz", saved / "model.pb", "-o", saved / "g.svg")
        assert code == 0 and "<svg" in (saved / "g.svg").read_text()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    code, _, err = _run(capsys, "viz", saved / "model.pb", "-o", saved / "g.png")
    assert code == 4 and "apt-get install graphviz" in err
    assert not (saved / "g.png").exists()
