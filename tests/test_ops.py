"""Every op case, three ways: NumPy expectation, interpreted, compiled; plus float64
finite-difference gradients, and registry coverage (an op without a case fails here)."""

from __future__ import annotations

import numpy as np
import pytest

import graphjit as gj
from graphjit.graphlib import registry
from tests.opcases import Case, all_cases

CASES = all_cases()
IDS = [c.name for c in CASES]


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def build_graph(tf, case: Case, dtype_map=None):
    graph = tf.Graph()
    with graph.as_default():
        inputs = []
        for i, a in enumerate(case.inputs):
            dt = a.dtype if dtype_map is None else dtype_map(a.dtype)
            inputs.append(tf.placeholder(tf.as_dtype(dt), shape=a.shape, name=f"in{i}"))
        outs = _as_list(case.build(tf, *inputs))
    return graph, inputs, outs


def run_graphjit(case: Case, executor: str):
    graph, inputs, outs = build_graph(gj, case)
    with gj.Session(graph=graph, executor=executor) as sess:
        if any(op.type == "var_handle" for op in graph.get_operations()):
            with graph.as_default():
                sess.run(gj.global_variables_initializer())
        values = sess.run(outs, dict(zip(inputs, case.inputs)))
    return graph, outs, values


def _close(actual, expected, case: Case, what: str):
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{case.name} {what}: shape {actual.shape} != " \
                                           f"{expected.shape}"
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(actual, expected, err_msg=f"{case.name} {what}")
    else:
        np.testing.assert_allclose(actual, expected, rtol=case.rtol, atol=case.atol,
                                   err_msg=f"{case.name} {what}")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_interpreted_matches_numpy(case: Case):
    graph, outs, values = run_graphjit(case, "interpreted")
    for t, v in zip(outs, values):
        assert np.asarray(v).dtype == t.dtype.np, f"{case.name}: dtype {v.dtype} != {t.dtype}"
        assert t.shape.is_compatible_with(np.shape(v)), f"{case.name}: static {t.shape} vs " \
                                                        f"{np.shape(v)}"
    if case.expect is None or case.random:
        return
    expected = _as_list(case.expect(*case.inputs))
    assert len(expected) == len(values)
    for v, e in zip(values, expected):
        _close(v, e, case, "interpreted vs numpy")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_compiled_matches_interpreted(case: Case):
    _, _, interpreted = run_graphjit(case, "interpreted")
    _, _, compiled = run_graphjit(case, "compiled")
    for a, b in zip(interpreted, compiled):
        assert np.asarray(b).dtype == np.asarray(a).dtype
        if case.random:
            assert np.shape(a) == np.shape(b)
        else:
            _close(b, a, case, "compiled vs interpreted")


def _float64(dt):
    return np.float64 if np.dtype(dt).kind == "f" else dt


GRAD_CASES = [c for c in CASES if c.grad and not c.random]
GRAD2_CASES = [c for c in GRAD_CASES if c.grad2]


def _check_against_finite_differences(case: Case, order: int):
    """Checks d(loss)/d(inputs) numerically, where loss is a random weighting of the outputs
    (order 1) or of the first-order gradients (order 2)."""
    graph, inputs, outs = build_graph(gj, case, dtype_map=_float64)
    values = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in case.inputs]
    float_idx = [i for i, a in enumerate(values) if a.dtype.kind == "f"]
    assert float_idx, f"{case.name}: a gradient case needs a float input"
    rng = np.random.default_rng(7)
    xs = [inputs[i] for i in float_idx]
    with graph.as_default():
        diff_outs = [o for o in outs if o.dtype.is_floating]
        weights = [rng.normal(size=o.shape.as_list()) for o in diff_outs]
        loss = gj.add_n([gj.reduce_sum(o * w) for o, w in zip(diff_outs, weights)])
        if order == 2:
            first = [g for g in gj.gradients(loss, xs) if g is not None]
            assert first, f"{case.name}: no first-order gradient to differentiate"
            loss = gj.add_n([gj.reduce_sum(g * rng.normal(size=g.shape.as_list()))
                             for g in first])
        grads = gj.gradients(loss, xs)
    with gj.Session(graph=graph, executor="interpreted") as sess:
        if any(op.type == "var_handle" for op in graph.get_operations()):
            with graph.as_default():
                sess.run(gj.global_variables_initializer())
        feed = dict(zip(inputs, values))
        symbolic = sess.run([g if g is not None else loss for g in grads], feed)
        for k, i in enumerate(float_idx):
            if grads[k] is None:
                symbolic[k] = np.zeros_like(values[i])
            numeric = np.zeros_like(values[i])
            flat = values[i].reshape(-1)
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + case.fd_eps
                up = sess.run(loss, feed)
                flat[j] = orig - case.fd_eps
                down = sess.run(loss, feed)
                flat[j] = orig
                numeric.reshape(-1)[j] = (up - down) / (2 * case.fd_eps)
            tol = case.grad_tol * (10 if order == 2 else 1)
            np.testing.assert_allclose(symbolic[k], numeric, rtol=tol, atol=tol,
                                       err_msg=f"{case.name}: order {order}, d/d input {i}")
    return graph


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c.name for c in GRAD_CASES])
def test_gradient_matches_finite_differences(case: Case):
    _check_against_finite_differences(case, order=1)


@pytest.mark.parametrize("case", GRAD2_CASES, ids=[c.name for c in GRAD2_CASES])
def test_second_order_gradient_matches_finite_differences(case: Case):
    _check_against_finite_differences(case, order=2)


def _covered_types() -> tuple[set, set]:
    """Op types with a value check, and op types whose gradient is checked numerically
    (forward graphs of gradient cases; gradient graphs of second-order cases)."""
    covered, grad_covered = set(), set()
    for case in CASES:
        graph, inputs, outs = build_graph(gj, case)
        types = {op.type for op in graph.get_operations()}
        covered |= types
        if case.grad and not case.random:
            grad_covered |= types
        if case.grad2:
            with graph.as_default():
                floats = [x for x in inputs if x.dtype.is_floating]
                gj.gradients([o for o in outs if o.dtype.is_floating], floats)
            grad_covered |= {op.type for op in graph.get_operations()}
    return covered, grad_covered


def test_every_registered_op_has_a_case_and_a_gradient_check():
    covered, grad_covered = _covered_types()
    ops = registry.all_ops()
    missing = sorted(set(ops) - covered)
    assert not missing, f"ops without a test case: {missing}"
    needs_grad = {n for n, d in ops.items() if d.gradient is not None}
    missing_grad = sorted(needs_grad - grad_covered - {"read_variable"})
    assert not missing_grad, f"differentiable ops without a gradient check: {missing_grad}"


def test_every_op_has_rules():
    for name, opdef in registry.all_ops().items():
        assert callable(opdef.infer), name
        assert callable(opdef.reference), name
        assert opdef.gradient is not None or opdef.no_gradient, name
