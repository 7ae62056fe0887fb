"""Random ops: statistics of the draws, TF's seed rules, reproducibility across Sessions,
and build/run-time errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.graphlib.ops.random import get_seed

EXECUTORS = ["interpreted", "compiled"]


def run(fetches, executor="interpreted", graph=None, runs=1, feed_dict=None):
    with gj.Session(graph=graph, executor=executor) as sess:
        values = [sess.run(fetches, feed_dict) for _ in range(runs)]
    return values[0] if runs == 1 else values


@pytest.mark.parametrize("dtype", [gj.float32, gj.float64])
def test_random_normal_statistics(dtype):
    x = gj.random_normal([200_000], mean=-1.5, stddev=3.0, dtype=dtype, seed=11)
    v = run(x)
    assert v.dtype == dtype.np and v.shape == (200_000,)
    assert abs(v.mean() + 1.5) < 0.05
    assert abs(v.std() - 3.0) < 0.05


def test_random_normal_takes_tensor_mean_and_stddev_and_differentiates_them():
    mean = gj.placeholder(gj.float32, [])
    stddev = gj.placeholder(gj.float32, [])
    x = gj.random_normal([1000], mean=mean, stddev=stddev, seed=3)
    d_mean, d_stddev = gj.gradients(gj.reduce_sum(x), [mean, stddev])
    v, dm, ds = run([x, d_mean, d_stddev], feed_dict={mean: 10.0, stddev: 0.5})
    assert abs(v.mean() - 10.0) < 0.1
    assert dm == pytest.approx(1000.0)
    np.testing.assert_allclose(ds, ((v - 10.0) / 0.5).sum(), rtol=1e-3, atol=1e-2)


def test_random_uniform_float_range_and_mean():
    v = run(gj.random_uniform([100_000], minval=-2.0, maxval=6.0, seed=5))
    assert v.dtype == np.float32
    assert v.min() >= -2.0 and v.max() < 6.0
    assert abs(v.mean() - 2.0) < 0.05
    assert abs(v.std() - 8 / np.sqrt(12)) < 0.05


def test_random_uniform_default_is_unit_interval_op():
    x = gj.random_uniform([10_000], seed=1)
    assert x.op.type == "random_uniform"
    v = run(x)
    assert 0 <= v.min() and v.max() < 1


@pytest.mark.parametrize("dtype", [gj.int32, gj.int64])
def test_random_uniform_int_covers_half_open_range(dtype):
    v = run(gj.random_uniform([5000], minval=-3, maxval=4, dtype=dtype, seed=9))
    assert v.dtype == dtype.np
    assert set(np.unique(v)) == set(range(-3, 4))


def test_random_uniform_int_needs_maxval():
    with pytest.raises(ValueError, match="maxval"):
        gj.random_uniform([3], dtype=gj.int32)


def test_random_uniform_int_empty_range_is_a_run_time_error():
    hi = gj.placeholder(gj.int32, [])
    x = gj.random_uniform([3], minval=5, maxval=hi, dtype=gj.int32)
    with pytest.raises(gj.errors.InvalidArgumentError, match="minval < maxval"):
        run(x, feed_dict={hi: 5})


def test_truncated_normal_redraws_beyond_two_stddevs():
    v = run(gj.truncated_normal([200_000], mean=1.0, stddev=0.5, seed=4))
    assert np.abs(v - 1.0).max() <= 1.0
    assert abs(v.mean() - 1.0) < 0.01
    # The standard normal truncated to [-2, 2] has standard deviation 0.8796.
    assert abs(v.std() - 0.5 * 0.87962566) < 0.01


def test_random_shuffle_permutes_rows():
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    v = run(gj.random_shuffle(x, seed=2))
    assert sorted(map(tuple, v)) == sorted(map(tuple, x))
    assert not np.array_equal(v, x)


@pytest.mark.parametrize("executor", EXECUTORS)
def test_successive_runs_differ_and_a_new_session_repeats_them(executor):
    x = gj.random_normal([8], seed=42)
    first = run(x, executor, runs=3)
    assert not np.array_equal(first[0], first[1])
    assert not np.array_equal(first[1], first[2])
    again = run(x, executor, runs=3)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)


def _build(graph_seed, op_seed):
    g = gj.Graph()
    with g.as_default():
        if graph_seed is not None:
            gj.set_random_seed(graph_seed)
        a = gj.random_uniform([16], seed=op_seed)
        b = gj.random_uniform([16], seed=op_seed)
    return g, a, b


def test_graph_seed_makes_identically_built_graphs_repeat():
    g1, a1, b1 = _build(7, None)
    g2, a2, b2 = _build(7, None)
    v1, v2 = run([a1, b1], graph=g1), run([a2, b2], graph=g2)
    np.testing.assert_array_equal(v1[0], v2[0])
    np.testing.assert_array_equal(v1[1], v2[1])
    assert not np.array_equal(v1[0], v1[1]), "ops under one graph seed draw differently"
    g3, a3, _ = _build(8, None)
    assert not np.array_equal(run(a3, graph=g3), v1[0])


def test_op_seed_alone_repeats_and_same_op_seeds_repeat_each_other():
    g1, a1, b1 = _build(None, 5)
    g2, a2, _ = _build(None, 5)
    va, vb = run([a1, b1], graph=g1)
    np.testing.assert_array_equal(va, run(a2, graph=g2))
    np.testing.assert_array_equal(va, vb)  # as in TF: same (graph, op) seeds, same stream


def test_no_seeds_is_nondeterministic():
    g1, a1, _ = _build(None, None)
    g2, a2, _ = _build(None, None)
    assert not np.array_equal(run(a1, graph=g1), run(a2, graph=g2))


def test_get_seed_follows_tf_rules():
    g = gj.Graph()
    with g.as_default():
        assert get_seed(None) == (0, 0)
        assert get_seed(5) == (87654321, 5)
        gj.set_random_seed(1)
        assert g.seed == 1
        s1, s2 = get_seed(None), get_seed(None)
        assert s1[0] == s2[0] == 1 and s1[1] != s2[1]
        assert get_seed(9) == (1, 9)
        gj.set_random_seed(0)
        assert get_seed(0) == (0, 2**31 - 1)


def test_set_random_seed_is_exported_like_tf():
    gj.set_random_seed(123)
    assert gj.get_default_graph().seed == 123


def test_tensor_names_follow_tf():
    assert gj.random_normal([2]).name == "random_normal:0"
    assert gj.truncated_normal([2]).name == "truncated_normal:0"
    assert gj.random_uniform([2], 1.0, 2.0).name == "random_uniform:0"
    assert gj.random_uniform([2], maxval=4, dtype=gj.int32, name="u").name == "u:0"


def test_bad_shapes_and_dtypes_fail_at_build_time():
    with pytest.raises(ValueError):
        gj.random_normal(3)
    with pytest.raises(ValueError):
        gj.random_normal(gj.TensorShape([None, 2]))
    with pytest.raises(ValueError):
        gj.random_normal([2, -1])
    with pytest.raises(TypeError):
        gj.random_normal([2], dtype=gj.int32)
    with pytest.raises(TypeError):
        gj.random_normal(gj.constant([2.0]))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=0, max_size=4),
       st.sampled_from(["normal", "uniform", "truncated", "int"]))
def test_static_and_run_time_shapes_match_the_requested_shape(shape, kind):
    g = gj.Graph()
    with g.as_default():
        x = {"normal": lambda: gj.random_normal(shape),
             "uniform": lambda: gj.random_uniform(shape),
             "truncated": lambda: gj.truncated_normal(shape, dtype=gj.float64),
             "int": lambda: gj.random_uniform(shape, maxval=3, dtype=gj.int64)}[kind]()
    assert x.shape.as_list() == shape
    v = np.asarray(run(x, graph=g))
    assert v.shape == tuple(shape) and v.dtype == x.dtype.np


def test_dynamic_shape_from_a_placeholder():
    p = gj.placeholder(gj.float32, [None, 3])
    x = gj.random_uniform(gj.shape(p))
    assert x.shape.rank == 2
    assert run(x, feed_dict={p: np.zeros((5, 3))}).shape == (5, 3)
