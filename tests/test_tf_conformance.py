"""The op table run under TensorFlow's compat.v1 as an oracle (skipped without TF):
values, dtypes, static shapes and gradients must match graphjit's."""

from __future__ import annotations

import numpy as np
import pytest

from tests.opcases import Case
from tests.test_ops import CASES, build_graph, run_graphjit

tf = pytest.importorskip("tensorflow.compat.v1")
tf.disable_eager_execution()

TF_CASES = [c for c in CASES if c.tf]


def run_tf(case: Case, with_grads: bool):
    graph, inputs, outs = build_graph(tf, case)
    with graph.as_default():
        init = tf.global_variables_initializer()
        grads = []
        if with_grads:
            floats = [x for x in inputs if x.dtype.is_floating]
            diff = [o for o in outs if o.dtype.is_floating]
            if floats and diff:
                grads = [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
                         for g in tf.gradients(diff, floats)]
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        feed = dict(zip(inputs, case.inputs))
        values = sess.run(outs, feed)
        grad_values = sess.run([g for g in grads if g is not None], feed) if grads else []
    return outs, values, grads, grad_values


@pytest.mark.parametrize("case", TF_CASES, ids=[c.name for c in TF_CASES])
def test_matches_tensorflow(case: Case):
    tf_outs, tf_values, _, _ = run_tf(case, with_grads=False)
    graph, outs, values = run_graphjit(case, "interpreted")
    assert len(outs) == len(tf_outs)
    for ours, theirs, v, w in zip(outs, tf_outs, values, tf_values):
        assert ours.dtype.name == theirs.dtype.base_dtype.name, f"{case.name}: dtype"
        assert ours.shape.as_list() == theirs.shape.as_list() if theirs.shape.rank is not \
            None else True, f"{case.name}: static shape {ours.shape} vs {theirs.shape}"
        if case.random:
            assert np.shape(v) == np.shape(w)
            continue
        v, w = np.asarray(v), np.asarray(w)
        assert v.shape == w.shape, f"{case.name}: shape"
        if w.dtype.kind in "biu":
            np.testing.assert_array_equal(v, w, err_msg=case.name)
        else:
            np.testing.assert_allclose(v, w, rtol=max(case.rtol, 1e-5),
                                       atol=max(case.atol, 1e-5), err_msg=case.name)


GRAD_CASES = [c for c in TF_CASES if c.grad and not c.random]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c.name for c in GRAD_CASES])
def test_gradients_match_tensorflow(case: Case):
    import graphjit as gj

    _, _, tf_grads, tf_grad_values = run_tf(case, with_grads=True)
    graph, inputs, outs = build_graph(gj, case)
    with graph.as_default():
        floats = [x for x in inputs if x.dtype.is_floating]
        diff = [o for o in outs if o.dtype.is_floating]
        grads = gj.gradients(diff, floats)
        init = gj.global_variables_initializer()
    assert [g is None for g in grads] == [g is None for g in tf_grads], case.name
    with gj.Session(graph=graph, executor="interpreted") as sess:
        sess.run(init)
        ours = sess.run([g for g in grads if g is not None], dict(zip(inputs, case.inputs)))
    for v, w in zip(ours, tf_grad_values):
        np.testing.assert_allclose(v, w, rtol=max(case.rtol, 1e-4), atol=max(case.atol, 1e-4),
                                   err_msg=case.name)
