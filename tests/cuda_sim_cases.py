"""The CUDA backend under Numba's simulator: every kernel family and a training loop,
compared with the interpreted executor, plus device residency and error paths.

Run by tests/test_cuda_sim.py in a child process with NUMBA_ENABLE_CUDASIM=1 (the
variable must be set before numba is imported); collected directly, it skips unless
the simulator is on, or GRAPHJIT_CUDA_DEVICE_TESTS=1 asks for the same tests on a real
GPU (benchmarks/gpu_bench.py does).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

ON_DEVICE = os.environ.get("GRAPHJIT_CUDA_DEVICE_TESTS") == "1"
if os.environ.get("NUMBA_ENABLE_CUDASIM") != "1" and not ON_DEVICE:
    pytest.skip("needs NUMBA_ENABLE_CUDASIM=1 (run through tests/test_cuda_sim.py)",
                allow_module_level=True)

import graphjit as gj  # noqa: E402
from graphjit.compiler.lowering import cuda  # noqa: E402
from tests.cuda_cases import CASES, mlp_training  # noqa: E402


def _run(case, **session):
    graph = gj.Graph()
    with graph.as_default():
        fetches, feeds = case.build(gj)
    with gj.Session(graph=graph, **session) as sess:
        return sess.run(fetches, feeds), graph, fetches, feeds


@pytest.mark.skipif(ON_DEVICE, reason="on a GPU")
def test_the_simulator_is_on_and_launches_are_checked():
    assert cuda.SIMULATOR and cuda.CHECK_SIGNATURES
    assert cuda.CONFIG.threads * cuda.CONFIG.max_blocks < 100  # a few small blocks


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cuda_matches_interpreted(case):
    expected, *_ = _run(case, executor="interpreted")
    actual, graph, fetches, feeds = _run(case, device="cuda")
    for k, (a, e) in enumerate(zip(actual, expected)):
        a, e = np.asarray(a), np.asarray(e)
        assert a.dtype == e.dtype and a.shape == e.shape, (case.name, k, a.dtype, e.dtype)
        if e.dtype.kind in "biu":
            np.testing.assert_array_equal(a, e, err_msg=f"{case.name} fetch {k}")
        else:
            np.testing.assert_allclose(a, e, rtol=case.rtol, atol=case.atol,
                                       err_msg=f"{case.name} fetch {k}")


def test_every_case_runs_mostly_on_the_device():
    """Host fallbacks are explicit: only the ops listed here may run on the host."""
    allowed = {"cumsum"}
    for case in CASES:
        graph = gj.Graph()
        with graph.as_default():
            fetches, feeds = case.build(gj)
            plan = gj.compile(fetches, feeds, device="cuda")
        hosts = {node.op for node, _ in plan.executable.fallbacks()}
        assert hosts <= allowed, (case.name, hosts)
        text = str(plan)
        if hosts:
            assert "host fallback (" in text and "host fallbacks" in text


def test_fused_elementwise_is_one_kernel_with_a_grid_stride_loop():
    graph = gj.Graph()
    with graph.as_default():
        fetches, feeds = CASES[0].build(gj)
        plan = gj.compile(fetches, feeds, device="cuda")
    kernels = plan.executable.kernels()
    assert len(kernels) == 1 and kernels[0].family == "elementwise"
    assert "cuda.gridsize(1)" in kernels[0].source and "fm.tanh_f32" in kernels[0].source
    assert "elementwise[" in plan.executable.describe()


def test_training_matches_interpreted_and_stays_on_the_device():
    results = {}
    for mode in ("interpreted", "cuda"):
        graph = gj.Graph()
        with graph.as_default():
            loss, train, feeds, variables = mlp_training(gj)
            init = gj.global_variables_initializer()
        session = {"executor": "interpreted"} if mode == "interpreted" else {"device": "cuda"}
        with gj.Session(graph=graph, **session) as sess:
            sess.run(init)
            losses = [sess.run([loss, train], feeds)[0] for _ in range(3)]
            if mode == "cuda":
                plan = list(sess._plans.values())[-1]
                transfers = plan.executable.last_transfers
                fed = sum(np.asarray(v).nbytes for v in feeds.values())
                # third step: the two feeds go up once, only the loss comes back
                assert transfers == {"h2d": fed, "d2h": 4}, transfers
                assert not plan.executable.fallbacks() or {
                    n.op for n, _ in plan.executable.fallbacks()} == {"var_handle"}
            results[mode] = losses, sess.run(variables)
    (l_ref, v_ref), (l_gpu, v_gpu) = results["interpreted"], results["cuda"]
    np.testing.assert_allclose(l_gpu, l_ref, rtol=1e-5, atol=1e-6)
    assert l_gpu[-1] < l_gpu[0]
    for a, b in zip(v_gpu, v_ref):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_failed_run_commits_nothing_and_names_the_op():
    graph = gj.Graph()
    with graph.as_default():
        v = gj.Variable(np.arange(4, dtype=np.float32), name="v")
        idx = gj.placeholder(gj.int32, [2])
        picked = gj.gather(v, idx)
        update = v.assign_add(gj.ones([4]) * 2.0)
        with gj.control_dependencies([update]):
            out = picked * 1.0
        init = gj.global_variables_initializer()
    with gj.Session(graph=graph, device="cuda") as sess:
        sess.run(init)
        sess.run(out, {idx: [0, 3]})
        np.testing.assert_array_equal(sess.run(v), [2, 3, 4, 5])
        with pytest.raises(gj.errors.InvalidArgumentError, match="GatherV2|gather"):
            sess.run(out, {idx: [0, 9]})
        np.testing.assert_array_equal(sess.run(v), [2, 3, 4, 5])  # the update was dropped
        # the store holds true values even for device-written variables after a failure
        store_value = sess._store.values["v"]
        np.testing.assert_array_equal(store_value, [2, 3, 4, 5])


def test_uninitialized_variable_and_reloaded_values():
    graph = gj.Graph()
    with graph.as_default():
        v = gj.Variable(np.ones(3, np.float32), name="v")
        doubled = v * 2.0
        bump = v.assign_add([1.0, 1.0, 1.0])
    with gj.Session(graph=graph, device="cuda") as sess:
        with pytest.raises(gj.errors.FailedPreconditionError):
            sess.run(doubled)
        sess.run(v.initializer)
        sess.run(bump)
        np.testing.assert_array_equal(sess.run(doubled), [4, 4, 4])
        v.load(np.array([5, 6, 7], np.float32), sess)  # a host write replaces the device copy
        np.testing.assert_array_equal(sess.run(doubled), [10, 12, 14])
        sess.run(bump)
        np.testing.assert_array_equal(sess.run(v), [6, 7, 8])


def test_an_unspecializable_run_sees_device_written_variables():
    # dynamic_partition's output shape depends on the data: the run is interpreted on the
    # host, after the device-written variable is copied back.
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [4, 3])
        ids = gj.placeholder(gj.int32, [4])
        v = gj.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="v")
        bump = v.assign_add(np.ones((2, 3), np.float32))
        (part,) = gj.dynamic_partition(x, ids, 1)
    feeds = {x: np.ones((4, 3), np.float32), ids: np.zeros(4, np.int32)}
    with gj.Session(graph=graph, device="cuda") as sess:
        sess.run(v.initializer)
        sess.run(bump)  # written on the device
        got_part, got_v = sess.run([part, v.value()], feeds)
    np.testing.assert_array_equal(got_v, np.arange(6).reshape(2, 3) + 1)
    np.testing.assert_array_equal(got_part, np.ones((4, 3)))


def test_random_ops_fall_back_to_the_host_and_are_listed():
    graph = gj.Graph()
    with graph.as_default():
        r = gj.random_uniform([3, 4], seed=1) * 2.0
        plan = gj.compile(r, device="cuda")
    text = plan.executable.describe()
    assert "host fallback (stateful or random" in text and "random_uniform" in text
    with gj.Session(graph=graph, device="cuda") as sess:
        value = sess.run(r)
    assert value.shape == (3, 4) and value.dtype == np.float32
    assert 0 <= value.min() and value.max() < 2


def test_scalar_variable_and_constant_keep_shape_empty():
    """A 0-d value stays 0-d on the device (np.ascontiguousarray made it (1,))."""
    graph = gj.Graph()
    with graph.as_default():
        v = gj.Variable(np.float32(1.5))
        init = gj.global_variables_initializer()
        c = gj.constant(np.float32(2.0))
        assign = v.assign(c)
        bump = v.assign_add(c)
    with gj.Session(graph=graph, device="cuda") as sess:
        sess.run(init)
        value = sess.run(v.value())
        assert np.shape(value) == () and value == np.float32(1.5)
        assert np.shape(sess.run(c)) == ()
        assert np.shape(sess.run(assign)) == ()
        assert np.shape(sess.run(bump)) == ()
        value = sess.run(v.value())
        assert np.shape(value) == () and value == np.float32(4.0)


def test_rounding_keeps_the_sign_of_a_zero_result():
    """ceil/floor/round of a negative (or -0.0) input giving zero give -0.0, as NumPy."""
    xs = np.array([-0.47, -0.5, -0.0, 0.0, 0.3, 0.5, -1.5, 2.5], np.float32)
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [len(xs)])
        fetches = [gj.ceil(x), gj.floor(x), gj.round(x), gj.rsqrt(gj.ceil(x))]
    with gj.Session(graph=graph, device="cuda") as sess:
        got = sess.run(fetches, {x: xs})
    with np.errstate(divide="ignore"):
        want = [np.ceil(xs), np.floor(xs), np.rint(xs),
                np.float32(1) / np.sqrt(np.ceil(xs))]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        known = ~np.isnan(w)  # a NaN's sign is not specified
        np.testing.assert_array_equal(np.signbit(g[known]), np.signbit(w[known]))
    assert got[3][0] == -np.inf
