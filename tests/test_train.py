"""`gj.train`: every optimizer's trajectory equals a NumPy re-implementation of TF1's update
rule and TensorFlow's own trajectory, under both executors; slots, global step, var_list,
learning-rate tensors and schedules, and the errors TF raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import graphjit as gj

EXECUTORS = ("interpreted", "compiled")
STEPS = 5

_rng = np.random.default_rng(7)
X = _rng.normal(size=(8, 3)).astype(np.float32)
Y = _rng.normal(size=(8, 2)).astype(np.float32)
W0 = _rng.normal(size=(3, 2)).astype(np.float32)
B0 = _rng.normal(size=(2,)).astype(np.float32)


def _tf():
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    return tf


# -- TF1's update rules in NumPy (from the ApplyXxx kernels' documentation) ------------------


class NumpyOptimizer:
    """One dense update per variable; `state` holds that variable's slots."""

    def __init__(self, **hyper):
        self.h = {k: np.float32(v) if isinstance(v, float) else v for k, v in hyper.items()}
        self.state: dict[int, dict] = {}

    def step(self, variables: list[np.ndarray], grads: list[np.ndarray]) -> None:
        for i, (v, g) in enumerate(zip(variables, grads)):
            self.update(self.state.setdefault(i, self.init_state(v)), v, g)
        self.finish()

    def init_state(self, v):
        return {}

    def finish(self):
        pass


class NpGradientDescent(NumpyOptimizer):
    def update(self, s, var, g):
        var -= self.h["lr"] * g


class NpMomentum(NumpyOptimizer):
    def init_state(self, v):
        return {"accum": np.zeros_like(v)}

    def update(self, s, var, g):
        lr, mom = self.h["lr"], self.h["momentum"]
        s["accum"] = s["accum"] * mom + g
        if self.h.get("nesterov"):
            var -= g * lr + s["accum"] * mom * lr
        else:
            var -= lr * s["accum"]


class NpAdam(NumpyOptimizer):
    def __init__(self, **hyper):
        super().__init__(**hyper)
        self.b1p, self.b2p = self.h["beta1"], self.h["beta2"]

    def init_state(self, v):
        return {"m": np.zeros_like(v), "v": np.zeros_like(v)}

    def update(self, s, var, g):
        h, one = self.h, np.float32(1)
        alpha = h["lr"] * np.sqrt(one - self.b2p) / (one - self.b1p)
        s["m"] = s["m"] + (g - s["m"]) * (one - h["beta1"])
        s["v"] = s["v"] + (g * g - s["v"]) * (one - h["beta2"])
        var -= s["m"] * alpha / (np.sqrt(s["v"]) + h["epsilon"])

    def finish(self):
        self.b1p = self.b1p * self.h["beta1"]
        self.b2p = self.b2p * self.h["beta2"]


class NpRMSProp(NumpyOptimizer):
    def init_state(self, v):
        return {"ms": np.ones_like(v), "mg": np.zeros_like(v), "mom": np.zeros_like(v)}

    def update(self, s, var, g):
        h, one = self.h, np.float32(1)
        s["ms"] = s["ms"] + (g * g - s["ms"]) * (one - h["decay"])
        denom = s["ms"] + h["epsilon"]
        if h.get("centered"):
            s["mg"] = s["mg"] + (g - s["mg"]) * (one - h["decay"])
            denom = denom - s["mg"] * s["mg"]
        s["mom"] = s["mom"] * h["momentum"] + h["lr"] * g / np.sqrt(denom)
        var -= s["mom"]


@dataclass
class OptCase:
    name: str
    make: Callable          # make(tf) -> optimizer, for graphjit and TensorFlow alike
    numpy: Callable         # () -> NumpyOptimizer
    slots: list             # TF's global variable names after minimize (besides w, b)


OPT_CASES = [
    OptCase("sgd", lambda tf: tf.train.GradientDescentOptimizer(0.1),
            lambda: NpGradientDescent(lr=0.1), []),
    OptCase("momentum", lambda tf: tf.train.MomentumOptimizer(0.05, 0.9),
            lambda: NpMomentum(lr=0.05, momentum=0.9), ["w/Momentum", "b/Momentum"]),
    OptCase("nesterov", lambda tf: tf.train.MomentumOptimizer(0.05, 0.8, use_nesterov=True),
            lambda: NpMomentum(lr=0.05, momentum=0.8, nesterov=True),
            ["w/Momentum", "b/Momentum"]),
    OptCase("adam", lambda tf: tf.train.AdamOptimizer(0.1),
            lambda: NpAdam(lr=0.1, beta1=0.9, beta2=0.999, epsilon=1e-8),
            ["beta1_power", "beta2_power", "w/Adam", "w/Adam_1", "b/Adam", "b/Adam_1"]),
    OptCase("adam_hyper", lambda tf: tf.train.AdamOptimizer(0.02, 0.5, 0.9, 1e-3),
            lambda: NpAdam(lr=0.02, beta1=0.5, beta2=0.9, epsilon=1e-3),
            ["beta1_power", "beta2_power", "w/Adam", "w/Adam_1", "b/Adam", "b/Adam_1"]),
    OptCase("rmsprop", lambda tf: tf.train.RMSPropOptimizer(0.01),
            lambda: NpRMSProp(lr=0.01, decay=0.9, momentum=0.0, epsilon=1e-10),
            ["w/RMSProp", "w/RMSProp_1", "b/RMSProp", "b/RMSProp_1"]),
    OptCase("rmsprop_momentum", lambda tf: tf.train.RMSPropOptimizer(0.01, 0.8, 0.5, 1e-6),
            lambda: NpRMSProp(lr=0.01, decay=0.8, momentum=0.5, epsilon=1e-6),
            ["w/RMSProp", "w/RMSProp_1", "b/RMSProp", "b/RMSProp_1"]),
    OptCase("rmsprop_centered",
            lambda tf: tf.train.RMSPropOptimizer(0.01, momentum=0.3, centered=True),
            lambda: NpRMSProp(lr=0.01, decay=0.9, momentum=0.3, epsilon=1e-10, centered=True),
            ["w/RMSProp", "w/RMSProp_1", "w/RMSProp_2", "b/RMSProp", "b/RMSProp_1",
             "b/RMSProp_2"]),
]


# -- the problem: least squares, loss = mean((x @ w + b - y)^2) -----------------------------


def build_regression(tf, make_opt, global_step=False, dtype=np.float32):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant(X.astype(dtype))
        y = tf.constant(Y.astype(dtype))
        w = tf.Variable(W0.astype(dtype), name="w")
        b = tf.Variable(B0.astype(dtype), name="b")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))
        step = tf.train.get_or_create_global_step() if global_step else None
        opt = make_opt(tf)
        train = opt.minimize(loss, global_step=step)
        init = tf.global_variables_initializer()
    return graph, dict(w=w, b=b, loss=loss, train=train, init=init, opt=opt, step=step)


def run_trajectory(tf, make_opt, steps=STEPS, dtype=np.float32, **session_kwargs):
    """[(loss before the step, w after, b after)] for each step."""
    graph, t = build_regression(tf, make_opt, dtype=dtype)
    out = []
    with tf.Session(graph=graph, **session_kwargs) as sess:
        sess.run(t["init"])
        for _ in range(steps):
            loss = sess.run(t["loss"])
            sess.run(t["train"])
            w, b = sess.run([t["w"], t["b"]])
            out.append((loss, w, b))
    return out


def numpy_trajectory(opt: NumpyOptimizer, steps=STEPS, dtype=np.float32):
    x, y = X.astype(dtype), Y.astype(dtype)
    w, b = W0.astype(dtype), B0.astype(dtype)
    out = []
    for _ in range(steps):
        r = x @ w + b - y
        loss = np.mean(r * r)
        scale = dtype(2.0 / r.size)
        opt.step([w, b], [scale * (x.T @ r), scale * r.sum(axis=0)])
        out.append((loss, w.copy(), b.copy()))
    return out


def assert_trajectories_close(actual, expected, rtol=2e-5, atol=2e-6, what=""):
    assert len(actual) == len(expected)
    for i, (a, e) in enumerate(zip(actual, expected)):
        for name, u, v in zip(("loss", "w", "b"), a, e):
            assert np.asarray(u).dtype == np.asarray(v).dtype, f"{what} step {i} {name} dtype"
            np.testing.assert_allclose(u, v, rtol=rtol, atol=atol,
                                       err_msg=f"{what}: step {i}, {name}")


@pytest.mark.parametrize("case", OPT_CASES, ids=[c.name for c in OPT_CASES])
@pytest.mark.parametrize("executor", EXECUTORS)
def test_trajectory_matches_numpy(case: OptCase, executor: str):
    ours = run_trajectory(gj, case.make, executor=executor)
    assert_trajectories_close(ours, numpy_trajectory(case.numpy()), what=case.name)
    # the problem is well posed: every optimizer makes progress in a few steps
    assert ours[-1][0] < ours[0][0]


@pytest.mark.parametrize("case", OPT_CASES, ids=[c.name for c in OPT_CASES])
def test_executors_agree(case: OptCase):
    interpreted = run_trajectory(gj, case.make, executor="interpreted")
    compiled = run_trajectory(gj, case.make, executor="compiled")
    assert_trajectories_close(compiled, interpreted, rtol=1e-5, atol=1e-6, what=case.name)


@pytest.mark.parametrize("case", OPT_CASES, ids=[c.name for c in OPT_CASES])
def test_trajectory_matches_tensorflow(case: OptCase):
    tf = _tf()
    theirs = run_trajectory(tf, case.make)
    ours = run_trajectory(gj, case.make, executor="interpreted")
    assert_trajectories_close(ours, theirs, rtol=1e-5, atol=1e-6, what=case.name)


@pytest.mark.parametrize("case", OPT_CASES, ids=[c.name for c in OPT_CASES])
def test_float64_variables(case: OptCase):
    """Python-number hyper-parameters become float32 tensors and are cast, as in TF."""
    ours = run_trajectory(gj, case.make, dtype=np.float64, executor="interpreted")
    expected = numpy_trajectory(case.numpy(), dtype=np.float64)
    assert_trajectories_close(ours, expected, rtol=1e-5, atol=1e-6, what=case.name)
    assert ours[0][1].dtype == np.float64


@pytest.mark.parametrize("case", OPT_CASES, ids=[c.name for c in OPT_CASES])
def test_slot_and_state_variables_are_named_as_tf(case: OptCase):
    graph, t = build_regression(gj, case.make, global_step=True)
    names = [v.op.name for v in graph.get_collection(gj.GraphKeys.GLOBAL_VARIABLES)]
    expected = ["w", "b", "global_step"] + case.slots
    assert sorted(names) == sorted(expected)
    trainable = [v.op.name for v in graph.get_collection(gj.GraphKeys.TRAINABLE_VARIABLES)]
    assert trainable == ["w", "b"]
    opt = t["opt"]
    assert t["train"].name == opt.get_name()
    for slot_name in opt.get_slot_names():
        slot = opt.get_slot(t["w"], slot_name)
        assert slot.shape == t["w"].shape and slot.dtype == t["w"].dtype
        assert not slot.trainable
    assert opt.get_slot(t["w"], "no_such_slot") is None
    assert sorted(v.op.name for v in opt.variables()) == sorted(case.slots)
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    tf_graph, tf_t = build_regression(tf, case.make, global_step=True)
    tf_names = [v.op.name for v in tf_graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)]
    assert sorted(names) == sorted(tf_names)
    assert opt.get_slot_names() == tf_t["opt"].get_slot_names()


def _scoped_names(tf):
    graph = tf.Graph()
    with graph.as_default():
        with tf.name_scope("layer"):
            w = tf.Variable(np.ones(2, np.float32), name="w")
        with tf.name_scope("train"):
            loss = tf.reduce_sum(tf.square(w))
            first = tf.train.AdamOptimizer(0.1).minimize(
                loss, global_step=tf.train.get_or_create_global_step())
            second = tf.train.AdamOptimizer(0.1).minimize(loss)
        names = sorted(v.op.name for v in tf.global_variables())
    return names, first.name, second.name


def test_names_under_scopes_and_with_two_optimizers():
    """Slots sit next to their variable; beta powers and train ops in the caller's scope."""
    ours = _scoped_names(gj)
    assert ours == (["global_step", "layer/w", "layer/w/Adam", "layer/w/Adam_1",
                     "layer/w/Adam_2", "layer/w/Adam_3", "train/beta1_power",
                     "train/beta1_power_1", "train/beta2_power", "train/beta2_power_1"],
                    "train/Adam", "train/Adam_1")
    assert ours == _scoped_names(_tf())


def test_slot_initial_values():
    graph, t = build_regression(gj, lambda tf: tf.train.RMSPropOptimizer(0.1, centered=True))
    opt = t["opt"]
    with gj.Session(graph=graph) as sess:
        sess.run(t["init"])
        rms, mg, mom = sess.run([opt.get_slot(t["w"], n) for n in ("rms", "mg", "momentum")])
    np.testing.assert_array_equal(rms, np.ones((3, 2), np.float32))
    np.testing.assert_array_equal(mg, np.zeros((3, 2), np.float32))
    np.testing.assert_array_equal(mom, np.zeros((3, 2), np.float32))


def test_adam_beta_powers_advance_once_per_step():
    graph, t = build_regression(gj, lambda tf: tf.train.AdamOptimizer(0.1, 0.8, 0.95))
    b1, = [v for v in t["opt"].variables() if v.op.name == "beta1_power"]
    with gj.Session(graph=graph) as sess:
        sess.run(t["init"])
        for k in range(1, 4):
            sess.run(t["train"])
            np.testing.assert_allclose(sess.run(b1), np.float32(0.8) ** (k + 1), rtol=1e-6)


# -- global step -----------------------------------------------------------------------------


@pytest.mark.parametrize("executor", EXECUTORS)
def test_global_step_increments_once_per_apply(executor):
    graph, t = build_regression(gj, lambda tf: tf.train.AdamOptimizer(0.1), global_step=True)
    assert t["step"].dtype == gj.int64 and t["step"].shape == ()
    assert t["step"].op.name == "global_step"
    with graph.as_default():
        assert gj.train.get_global_step() is t["step"]
        assert gj.train.get_or_create_global_step() is t["step"]
        with pytest.raises(ValueError, match="already exists"):
            gj.train.create_global_step()
    with gj.Session(graph=graph, executor=executor) as sess:
        sess.run(t["init"])
        assert sess.run(t["step"]) == 0
        for k in range(1, 4):
            assert sess.run(t["train"]) is None
            assert gj.train.global_step(sess, t["step"]) == k


def test_global_step_absent_then_created():
    assert gj.train.get_global_step() is None
    step = gj.train.create_global_step()
    assert not step.trainable
    assert step in gj.get_collection(gj.GraphKeys.GLOBAL_STEP)
    assert step not in gj.trainable_variables()
    assert gj.train.get_global_step() is step


def test_global_step_created_at_root_scope():
    with gj.name_scope("model"):
        step = gj.train.get_or_create_global_step()
    assert step.name == "global_step:0"


def test_get_global_step_rejects_float_step():
    gj.Variable(0.0, name="global_step")
    with pytest.raises(TypeError, match="integer"):
        gj.train.get_global_step()


def test_train_op_in_collection():
    graph, t = build_regression(gj, lambda tf: tf.train.GradientDescentOptimizer(0.1))
    assert graph.get_collection(gj.GraphKeys.TRAIN_OP) == [t["train"]]


# -- var_list, compute/apply ------------------------------------------------------------------


@pytest.mark.parametrize("executor", EXECUTORS)
def test_var_list_limits_the_update(executor):
    w = gj.Variable(W0, name="w")
    b = gj.Variable(B0, name="b")
    loss = gj.reduce_mean(gj.square(gj.matmul(X, w) + b - Y))
    train = gj.train.GradientDescentOptimizer(0.5).minimize(loss, var_list=[b])
    with gj.Session(executor=executor) as sess:
        sess.run(gj.global_variables_initializer())
        sess.run(train)
        w1, b1 = sess.run([w, b])
    np.testing.assert_array_equal(w1, W0)
    r = X @ W0 + B0 - Y
    np.testing.assert_allclose(b1, B0 - np.float32(0.5) * (2 / r.size) * r.sum(0), rtol=1e-5)


def test_compute_gradients_none_for_unconnected_and_apply_skips_it():
    w = gj.Variable([1.0, 2.0], name="w")
    unused = gj.Variable([5.0], name="unused")
    loss = gj.reduce_sum(gj.square(w))
    opt = gj.train.MomentumOptimizer(0.1, 0.9)
    grads_and_vars = opt.compute_gradients(loss)
    assert [v for _, v in grads_and_vars] == [w, unused]
    assert grads_and_vars[1][0] is None
    assert isinstance(grads_and_vars[0][0], gj.Tensor)
    train = opt.apply_gradients(grads_and_vars)
    assert opt.get_slot(unused, "momentum") is None
    with gj.Session() as sess:
        sess.run(gj.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [0.8, 1.6], rtol=1e-6)
        np.testing.assert_array_equal(sess.run(unused), [5.0])


def test_apply_gradients_with_processed_gradients():
    """The TF1 clipping pattern: compute, transform, apply."""
    w = gj.Variable([3.0, -4.0], name="w")
    loss = gj.reduce_sum(gj.square(w))
    opt = gj.train.GradientDescentOptimizer(1.0)
    grads_and_vars = [(gj.clip_by_value(g, -1.0, 1.0), v)
                      for g, v in opt.compute_gradients(loss)]
    train = opt.apply_gradients(grads_and_vars, name="clipped")
    assert train.name == "clipped"
    with gj.Session() as sess:
        sess.run(gj.global_variables_initializer())
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), [2.0, -3.0])


@pytest.mark.parametrize("executor", EXECUTORS)
def test_gradients_read_variables_before_any_update(executor):
    """d(w*b)/dw = b and d(w*b)/db = w: both must use the values from before the step."""
    w = gj.Variable([1.0, 2.0], name="w")
    b = gj.Variable([3.0, 5.0], name="b")
    train = gj.train.GradientDescentOptimizer(0.1).minimize(gj.reduce_sum(w * b))
    with gj.Session(executor=executor) as sess:
        sess.run(gj.global_variables_initializer())
        sess.run(train)
        w1, b1 = sess.run([w, b])
    np.testing.assert_allclose(w1, [0.7, 1.5], rtol=1e-6)
    np.testing.assert_allclose(b1, [2.9, 4.8], rtol=1e-6)


def test_gate_graph_and_grad_loss():
    w = gj.Variable([1.0, 2.0], name="w")
    loss = gj.square(w)
    opt = gj.train.GradientDescentOptimizer(0.1)
    gv = opt.compute_gradients(loss, gate_gradients=gj.train.Optimizer.GATE_GRAPH,
                               grad_loss=gj.constant([1.0, 10.0]))
    with gj.Session() as sess:
        sess.run(gj.global_variables_initializer())
        np.testing.assert_allclose(sess.run(gv[0][0]), [2.0, 40.0])
    with pytest.raises(ValueError, match="gate_gradients"):
        opt.compute_gradients(loss, gate_gradients=7)


# -- learning rates -----------------------------------------------------------------------


@pytest.mark.parametrize("executor", EXECUTORS)
def test_learning_rate_placeholder(executor):
    lr = gj.placeholder(gj.float32, [], name="lr")
    w = gj.Variable([1.0, -2.0], name="w")
    train = gj.train.AdamOptimizer(lr).minimize(gj.reduce_sum(gj.square(w)))
    np_opt = NpAdam(lr=np.float32(0), beta1=0.9, beta2=0.999, epsilon=1e-8)
    expected = np.array([1.0, -2.0], np.float32)
    with gj.Session(executor=executor) as sess:
        sess.run(gj.global_variables_initializer())
        for rate in (0.1, 0.05, 0.3):
            sess.run(train, {lr: rate})
            np_opt.h["lr"] = np.float32(rate)
            np_opt.step([expected], [2 * expected])
            np.testing.assert_allclose(sess.run(w), expected, rtol=1e-6)


def _decay_expect(lr, step, decay_steps, rate, staircase):
    p = np.float32(step) / np.float32(decay_steps)
    if staircase:
        p = np.floor(p)
    return np.float32(lr) * np.float32(rate) ** p


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    step = gj.train.get_or_create_global_step()
    lr = gj.train.exponential_decay(0.5, step, decay_steps=3, decay_rate=0.5,
                                    staircase=staircase)
    assert lr.dtype == gj.float32 and lr.shape == ()
    w = gj.Variable([1.0], name="w")
    train = gj.train.GradientDescentOptimizer(lr).minimize(gj.reduce_sum(w), global_step=step)
    seen = []
    with gj.Session() as sess:
        sess.run(gj.global_variables_initializer())
        for k in range(7):
            rate = sess.run(lr)
            np.testing.assert_allclose(rate, _decay_expect(0.5, k, 3, 0.5, staircase),
                                       rtol=1e-6)
            seen.append(rate)
            sess.run(train)
        np.testing.assert_allclose(sess.run(w), [1.0 - sum(seen)], rtol=1e-6)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_matches_tensorflow(staircase):
    tf = _tf()
    values = {}
    for mod in (tf, gj):
        graph = mod.Graph()
        with graph.as_default():
            step = mod.placeholder(mod.int64, [])
            lr = mod.train.exponential_decay(0.1, step, 4, 0.96, staircase=staircase)
            with mod.Session(graph=graph) as sess:
                values[mod] = [sess.run(lr, {step: k}) for k in range(10)]
    np.testing.assert_allclose(values[gj], values[tf], rtol=1e-6)


# -- errors ---------------------------------------------------------------------------------


def test_no_gradients_error_names_the_variables():
    w = gj.Variable([1.0], name="weights")
    loss = gj.reduce_sum(gj.constant([2.0, 3.0]))
    with pytest.raises(ValueError, match="No gradients provided for any variable") as e:
        gj.train.GradientDescentOptimizer(0.1).minimize(loss, var_list=[w])
    assert "weights" in str(e.value)


def test_apply_gradients_all_none():
    w = gj.Variable([1.0], name="weights")
    with pytest.raises(ValueError, match="No gradients provided for any variable") as e:
        gj.train.AdamOptimizer().apply_gradients([(None, w)])
    assert "weights" in str(e.value)
    with pytest.raises(ValueError, match="No variables provided"):
        gj.train.AdamOptimizer().apply_gradients([])


def test_no_variables_to_optimize():
    x = gj.placeholder(gj.float32, [3])
    with pytest.raises(ValueError, match="No variables to optimize"):
        gj.train.GradientDescentOptimizer(0.1).minimize(gj.reduce_sum(x))


def test_integer_loss_rejected():
    gj.Variable([1.0], name="w")
    with pytest.raises(ValueError, match="Invalid type"):
        gj.train.GradientDescentOptimizer(0.1).minimize(gj.constant(3))


def test_apply_gradients_type_errors():
    w = gj.Variable([1.0, 2.0], name="w")
    opt = gj.train.GradientDescentOptimizer(0.1)
    with pytest.raises(TypeError, match="Variables only"):
        opt.apply_gradients([(gj.constant([1.0, 1.0]), gj.constant([1.0, 2.0]))])
    with pytest.raises(TypeError, match="dtype"):
        opt.apply_gradients([(gj.constant([1.0, 1.0], dtype=gj.float64), w)])
    with pytest.raises(ValueError):
        opt.apply_gradients([(gj.constant([1.0, 1.0, 1.0]), w)])


def test_optimizer_needs_a_name():
    with pytest.raises(ValueError, match="name"):
        gj.train.GradientDescentOptimizer(0.1, name="")


# -- properties over shapes and hyper-parameters ----------------------------------------------

KINDS = {
    "sgd": (lambda h: gj.train.GradientDescentOptimizer(h["lr"]),
            lambda h: NpGradientDescent(lr=h["lr"])),
    "momentum": (lambda h: gj.train.MomentumOptimizer(h["lr"], h["momentum"],
                                                      use_nesterov=h["nesterov"]),
                 lambda h: NpMomentum(lr=h["lr"], momentum=h["momentum"],
                                      nesterov=h["nesterov"])),
    "adam": (lambda h: gj.train.AdamOptimizer(h["lr"], h["beta1"], h["beta2"], h["epsilon"]),
             lambda h: NpAdam(lr=h["lr"], beta1=h["beta1"], beta2=h["beta2"],
                              epsilon=h["epsilon"])),
    "rmsprop": (lambda h: gj.train.RMSPropOptimizer(h["lr"], h["beta1"], h["momentum"],
                                                    h["epsilon"], centered=h["nesterov"]),
                lambda h: NpRMSProp(lr=h["lr"], decay=h["beta1"], momentum=h["momentum"],
                                    epsilon=h["epsilon"], centered=h["nesterov"])),
}

_hyper = st.fixed_dictionaries({
    "lr": st.floats(1e-3, 0.5), "momentum": st.floats(0.0, 0.99),
    "beta1": st.floats(0.1, 0.99), "beta2": st.floats(0.5, 0.999),
    "epsilon": st.sampled_from([1e-8, 1e-4, 0.1]), "nesterov": st.booleans()})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(KINDS)), hyper=_hyper,
       shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
       data=st.data())
def test_quadratic_any_shape_matches_numpy(kind, hyper, shape, data):
    """loss = sum((w - target)^2 * scale): grad = 2 * scale * (w - target)."""
    elements = st.floats(-3, 3, width=32)
    start = data.draw(hnp.arrays(np.float32, shape, elements=elements))
    target = data.draw(hnp.arrays(np.float32, shape, elements=elements))
    scale = data.draw(hnp.arrays(np.float32, shape, elements=st.floats(0.125, 2, width=32)))
    make, make_np = KINDS[kind]
    hyper = {k: (np.float32(v) if isinstance(v, float) else v) for k, v in hyper.items()}
    graph = gj.Graph()
    with graph.as_default():
        w = gj.Variable(start, name="w")
        loss = gj.reduce_sum(gj.square(w - target) * scale)
        train = make(hyper).minimize(loss)
        init = gj.global_variables_initializer()
    np_opt = make_np(hyper)
    expected = start.copy()
    with gj.Session(graph=graph, executor="interpreted") as sess:
        sess.run(init)
        for _ in range(3):
            sess.run(train)
            np_opt.step([expected], [np.float32(2) * scale * (expected - target)])
            np.testing.assert_allclose(sess.run(w), expected, rtol=1e-4, atol=1e-5)
