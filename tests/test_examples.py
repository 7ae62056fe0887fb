"""The examples run as a user runs them (a fresh `python examples/X.py`), reach their stated
targets within a minute, and are genuine TF1 programs: they also run under TensorFlow."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TIME_LIMIT_S = 60

# example file -> (regex for the final metric, check of that metric)
TARGETS = {
    "linear_regression.py": (r"final test mse ([0-9.e-]+)", lambda v: v < 1e-3),
    "mlp_spirals.py": (r"final test accuracy ([0-9.]+)", lambda v: v >= 0.95),
}

# Runs an example with TensorFlow standing in for graphjit.
_AS_TENSORFLOW = """
import runpy, sys
import tensorflow.compat.v1 as tf
tf.disable_eager_execution()
sys.modules["graphjit"] = tf
runpy.run_path(sys.argv[1], run_name="__main__")
"""


def _run(args: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    # graphjit comes from the installed (editable) package, as for a user; the repo root
    # itself never goes on sys.path, where its graphlib/ would shadow the standard library.
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=5 * TIME_LIMIT_S)
    return proc, time.perf_counter() - start


def _check_target(name: str, proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, f"{name} failed:\n{proc.stdout}\n{proc.stderr}"
    pattern, reached = TARGETS[name]
    match = re.search(pattern, proc.stdout)
    assert match, f"{name} printed no final metric:\n{proc.stdout}"
    assert reached(float(match.group(1))), proc.stdout
    assert "target reached" in proc.stdout
    assert len(proc.stdout.splitlines()) >= 4, "examples print their progress"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_example_reaches_target(name: str):
    proc, elapsed = _run([str(EXAMPLES / name)])
    _check_target(name, proc)
    assert elapsed < TIME_LIMIT_S, f"{name} took {elapsed:.1f}s"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_example_is_a_tf1_program(name: str):
    pytest.importorskip("tensorflow")
    proc, _ = _run(["-c", _AS_TENSORFLOW, str(EXAMPLES / name)])
    _check_target(name, proc)


def test_examples_are_all_tested():
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(TARGETS)


def test_missed_target_exits_nonzero(capsys):
    import graphjit as gj

    spec = importlib.util.spec_from_file_location("linear_regression_example",
                                                  EXAMPLES / "linear_regression.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.TARGET_MSE = 0.0
    gj.reset_default_graph()
    assert module.main() == 1
    assert "target NOT reached" in capsys.readouterr().out
