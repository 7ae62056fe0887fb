"""Whole-program conformance: every TF1 program in tests/tf_programs/ runs with graphjit
(interpreted and compiled executors) and with TensorFlow's compat.v1, and the results agree:
values to float32 tolerance, shapes, dtypes, and strings (tensor names) exactly.

A program is a module with `main(tf, seed) -> dict`; it builds into the default graph (the
harness gives it a fresh one) and opens its own `tf.Session()`. Optional module constants:
`RTOL`/`ATOL` (looser tolerances for long training runs), `SEEDS` (default (0,)).

graphjit's facade may not re-export the TF1 breadth API yet (variable_scope, get_variable,
initializers, layers); the harness fills in only names the facade lacks, from graphjit's own
modules, so the programs are written exactly as TF1 users write them.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import graphjit as gj

PROGRAM_DIR = Path(__file__).parent / "tf_programs"
PROGRAMS = sorted(p.stem for p in PROGRAM_DIR.glob("*.py") if not p.stem.startswith("_"))

# Programs whose compiled run fails because of a compiler/lowering bug being fixed elsewhere:
# name -> the exact failure (strict xfail, so the fix is noticed).
COMPILED_XFAIL: dict[str, str] = {}


def _load(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(f"tf_programs.{name}",
                                                  PROGRAM_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _breadth() -> dict:
    from graphjit import initializers, layers
    from graphjit.graphlib import variable_scope as vs

    names = {
        "variable_scope": vs.variable_scope, "get_variable": vs.get_variable,
        "get_variable_scope": vs.get_variable_scope, "VariableScope": vs.VariableScope,
        "AUTO_REUSE": vs.AUTO_REUSE, "no_regularizer": vs.no_regularizer,
        "initializers": initializers, "layers": layers,
    }
    for alias in ("zeros_initializer", "ones_initializer", "constant_initializer",
                  "random_normal_initializer", "truncated_normal_initializer",
                  "random_uniform_initializer", "glorot_uniform_initializer",
                  "glorot_normal_initializer", "variance_scaling_initializer"):
        names[alias] = getattr(initializers, alias)
    return names


def graphjit_as_tf(executor: str) -> types.ModuleType:
    """graphjit as a TF1 program sees it, with `tf.Session()` using `executor`."""
    module = types.ModuleType(f"graphjit[{executor}]")
    module.__dict__.update(vars(gj))
    for name, value in _breadth().items():
        module.__dict__.setdefault(name, value)

    class Session(gj.Session):
        def __init__(self, target="", graph=None, config=None, **kwargs):
            kwargs.setdefault("executor", executor)
            super().__init__(target, graph, config, **kwargs)

    module.Session = Session
    return module


def _tensorflow():
    try:
        os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf.layers via tf_keras
        import tensorflow.compat.v1 as tf
    except ImportError:
        return None
    tf.disable_eager_execution()
    return tf


def _uses_tf_layers(name: str) -> bool:
    return "layers." in (PROGRAM_DIR / f"{name}.py").read_text()


def run_program(name: str, tf, seed: int) -> dict:
    module = _load(name)
    with tf.Graph().as_default():
        return module.main(tf, seed)


def assert_same(ours, theirs, where: str, rtol: float, atol: float) -> None:
    """Recursively compares results: structure, then dtype, shape and values per leaf."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and sorted(ours) == sorted(theirs), where
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{where}[{key!r}]", rtol, atol)
        return
    if isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{where}[{i}]", rtol, atol)
        return
    if isinstance(theirs, (str, bytes, type(None))):
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"
        return
    if isinstance(theirs, (bool, int, float)) and not isinstance(theirs, np.generic):
        assert type(ours) is type(theirs), f"{where}: {type(ours)} vs {type(theirs)}"
    a, b = np.asarray(ours), np.asarray(theirs)
    assert a.dtype == b.dtype, f"{where}: dtype {a.dtype} != {b.dtype}"
    assert a.shape == b.shape, f"{where}: shape {a.shape} != {b.shape}"
    assert isinstance(ours, np.ndarray) == isinstance(theirs, np.ndarray), \
        f"{where}: {type(ours).__name__} vs {type(theirs).__name__}"
    if b.dtype.kind in "biuSUO":
        np.testing.assert_array_equal(a, b, err_msg=where)
    else:
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=where)


def _cases():
    for name in PROGRAMS:
        for seed in getattr(_load(name), "SEEDS", (0,)):
            yield name, seed


CASES = list(_cases())
IDS = [f"{n}-{s}" for n, s in CASES]


def _tolerances(name: str) -> tuple[float, float]:
    module = _load(name)
    return getattr(module, "RTOL", 2e-5), getattr(module, "ATOL", 1e-5)


def test_there_are_enough_programs():
    assert len(PROGRAMS) >= 15


def _skip_without_requirements(name: str) -> None:
    """A program may list optional packages it needs besides TensorFlow (`REQUIRES`)."""
    for package in getattr(_load(name), "REQUIRES", ()):
        pytest.importorskip(package)


@pytest.mark.parametrize("name,seed", CASES, ids=IDS)
def test_interpreted_matches_tensorflow(name: str, seed: int):
    _skip_without_requirements(name)
    tf = _tensorflow()
    if tf is None:
        pytest.skip("TensorFlow is not installed")
    if _uses_tf_layers(name) and not _has_tf_layers(tf):
        pytest.skip("TensorFlow's tf.layers needs the tf_keras package")
    rtol, atol = _tolerances(name)
    theirs = run_program(name, tf, seed)
    ours = run_program(name, graphjit_as_tf("interpreted"), seed)
    assert_same(ours, theirs, name, rtol, atol)


def _has_tf_layers(tf) -> bool:
    try:
        tf.layers.dense  # noqa: B018 - Keras 3 without tf_keras raises here
    except (AttributeError, ImportError):
        return False
    return True


def _compiled_params():
    params = []
    for (name, seed), case_id in zip(CASES, IDS):
        marks = []
        if name in COMPILED_XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=COMPILED_XFAIL[name]))
        params.append(pytest.param(name, seed, marks=marks, id=case_id))
    return params


@pytest.mark.parametrize("name,seed", _compiled_params())
def test_compiled_matches_interpreted(name: str, seed: int):
    _skip_without_requirements(name)
    rtol, atol = _tolerances(name)
    reference = run_program(name, graphjit_as_tf("interpreted"), seed)
    compiled = run_program(name, graphjit_as_tf("compiled"), seed)
    assert_same(compiled, reference, name, rtol, atol)


def test_harness_notices_differences():
    """The comparison is strict about what a TF user would notice."""
    with pytest.raises(AssertionError):
        assert_same({"a": np.float32(1)}, {"a": np.float64(1)}, "dtype", 1e-5, 1e-5)
    with pytest.raises(AssertionError):
        assert_same({"a": np.zeros((2, 1))}, {"a": np.zeros(2)}, "shape", 1e-5, 1e-5)
    with pytest.raises(AssertionError):
        assert_same(["x:0"], ["x_1:0"], "name", 1e-5, 1e-5)
    with pytest.raises(AssertionError):
        assert_same(np.float32(1.001), np.float32(1.0), "value", 1e-5, 1e-5)
    with pytest.raises(AssertionError):
        assert_same(np.array(1.0, np.float32), np.float32(1.0), "scalar kind", 1e-5, 1e-5)
    assert_same({"v": [np.ones(2, np.float32)]}, {"v": [np.ones(2, np.float32)]}, "ok",
                1e-5, 1e-5)


if __name__ == "__main__":  # run one program by hand: python tests/test_tf_programs.py NAME
    print(run_program(sys.argv[1], graphjit_as_tf("interpreted"), 0))
