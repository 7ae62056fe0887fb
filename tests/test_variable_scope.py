"""variable_scope / get_variable / initializers: names, sharing, errors and initial values,
against TF1's rules (and TensorFlow itself when it is importable)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit import initializers as init
from graphjit.graphlib import variable_scope as vs


def _run(fetches, executor="interpreted"):
    with gj.Session(executor=executor) as sess:
        sess.run(gj.global_variables_initializer())
        return sess.run(fetches)


def test_names_follow_variable_scope_not_name_scope():
    with gj.name_scope("outer"):
        with vs.variable_scope("model") as scope:
            w = vs.get_variable("w", [2, 3])
            c = gj.constant(1.0, name="c")
    assert scope.name == "model"
    assert w.name == "model/w:0"
    assert c.name == "outer/model/c:0"
    assert w.op.name == "model/w"
    assert gj.get_default_graph().get_operation_by_name("model/w/Initializer/random_uniform")


def test_reuse_true_shares_and_reenters_a_fresh_name_scope():
    with vs.variable_scope("m"):
        w = vs.get_variable("w", [2])
    with vs.variable_scope("m", reuse=True):
        w2 = vs.get_variable("w")
        c = gj.constant(0.0, name="c")
    assert w2 is w
    assert c.name == "m_1/c:0"
    assert gj.global_variables() == [w]


def test_reuse_is_inherited_by_subscopes_and_false_does_not_undo_it():
    with vs.variable_scope("a"):
        with vs.variable_scope("b"):
            w = vs.get_variable("w", [1])
    with vs.variable_scope("a", reuse=True):
        with vs.variable_scope("b", reuse=False) as inner:
            assert inner.reuse is True
            assert vs.get_variable("w", [1]) is w


def test_auto_reuse_creates_then_shares():
    def tower(x):
        with vs.variable_scope("tower", reuse=vs.AUTO_REUSE):
            return x * vs.get_variable("scale", initializer=np.float32(3.0))

    a, b = tower(gj.constant(1.0)), tower(gj.constant(2.0))
    assert len(gj.global_variables()) == 1
    assert _run([a, b]) == [3.0, 6.0]


def test_existing_variable_without_reuse_is_tf_value_error():
    with vs.variable_scope("s"):
        vs.get_variable("w", [1])
    with pytest.raises(ValueError, match=r"Variable s/w already exists, disallowed\. Did you "
                       r"mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope\?"):
        with vs.variable_scope("s"):
            vs.get_variable("w", [1])


def test_missing_variable_with_reuse_true_is_tf_value_error():
    with pytest.raises(ValueError, match=r"Variable nope/w does not exist, or was not created "
                       r"with tf.get_variable\(\)"):
        with vs.variable_scope("nope", reuse=True):
            vs.get_variable("w", [1])


def test_shape_and_dtype_mismatch_on_sharing():
    with vs.variable_scope("s"):
        vs.get_variable("w", [2, 3])
    with vs.variable_scope("s", reuse=True):
        with pytest.raises(ValueError, match=r"Trying to share variable s/w, but specified "
                           r"shape \(3, 2\)|Trying to share variable s/w, but specified shape"):
            vs.get_variable("w", [3, 2])
        with pytest.raises(ValueError, match="specified dtype float64 and found dtype "
                           "float32"):
            vs.get_variable("w", [2, 3], dtype=gj.float64)


def test_constant_initializer_value_rules():
    with pytest.raises(ValueError, match="If initializer is a constant, do not specify "
                       "shape"):
        vs.get_variable("a", [2], initializer=np.ones(2, np.float32))
    with pytest.raises(ValueError, match="Initializer type 'float32' and explicit dtype "
                       "'float64' don't match"):
        vs.get_variable("b", dtype=gj.float64, initializer=np.ones(2, np.float32))
    with pytest.raises(ValueError, match="did not get an initializer, so its `shape`"):
        vs.get_variable("c")
    v = vs.get_variable("d", initializer=gj.constant([[1, 2]]))
    assert v.dtype == gj.int32 and v.shape.as_list() == [1, 2]
    np.testing.assert_array_equal(_run(v), [[1, 2]])


def test_default_initializers_glorot_for_floats_zeros_for_ints():
    w = vs.get_variable("w", [30, 50])
    k = vs.get_variable("k", [3, 3, 4, 8], dtype=gj.float64)
    n = vs.get_variable("n", [4], dtype=gj.int64)
    b = vs.get_variable("b", [2], dtype=gj.bool)
    wv, kv, nv, bv = _run([w, k, n, b])
    limit = math.sqrt(6.0 / 80)
    assert wv.dtype == np.float32 and np.abs(wv).max() <= limit
    assert np.abs(wv).max() > 0.8 * limit  # drawn from the whole range, not a narrower one
    assert kv.dtype == np.float64 and np.abs(kv).max() <= math.sqrt(6.0 / (36 + 72))
    np.testing.assert_array_equal(nv, np.zeros(4, np.int64))
    np.testing.assert_array_equal(bv, np.zeros(2, bool))


def test_scope_initializer_dtype_and_regularizer_are_defaults():
    with vs.variable_scope("s", initializer=init.constant_initializer(0.5),
                           regularizer=lambda v: gj.reduce_sum(v) * 2.0, dtype=gj.float64):
        w = vs.get_variable("w", [3])
        u = vs.get_variable("u", [2], initializer=init.ones_initializer(),
                            regularizer=vs.no_regularizer)
    assert w.dtype == gj.float64 and u.dtype == gj.float64
    losses = gj.get_collection(gj.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1 and losses[0].op.name.startswith("s/w/Regularizer/")
    wv, uv, lv = _run([w, u, losses[0]])
    np.testing.assert_array_equal(wv, [0.5] * 3)
    np.testing.assert_array_equal(uv, [1.0, 1.0])
    assert lv == 3.0


def test_default_name_is_uniquified_among_variable_scopes():
    names = []
    for _ in range(3):
        with vs.variable_scope(None, default_name="layer"):
            names.append(vs.get_variable("w", [1]).name)
    assert names == ["layer/w:0", "layer_1/w:0", "layer_2/w:0"]
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        with vs.variable_scope(None, default_name="x", reuse=True):
            pass
    with pytest.raises(TypeError, match="If default_name is None then name_or_scope is "
                       "required"):
        vs.variable_scope(None)


def test_captured_scope_reentry_and_reuse_variables():
    with vs.variable_scope("enc") as scope:
        w = vs.get_variable("w", [2])
    with vs.variable_scope(scope, reuse=True):
        assert vs.get_variable("w") is w
        assert vs.get_variable_scope().name == "enc"
    with vs.variable_scope("enc") as again:
        again.reuse_variables()
        assert vs.get_variable("w") is w
    assert vs.get_variable_scope().name == ""


def test_variables_ignore_control_dependencies_and_trainable_flag():
    c = gj.constant(1.0)
    with gj.control_dependencies([c]):
        v = vs.get_variable("v", [1], trainable=False, collections=[
            gj.GraphKeys.LOCAL_VARIABLES])
    assert not v.initializer.control_inputs
    assert v in gj.local_variables() and v not in gj.trainable_variables()
    assert v not in gj.global_variables()


def test_custom_getter_wraps_creation():
    seen = []

    def getter(next_getter, name, *args, **kwargs):
        seen.append(name)
        return next_getter(name, *args, **kwargs)

    with vs.variable_scope("g", custom_getter=getter):
        vs.get_variable("w", [1])
    assert seen == ["g/w"]


def test_partitioner_is_rejected():
    with pytest.raises(ValueError, match="partitioned variables"):
        vs.get_variable("p", [4], partitioner=lambda shape, dtype: [2])


def test_initializer_classes_values():
    vals = _run([
        init.zeros_initializer()([2, 2]),
        init.ones_initializer(dtype=gj.int32)([3]),
        init.constant_initializer([1, 2, 3, 4])([2, 2]),
        init.constant_initializer(7)([2], dtype=gj.float64),
    ])
    np.testing.assert_array_equal(vals[0], np.zeros((2, 2), np.float32))
    assert vals[1].dtype == np.int32 and list(vals[1]) == [1, 1, 1]
    np.testing.assert_array_equal(vals[2], [[1, 2], [3, 4]])
    assert vals[3].dtype == np.float64 and list(vals[3]) == [7.0, 7.0]
    assert init.glorot_uniform_initializer.from_config(
        init.glorot_uniform_initializer(seed=3).get_config()).seed == 3


def test_initializer_argument_errors():
    with pytest.raises(ValueError, match="`scale` must be a positive float"):
        init.variance_scaling_initializer(scale=0.0)
    with pytest.raises(ValueError, match="`mode` should be one of"):
        init.variance_scaling_initializer(mode="fan_sum")
    with pytest.raises(ValueError, match="`distribution` should be one of"):
        init.variance_scaling_initializer(distribution="cauchy")
    with pytest.raises(ValueError, match="expected to be floating point"):
        init.random_normal_initializer(dtype=gj.int32)
    with pytest.raises(TypeError, match="Invalid type for initial value"):
        init.constant_initializer({"a": 1})


def test_seeded_initializers_repeat_in_a_new_session():
    x = init.random_normal_initializer(seed=7)([100])
    with gj.Session(executor="interpreted") as s1:
        a = s1.run(x)
    with gj.Session(executor="interpreted") as s2:
        b = s2.run(x)
    np.testing.assert_array_equal(a, b)


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 6), min_size=0, max_size=4),
       mode=st.sampled_from(["fan_in", "fan_out", "fan_avg"]),
       scale=st.floats(0.1, 4.0))
def test_variance_scaling_uniform_stays_within_its_limit(shape, mode, scale):
    fan_in, fan_out = vs.compute_fans(shape)
    if len(shape) >= 2:
        rf = int(np.prod(shape[:-2]))
        assert (fan_in, fan_out) == (shape[-2] * rf, shape[-1] * rf)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    limit = math.sqrt(3.0 * scale / max(1.0, n))
    with gj.Graph().as_default():
        t = init.variance_scaling_initializer(scale, mode, "uniform", seed=1)(shape)
        with gj.Session(executor="interpreted") as sess:
            value = sess.run(t)
    assert value.shape == tuple(shape) and value.dtype == np.float32
    assert np.all(np.abs(value) <= limit * (1 + 1e-6))


@settings(max_examples=20, deadline=None)
@given(depth=st.integers(1, 4), reenter=st.integers(1, 3))
def test_nested_scope_names(depth, reenter):
    with gj.Graph().as_default():
        created = []
        for i in range(reenter):
            scopes = [vs.variable_scope(f"s{d}", reuse=vs.AUTO_REUSE) for d in range(depth)]
            for s in scopes:
                s.__enter__()
            created.append(vs.get_variable("w", [1]))
            op_scope = gj.constant(0.0, name="c").op.name
            for s in reversed(scopes):
                s.__exit__(None, None, None)
            expected_top = "s0" if i == 0 else f"s0_{i}"
            assert op_scope.split("/")[0] == expected_top
        path = "/".join(f"s{d}" for d in range(depth))
        assert all(v is created[0] for v in created)
        assert created[0].name == f"{path}/w:0"


def test_same_names_as_tensorflow():
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()

    def build(t, scope_mod):
        out = []
        with t.name_scope("ns"):
            with scope_mod.variable_scope("a"):
                out.append(scope_mod.get_variable("w", [2]))
                with scope_mod.variable_scope(None, default_name="sub"):
                    out.append(t.identity(scope_mod.get_variable("v", [1]), name="id"))
        with scope_mod.variable_scope("a", reuse=True):
            out.append(t.add(scope_mod.get_variable("w", [2]), 1.0, name="plus"))
        with scope_mod.variable_scope(None, default_name="sub"):
            out.append(scope_mod.get_variable("v", [1]))
        with scope_mod.variable_scope("a", reuse=tf.AUTO_REUSE if t is tf else vs.AUTO_REUSE):
            with scope_mod.variable_scope(None, default_name="sub"):
                out.append(scope_mod.get_variable("q", [1]))
        return [x.name for x in out]

    with tf.Graph().as_default():
        theirs = build(tf, tf)
    with gj.Graph().as_default():
        ours = build(gj, vs)
    assert ours == theirs


def test_regularization_loss_names_and_values_as_tensorflow():
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()

    def build(t, scope_mod, inits):
        with scope_mod.variable_scope("net"):
            w = scope_mod.get_variable("w", [2, 2], initializer=inits.constant_initializer(
                [[1.0, -2.0], [3.0, 0.5]]), regularizer=lambda v: 0.1 * t.reduce_sum(v * v))
        losses = t.get_collection(t.GraphKeys.REGULARIZATION_LOSSES)
        total = t.add_n(losses) + 1.0
        later = t.multiply(w, 2.0)
        return [losses[0].name, total.name, later.name], [losses[0], total]

    with tf.Graph().as_default():
        names_tf, outs = build(tf, tf, tf)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            values_tf = sess.run(outs)
    with gj.Graph().as_default():
        names_gj, outs = build(gj, vs, init)
        values_gj = _run(outs)
    assert names_gj == names_tf
    np.testing.assert_allclose(values_gj, values_tf, rtol=1e-6)
