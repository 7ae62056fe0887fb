"""`python -m graphjit bench` and graphjit.bench: the CLI at the tiny size, the JSON
document, --workloads filtering, --help, the agreement check on planted mismatches, the
BLAS-override re-exec, the statistics and the work counts behind GB/s and GFLOP/s."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.bench import report, runner
from graphjit.bench.runner import BenchMismatch, Timing, run_workload
from graphjit.bench.workloads import (
    PEERS,
    SIZES,
    WORKLOADS,
    Instance,
    Runner,
    Workload,
    graphjit_runner,
)
from graphjit.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _bench(*argv: str, env: dict | None = None, timeout: float = 300) -> \
        subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graphjit", "bench", *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ if env is None else env))


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """The whole suite, compile line included, at the tiny size, through the CLI."""
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    done = _bench("--size", "tiny", "--json", str(out), timeout=300)
    return done, json.loads(out.read_text()) if out.exists() else None


def test_cli_runs_the_whole_suite_at_the_tiny_size(tiny_run):
    done, _ = tiny_run
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    for i, name in enumerate(WORKLOADS, 1):
        assert any(line.startswith(f"[{i}/{len(WORKLOADS)}] {name} ") for line in lines)
    header = next(line for line in lines if line.startswith("workload "))
    for column in ("interpreted", "compiled", "speedup", "warm-up", "GB/s", "GFLOP/s"):
        assert column in header
    table = lines[lines.index(header) + 2:]
    assert [row.split()[0] for row in table[:len(WORKLOADS)]] == list(WORKLOADS)
    assert any(line.startswith("compile (mlp_train") for line in lines)
    assert any(line.startswith("BLAS/OpenMP: ") for line in lines)
    assert any(line.startswith("thread/BLAS environment: ") for line in lines)


def test_json_holds_every_figure_and_the_machine(tiny_run):
    done, doc = tiny_run
    assert done.returncode == 0, done.stderr
    assert doc["schema"] == report.SCHEMA
    assert doc["settings"]["size"] == "tiny" and doc["settings"]["repeat"] == 2
    machine = doc["machine"]
    for key in ("cpu", "logical_cpus", "usable_cpus", "blas", "numba", "environment"):
        assert key in machine
    for package in ("python", "numpy", "numba", "llvmlite"):
        assert machine["versions"][package]
    assert "OPENBLAS_CORETYPE" in machine["environment"]
    assert [w["name"] for w in doc["workloads"]] == list(WORKLOADS)
    for w in doc["workloads"]:
        assert w["bytes"] > 0 and w["flops"] > 0 and w["limit"]
        assert set(w["columns"]) == {"interpreted", "compiled"}
        for column in w["columns"].values():
            assert len(column["samples_s"]) == 2 and column["calls_per_sample"] >= 1
            assert column["min_s"] <= column["median_s"] <= column["max_s"]
            assert column["warmup_s"] > 0
            assert column["gb_per_s"] == pytest.approx(w["bytes"] / column["median_s"] / 1e9)
            assert column["max_abs_diff_vs_interpreted"] <= (
                w["tolerance"]["atol"] + w["tolerance"]["rtol"] * 1e3)
        assert w["speedup"] == pytest.approx(w["columns"]["interpreted"]["median_s"] /
                                             w["columns"]["compiled"]["median_s"])
    compiled = doc["compile"]
    assert compiled["workload"] == "mlp_train"
    for phase in ("cold", "warm"):
        figures = compiled[phase]
        assert 0 < figures["import_s"] < figures["process_wall_s"]
        assert figures["to_first_step_s"] == pytest.approx(
            figures["open_s"] + figures["first_step_s"])


def test_workloads_option_filters_and_keeps_order(tmp_path):
    out = tmp_path / "b.json"
    done = _bench("--size", "tiny", "--workloads", "dispatch,w1", "--json", str(out))
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text())
    assert [w["name"] for w in doc["workloads"]] == ["dispatch", "w1"]
    assert doc["compile"] is None
    assert "softmax" not in done.stdout and "compile (" not in done.stdout


def test_unknown_workload_is_an_error_naming_the_choices(capsys):
    assert main(["bench", "--workloads", "w1,nope"]) == 1
    err = capsys.readouterr().err
    assert "nope" in err and "softmax" in err and "compile" in err


def test_help_lists_the_options():
    done = _bench("--help", timeout=60)
    assert done.returncode == 0
    for option in ("--size", "--workloads", "--repeat", "--peers", "--json", "--plot",
                   "tiny", "small", "medium", "large"):
        assert option in done.stdout


def test_list_names_every_workload_and_what_limits_it(capsys):
    assert main(["bench", "--list"]) == 0
    out = capsys.readouterr().out
    for w in WORKLOADS.values():
        assert w.name in out and w.limit in out


# -- the agreement check ------------------------------------------------------------------

def _wrong(make):
    """A runner factory whose step's first output is off by 1e-3 relative."""
    def factory(inst):
        right = make(inst)
        return Runner(lambda: [right.step()[0] * np.float32(1.001), *right.step()[1:]],
                      right.state)
    return factory


def _executors(**replace):
    columns = {e: (lambda i, e=e: graphjit_runner(i, e)) for e in runner.EXECUTORS}
    columns.update(replace)
    return columns


def test_a_wrong_compiled_column_is_an_error_before_any_timing():
    good = _executors()
    with pytest.raises(BenchMismatch, match=r"w1: compiled disagrees .* result 0"):
        run_workload(WORKLOADS["w1"], "tiny", repeat=1,
                     columns=_executors(compiled=_wrong(good["compiled"])))


def test_wrong_trained_state_is_caught():
    def drifting(inst):
        right = graphjit_runner(inst, "compiled")
        return Runner(right.step, lambda: [v + np.float32(0.01) for v in right.state()])
    with pytest.raises(BenchMismatch, match="mlp_train: compiled disagrees"):
        run_workload(WORKLOADS["mlp_train"], "tiny", repeat=1,
                     columns=_executors(compiled=drifting))


def test_a_wrong_dtype_from_an_executor_is_caught():
    def float64(inst):
        right = graphjit_runner(inst, "compiled")
        return Runner(lambda: [v.astype(np.float64) for v in right.step()])
    with pytest.raises(BenchMismatch, match="float64"):
        run_workload(WORKLOADS["w1"], "tiny", repeat=1, columns=_executors(compiled=float64))


def _doubling(numpy_peer) -> Workload:
    def build() -> Instance:
        value = np.arange(6, dtype=np.float32)
        graph = gj.Graph()
        with graph.as_default():
            x = gj.placeholder(gj.float32, [6], name="x")
            y = x * 2.0
        return Instance("6", graph, [y], {x: value}, bytes=48, flops=6, rtol=1e-6,
                        atol=0, peers={"numpy": lambda: Runner(lambda: [numpy_peer(value)])})
    return Workload("doubling", "x * 2", "nothing", {"tiny": {}}, build)


def test_a_wrong_peer_is_an_error_and_a_right_one_is_timed():
    with pytest.raises(BenchMismatch, match="doubling: numpy disagrees"):
        run_workload(_doubling(lambda v: v * 2 + 1e-3), "tiny", repeat=1, peers=["numpy"])
    result = run_workload(_doubling(lambda v: v * 2), "tiny", repeat=3, peers=PEERS,
                          min_sample_s=1e-4)
    assert set(result.timings) == {"interpreted", "compiled", "numpy"}
    assert len(result.timings["numpy"].samples) == 3
    assert set(result.unavailable) == {"tf1", "jax", "numexpr"}


def test_cli_reports_a_mismatch_on_stderr_and_prints_no_table(monkeypatch, capsys):
    honest = runner.graphjit_runner

    def planted(inst, executor):
        right = honest(inst, executor)
        if executor != "compiled":
            return right
        return Runner(lambda: [v + np.float32(1) for v in right.step()], right.state)
    monkeypatch.setattr(runner, "graphjit_runner", planted)
    assert main(["bench", "--size", "tiny", "--workloads", "dispatch"]) == 1
    captured = capsys.readouterr()
    assert "results disagree" in captured.err and "dispatch" in captured.err
    assert "speedup" not in captured.out


@pytest.mark.parametrize("name", list(WORKLOADS))
def test_numpy_by_hand_agrees_with_graphjit(name):
    result = run_workload(WORKLOADS[name], "tiny", repeat=1, peers=["numpy"],
                          min_sample_s=1e-4)
    assert "numpy" in result.timings, result.unavailable


@pytest.mark.parametrize("peer", ["tf1", "jax", "numexpr"])
def test_importable_peers_agree_with_graphjit(peer):
    module = {"tf1": "tensorflow", "jax": "jax", "numexpr": "numexpr"}[peer]
    pytest.importorskip(module)
    for workload in WORKLOADS.values():
        if peer not in workload.instance("tiny").peers:
            continue
        result = run_workload(workload, "tiny", repeat=1, peers=[peer], min_sample_s=1e-4)
        assert peer in result.timings, (workload.name, result.unavailable)


# -- process environment -------------------------------------------------------------------

def test_blas_overrides_are_unset_by_re_exec_and_said(tmp_path):
    out = tmp_path / "b.json"
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell", OPENBLAS_L2_SIZE="1048576")
    done = _bench("--size", "tiny", "--workloads", "dispatch", "--json", str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert "unset OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=1048576" in done.stdout
    machine = json.loads(out.read_text())["machine"]
    assert machine["unset_for_this_run"] == {"OPENBLAS_CORETYPE": "Haswell",
                                             "OPENBLAS_L2_SIZE": "1048576"}
    assert machine["environment"]["OPENBLAS_CORETYPE"] is None


def test_keep_blas_env_keeps_them(tmp_path):
    out = tmp_path / "b.json"
    env = dict(os.environ, OPENBLAS_CORETYPE="Haswell")
    done = _bench("--size", "tiny", "--workloads", "dispatch", "--keep-blas-env",
                  "--json", str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert "OPENBLAS_CORETYPE=Haswell kept" in done.stdout
    assert json.loads(out.read_text())["machine"]["environment"]["OPENBLAS_CORETYPE"] == \
        "Haswell"


# -- plot ----------------------------------------------------------------------------------

def test_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "speedups.png"
    assert main(["bench", "--size", "tiny", "--workloads", "w1,dispatch", "--repeat", "1",
                 "--plot", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {path}" in capsys.readouterr().out


def test_plot_without_matplotlib_says_how_to_get_it_before_running(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    assert main(["bench", "--size", "tiny", "--plot", "x.png"]) == 1
    captured = capsys.readouterr()
    assert "pip install matplotlib" in captured.err
    assert "[1/" not in captured.out


# -- statistics and work counts ------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(1e-7, 10.0), min_size=1, max_size=30))
def test_timing_statistics_match_numpy(samples):
    t = Timing(samples, calls=1, warmup_s=0.0, max_abs_diff=0.0)
    assert t.median == pytest.approx(float(np.median(samples)))
    q1, q3 = t.quartiles()
    assert q1 == pytest.approx(float(np.percentile(samples, 25)))
    assert q3 == pytest.approx(float(np.percentile(samples, 75)))
    assert t.spread == pytest.approx((q3 - q1) / 2 / t.median)


def test_seconds_picks_a_readable_unit():
    assert report.seconds(2.5) == "2.50 s"
    assert report.seconds(0.0123) == "12.30 ms"
    assert report.seconds(18.25e-6) == "18.2 us"


def test_mlp_train_flops_are_its_eight_gemms_and_the_update():
    batch = 256
    gemms = [(batch, 784, 512), (batch, 512, 512), (batch, 512, 10),      # forward
             (784, batch, 512), (512, batch, 512), (512, batch, 10),      # weight grads
             (batch, 10, 512), (batch, 512, 512)]                         # input grads
    params = 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10
    inst = WORKLOADS["mlp_train"].build(batch=batch)
    assert inst.flops == sum(2 * m * k * n for m, k, n in gemms) + 2 * params
    assert inst.bytes == 4 * (2 * params + batch * 784 + batch)


def test_every_workload_has_every_size_and_the_issue_sizes():
    for w in WORKLOADS.values():
        assert set(w.sizes) == set(SIZES)
    assert WORKLOADS["w1"].sizes["medium"] == {"n": 10_000_000}
    assert WORKLOADS["softmax"].sizes["medium"] == {"rows": 4096, "cols": 1024}
    assert WORKLOADS["mlp_train"].sizes["medium"] == {"batch": 256}


# -- the scripts in benchmarks/ ------------------------------------------------------------

def _script(name: str, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / name), *argv], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_w1_script_runs_on_the_bench_workload():
    done = _script("w1.py", "--sizes", "1e3", "2e3", "--repeat", "1")
    assert done.returncode == 0, done.stderr
    rows = [line.split()[:2] for line in done.stdout.splitlines() if line.startswith("w1 ")]
    assert rows == [["w1", "n=1,000"], ["w1", "n=2,000"]]


def test_large_graphdef_script_round_trips_its_constants(tmp_path):
    done = _script("large_graphdef.py", "--gb", "0.004", "--chunks", "2", "--dir",
                   str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "all 2 constants identical" in done.stdout
    assert not list(tmp_path.iterdir())  # without --keep, its files are removed
