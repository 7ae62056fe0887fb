"""tf.nn.rnn_cell and the rnn functions (graphjit/rnn.py): values and variable names
against TensorFlow with identical weights (every variable loaded with the same random
values in both), sequence_length masking against a NumPy recurrence (hypothesis), float64
gradients against finite differences, dropout wrappers and build-time errors."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj
from graphjit.rnn import LSTMStateTuple


def _tensorflow():
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # tf.nn.rnn_cell lives in tf_keras
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    return tf


def _random_weights(variables, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {v.name: rng.uniform(-0.8, 0.8, v.shape.as_list()).astype(
        v.dtype.base_dtype.as_numpy_dtype) for v in variables}


def _run_tf(build, seed: int):
    tf = _tensorflow()
    with tf.Graph().as_default():
        fetches, feed = build(tf)
        variables = tf.global_variables()
        weights = _random_weights(variables, seed)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for v in variables:
                v.load(weights[v.name], sess)
            values = sess.run(fetches, feed)
    return [v.name for v in variables], weights, values


def _run_gj(build, weights: dict, executor: str = "interpreted"):
    with gj.Graph().as_default():
        fetches, feed = build(gj)
        variables = gj.global_variables()
        with gj.Session(executor=executor) as sess:
            sess.run(gj.global_variables_initializer())
            for v in variables:
                sess.load_variable(v, weights[v.name])
            values = sess.run(fetches, feed)
    return [v.name for v in variables], values


def _flat(value) -> list:
    if isinstance(value, dict):
        return [leaf for key in sorted(value) for leaf in _flat(value[key])]
    if isinstance(value, (list, tuple)):
        return [leaf for item in value for leaf in _flat(item)]
    return [value]


def assert_matches_tf(build, executor: str = "interpreted", seed: int = 0,
                      rtol: float = 1e-5, atol: float = 1e-6) -> list[str]:
    """Builds with TF and with graphjit, loads the same weights into both and compares
    the variable names and every fetched value; returns the variable names."""
    tf_names, weights, theirs = _run_tf(build, seed)
    names, ours = _run_gj(build, weights, executor)
    assert names == tf_names
    ours, theirs = _flat(ours), _flat(theirs)
    assert len(ours) == len(theirs)
    for i, (a, b) in enumerate(zip(ours, theirs)):
        assert a.dtype == b.dtype and a.shape == b.shape, (i, a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"fetch {i}")
    return names


_X = np.random.default_rng(7).standard_normal((3, 5, 4)).astype(np.float32)
_LENGTHS = np.array([5, 2, 0], np.int32)

CELLS = {
    "basic_rnn": lambda tf: tf.nn.rnn_cell.BasicRNNCell(6),
    "basic_rnn_relu": lambda tf: tf.nn.rnn_cell.BasicRNNCell(6, activation=tf.nn.relu),
    "basic_lstm": lambda tf: tf.nn.rnn_cell.BasicLSTMCell(6),
    "basic_lstm_concat_state": lambda tf: tf.nn.rnn_cell.BasicLSTMCell(
        6, forget_bias=0.5, state_is_tuple=False),
    "lstm": lambda tf: tf.nn.rnn_cell.LSTMCell(6),
    "lstm_peepholes_clip_proj": lambda tf: tf.nn.rnn_cell.LSTMCell(
        6, use_peepholes=True, cell_clip=0.3, num_proj=3, proj_clip=0.2, forget_bias=0.7),
    "lstm_proj_concat_state": lambda tf: tf.nn.rnn_cell.LSTMCell(
        6, num_proj=4, state_is_tuple=False),
    "gru": lambda tf: tf.nn.rnn_cell.GRUCell(6),
    "multi_lstm_gru": lambda tf: tf.nn.rnn_cell.MultiRNNCell(
        [tf.nn.rnn_cell.BasicLSTMCell(5), tf.nn.rnn_cell.GRUCell(3)]),
    "multi_concat_state": lambda tf: tf.nn.rnn_cell.MultiRNNCell(
        [tf.nn.rnn_cell.GRUCell(5), tf.nn.rnn_cell.BasicRNNCell(3)], state_is_tuple=False),
    "residual_gru": lambda tf: tf.nn.rnn_cell.ResidualWrapper(tf.nn.rnn_cell.GRUCell(4)),
    "dropout_keep_fed_one": lambda tf: tf.nn.rnn_cell.DropoutWrapper(
        tf.nn.rnn_cell.BasicLSTMCell(5), input_keep_prob=tf.placeholder_with_default(1.0, []),
        output_keep_prob=tf.placeholder_with_default(1.0, []),
        state_keep_prob=tf.placeholder_with_default(1.0, [])),
}


@pytest.mark.parametrize("masked", [False, True], ids=["full", "masked"])
@pytest.mark.parametrize("cell", sorted(CELLS))
def test_dynamic_rnn_matches_tensorflow(cell, masked):
    def build(tf):
        x = tf.placeholder(tf.float32, [None, 5, 4])
        lengths = tf.placeholder(tf.int32, [None]) if masked else None
        outputs, state = tf.nn.dynamic_rnn(CELLS[cell](tf), x, sequence_length=lengths,
                                           dtype=tf.float32)
        feed = {x: _X}
        if masked:
            feed[lengths] = _LENGTHS
        return {"outputs": outputs, "state": state}, feed

    names = assert_matches_tf(build)
    assert all(n.startswith("rnn/") for n in names)


def test_variable_names_are_tensorflows():
    def build(tf):
        x = tf.placeholder(tf.float32, [2, 3, 4])
        cells = tf.nn.rnn_cell
        stacked = cells.MultiRNNCell([cells.BasicLSTMCell(3), cells.BasicLSTMCell(3)])
        tf.nn.dynamic_rnn(stacked, x, dtype=tf.float32)
        tf.nn.dynamic_rnn(cells.GRUCell(2), x, dtype=tf.float32, scope="encoder")
        tf.nn.bidirectional_dynamic_rnn(cells.LSTMCell(2, num_proj=1, use_peepholes=True),
                                        cells.BasicRNNCell(2), x, dtype=tf.float32)
        tf.nn.static_rnn(cells.BasicRNNCell(2), tf.unstack(x, axis=1), dtype=tf.float32)
        return [], {}

    names = assert_matches_tf(build)
    assert names[:4] == ["rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0",
                         "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0",
                         "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/kernel:0",
                         "rnn/multi_rnn_cell/cell_1/basic_lstm_cell/bias:0"]
    assert "encoder/gru_cell/gates/kernel:0" in names
    assert "bidirectional_rnn/fw/lstm_cell/projection/kernel:0" in names
    assert "bidirectional_rnn/bw/basic_rnn_cell/kernel:0" in names
    assert "rnn/basic_rnn_cell/kernel:0" in names
    # As in TF, a second rnn in the same scope re-creates the same names: an error
    x = gj.placeholder(gj.float32, [2, 3, 4])
    gj.nn.dynamic_rnn(gj.nn.rnn_cell.GRUCell(2), x, dtype=gj.float32)
    with pytest.raises(ValueError, match="rnn/gru_cell/gates/kernel already exists"):
        gj.nn.dynamic_rnn(gj.nn.rnn_cell.GRUCell(2), x, dtype=gj.float32)


def test_time_major_initial_state_and_compiled_executor():
    def build(tf):
        x = tf.placeholder(tf.float32, [5, None, 4])
        lengths = tf.placeholder(tf.int32, [None])
        cell = tf.nn.rnn_cell.LSTMCell(3)
        init = tf.nn.rnn_cell.LSTMStateTuple(tf.fill([3, 3], 0.5), tf.fill([3, 3], -0.25))
        outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths,
                                           initial_state=init, time_major=True)
        return [outputs, state.c, state.h], {x: _X.transpose(1, 0, 2), lengths: [4, 5, 1]}

    assert_matches_tf(build)
    assert_matches_tf(build, executor="compiled")


@pytest.mark.parametrize("masked", [False, True], ids=["full", "masked"])
def test_static_rnn_and_static_bidirectional_rnn_match_tensorflow(masked):
    def build(tf):
        x = tf.placeholder(tf.float32, [3, 5, 4])
        lengths = tf.constant(_LENGTHS) if masked else None
        steps = tf.unstack(x, axis=1)
        outputs, state = tf.nn.static_rnn(tf.nn.rnn_cell.GRUCell(3), steps,
                                          sequence_length=lengths, dtype=tf.float32)
        bi_outputs, fw, bw = tf.nn.static_bidirectional_rnn(
            tf.nn.rnn_cell.BasicLSTMCell(2), tf.nn.rnn_cell.BasicRNNCell(3), steps,
            sequence_length=lengths, dtype=tf.float32)
        return [outputs, state, bi_outputs, fw, bw], {x: _X}

    assert_matches_tf(build)


@pytest.mark.parametrize("time_major", [False, True])
@pytest.mark.parametrize("masked", [False, True], ids=["full", "masked"])
def test_bidirectional_dynamic_rnn_matches_tensorflow(masked, time_major):
    def build(tf):
        data = _X.transpose(1, 0, 2) if time_major else _X
        x = tf.placeholder(tf.float32, data.shape)
        lengths = tf.constant(_LENGTHS) if masked else None
        outputs, states = tf.nn.bidirectional_dynamic_rnn(
            tf.nn.rnn_cell.GRUCell(3), tf.nn.rnn_cell.BasicLSTMCell(2), x,
            sequence_length=lengths, dtype=tf.float32, time_major=time_major)
        return [outputs, states], {x: data}

    assert_matches_tf(build)


def test_cell_called_directly_matches_tensorflow_and_shares_variables():
    def build(tf):
        x = tf.placeholder(tf.float32, [3, 4])
        cell = tf.nn.rnn_cell.BasicLSTMCell(2)
        state = cell.zero_state(3, tf.float32)
        out1, state = cell(x, state)
        out2, state = cell(x * 2.0, state)
        assert len(tf.global_variables()) == 2
        return [out1, out2, state.c, state.h, cell.zero_state(tf.shape(x)[0], tf.float32)], \
            {x: _X[:, 0]}

    assert assert_matches_tf(build) == ["basic_lstm_cell/kernel:0", "basic_lstm_cell/bias:0"]


def test_user_defined_cell_with_build_and_call():
    class ScaledRNNCell(gj.nn.rnn_cell.RNNCell):
        def __init__(self, units):
            super().__init__()
            self.units = units

        state_size = property(lambda self: self.units)
        output_size = property(lambda self: self.units)

        def build(self, inputs_shape):
            self.w = self.add_variable("w", [inputs_shape[-1], self.units])

        def call(self, inputs, state):
            h = gj.tanh(gj.matmul(inputs, self.w) + 0.5 * state)
            return h, h

    x = gj.placeholder(gj.float32, [3, 5, 4])
    outputs, state = gj.nn.dynamic_rnn(ScaledRNNCell(2), x, dtype=gj.float32)
    [w] = gj.global_variables()
    assert w.name == "rnn/scaled_rnn_cell/w:0"
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        got, final, wv = sess.run([outputs, state, w], {x: _X})
    h = np.zeros((3, 2), np.float32)
    for t in range(5):
        h = np.tanh(_X[:, t] @ wv + 0.5 * h)
        np.testing.assert_allclose(got[:, t], h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(final, h, rtol=1e-5, atol=1e-6)


def _numpy_elman(x, lengths, kernel, bias, h0):
    """An independent masked Elman recurrence: TF's dynamic_rnn semantics."""
    batch, steps, _ = x.shape
    h = h0.copy()
    outputs = np.zeros((batch, steps, kernel.shape[1]), x.dtype)
    for t in range(steps):
        new = np.tanh(np.concatenate([x[:, t], h], 1) @ kernel + bias)
        live = t < lengths
        outputs[live, t] = new[live]
        h = np.where(live[:, None], new, h)
    return outputs, h


@settings(max_examples=20, deadline=None)
@given(batch=st.integers(1, 4), steps=st.integers(1, 6), depth=st.integers(1, 3),
       units=st.integers(1, 3), data=st.data())
def test_masking_matches_a_numpy_recurrence(batch, steps, depth, units, data):
    lengths = np.array(data.draw(st.lists(st.integers(0, steps), min_size=batch,
                                          max_size=batch)), np.int32)
    rng = np.random.default_rng(batch * 100 + steps * 10 + depth)
    x = rng.standard_normal((batch, steps, depth))
    h0 = rng.standard_normal((batch, units))
    with gj.Graph().as_default():
        xs = gj.placeholder(gj.float64, [None, steps, depth])
        cell = gj.nn.rnn_cell.BasicRNNCell(units)
        outputs, state = gj.nn.dynamic_rnn(cell, xs, sequence_length=lengths,
                                           initial_state=gj.constant(h0))
        with gj.Session(executor="interpreted") as sess:
            sess.run(gj.global_variables_initializer())
            kernel, bias = sess.run(cell.variables)
            got, final = sess.run([outputs, state], {xs: x})
    want, want_final = _numpy_elman(x, lengths, kernel, bias, h0)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(final, want_final, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make_cell", [
    lambda: gj.nn.rnn_cell.BasicLSTMCell(3),
    lambda: gj.nn.rnn_cell.LSTMCell(3, use_peepholes=True, num_proj=2),
    lambda: gj.nn.rnn_cell.GRUCell(3),
], ids=["basic_lstm", "lstm_peephole_proj", "gru"])
def test_gradients_match_finite_differences_float64(make_cell):
    rng = np.random.default_rng(3)
    x_value = rng.standard_normal((2, 4, 3))
    x = gj.placeholder(gj.float64, [2, 4, 3])
    outputs, state = gj.nn.dynamic_rnn(make_cell(), x, sequence_length=[4, 2],
                                       dtype=gj.float64)
    final_h = state.h if isinstance(state, LSTMStateTuple) else state
    weights = gj.constant(rng.standard_normal(outputs.shape.as_list()))
    loss = gj.reduce_sum(outputs * weights) + gj.reduce_sum(gj.square(final_h))
    variables = gj.trainable_variables()
    grads = gj.gradients(loss, [x, *variables])
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        values = sess.run(variables)
        analytic = sess.run(grads, {x: x_value})

        def loss_at(x_now, var_values):
            for v, value in zip(variables, var_values):
                sess.load_variable(v, value)
            return sess.run(loss, {x: x_now})

        eps = 1e-6
        points = [x_value, *values]
        for k, point in enumerate(points):
            numeric = np.zeros_like(point)
            for index in np.ndindex(point.shape):
                shifted = []
                for sign in (1, -1):
                    moved = [p.copy() for p in points]
                    moved[k][index] += sign * eps
                    shifted.append(loss_at(moved[0], moved[1:]))
                numeric[index] = (shifted[0] - shifted[1]) / (2 * eps)
            np.testing.assert_allclose(analytic[k], numeric, rtol=1e-5, atol=1e-7,
                                       err_msg=f"gradient {k}")
    # masked steps carry no gradient to the inputs past each length
    assert np.all(analytic[0][1, 2:] == 0)


def test_dropout_wrapper_drops_outputs_per_step_and_keeps_lstm_c():
    x = gj.placeholder(gj.float32, [64, 4, 3])
    cell = gj.nn.rnn_cell.BasicRNNCell(16)
    dropped, _ = gj.nn.dynamic_rnn(
        gj.nn.rnn_cell.DropoutWrapper(cell, output_keep_prob=0.5, seed=3), x,
        dtype=gj.float32)
    plain, _ = gj.nn.dynamic_rnn(cell, x, dtype=gj.float32)
    assert len(gj.global_variables()) == 2  # the second call reused the built cell
    lstm = gj.nn.rnn_cell.DropoutWrapper(gj.nn.rnn_cell.BasicLSTMCell(8), state_keep_prob=0.5)
    _, lstm_state = gj.nn.dynamic_rnn(lstm, x, dtype=gj.float32, scope="lstm")
    with gj.Session(executor="interpreted") as sess:
        sess.run(gj.global_variables_initializer())
        xv = np.random.default_rng(0).standard_normal((64, 4, 3)).astype(np.float32)
        a, b, (c, h) = sess.run([dropped, plain, lstm_state], {x: xv})
    kept = a != 0
    np.testing.assert_allclose(a[kept], 2 * b[kept], rtol=1e-6)
    assert 0.4 < kept.mean() < 0.6
    assert not np.array_equal(kept[:, 0], kept[:, 1])  # a fresh mask at every step
    assert np.all(c != 0) and 0.4 < np.mean(h != 0) < 0.6


def test_dynamic_rnn_needs_a_static_time_dimension():
    x = gj.placeholder(gj.float32, [None, None, 3])
    with pytest.raises(ValueError, match="time dimension.*known statically"):
        gj.nn.dynamic_rnn(gj.nn.rnn_cell.GRUCell(2), x, dtype=gj.float32)


def test_argument_errors():
    x = gj.placeholder(gj.float32, [2, 3, 4])
    with pytest.raises(ValueError, match="must give a dtype"):
        gj.nn.dynamic_rnn(gj.nn.rnn_cell.GRUCell(2), x)
    with pytest.raises(ValueError, match="sequence_length must be a vector"):
        gj.nn.dynamic_rnn(gj.nn.rnn_cell.GRUCell(2), x, sequence_length=[[1, 2]],
                          dtype=gj.float32)
    with pytest.raises(TypeError, match="must be an RNNCell"):
        gj.nn.dynamic_rnn(lambda a, b: (a, b), x, dtype=gj.float32)
    with pytest.raises(ValueError, match="inputs.shape\\[-1\\] to be known"):
        gj.nn.rnn_cell.BasicRNNCell(2)(gj.placeholder(gj.float32, [2, None]),
                                        gj.zeros([2, 2]))
    with pytest.raises(ValueError, match="at least one cell"):
        gj.nn.rnn_cell.MultiRNNCell([])
    with pytest.raises(ValueError, match="between 0 and 1"):
        gj.nn.rnn_cell.DropoutWrapper(gj.nn.rnn_cell.GRUCell(2), output_keep_prob=0.0)


def test_state_sizes_and_zero_states():
    cells = gj.nn.rnn_cell
    assert cells.BasicLSTMCell(3).state_size == LSTMStateTuple(3, 3)
    assert cells.BasicLSTMCell(3, state_is_tuple=False).state_size == 6
    assert cells.LSTMCell(3, num_proj=2).state_size == (3, 2)
    assert cells.LSTMCell(3, num_proj=2).output_size == 2
    stacked = cells.MultiRNNCell([cells.GRUCell(2), cells.BasicLSTMCell(3)])
    assert stacked.state_size == (2, (3, 3)) and stacked.output_size == 3
    zero = stacked.zero_state(gj.placeholder(gj.int32, []), gj.float64)
    assert isinstance(zero[1], LSTMStateTuple)
    assert zero[1].c.shape.as_list() == [None, 3] and zero[1].dtype == gj.float64
    assert zero[0].op.name.startswith("MultiRNNCellZeroState/GRUCellZeroState/")
