"""Bad input everywhere: every public function given wrong types; wrong shapes, dtypes and
axes (huge, negative, out of range); scalars where tensors are expected; NaN and Inf;
zero-size tensors through every op. Each gives a clear error (TypeError/ValueError at
build time, an OpError at run time) or the correct result (as TensorFlow computes it),
never a crash, another exception type, or a silent wrong answer.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

import graphjit as gj
from tests.strategies import TABLE, graphs
from tests.test_random_graphs import check_differential

# -- wrong Python types into every public function -----------------------------------------

# Public functions that take no tensor (graph plumbing), or whose first argument may be
# any Python value (print formats it, set_random_seed stores it as TF does).
_NOT_TENSOR_FUNCTIONS = {
    "add_to_collection", "control_dependencies", "device", "get_collection",
    "get_collection_ref", "global_variables", "local_variables", "trainable_variables",
    "name_scope", "no_regularizer", "print", "set_random_seed", "get_default_graph",
    "reset_default_graph", "get_default_session", "disable_eager_execution",
    "disable_v2_behavior", "executing_eagerly", "global_variables_initializer",
    "local_variables_initializer", "initialize_all_variables", "get_seed", "group",
    "no_op", "compile",
}



def _public_functions():
    found = []
    for prefix, module in (("gj", gj), ("gj.nn", gj.nn)):
        for name, fn in sorted(vars(module).items()):
            if name.startswith("_") or not inspect.isfunction(fn) or \
                    name in _NOT_TENSOR_FUNCTIONS:
                continue
            found.append(pytest.param(fn, id=f"{prefix}.{name}"))
    return found


@pytest.mark.parametrize("fn", _public_functions())
def test_public_function_rejects_wrong_python_types(fn):
    params = [p for p in inspect.signature(fn).parameters.values()
              if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY,
                                                      p.POSITIONAL_OR_KEYWORD)]
    for bad in (object(), "abc", {"a": 1}):
        with gj.Graph().as_default():
            try:
                fn(*[bad] * max(1, len(params)))
            except (TypeError, ValueError):
                continue
            except Exception as e:  # noqa: BLE001 - the point: which type escaped
                pytest.fail(f"{fn.__name__}({bad!r}) raised {type(e).__name__}: {e}")


def test_op_name_of_the_wrong_type_is_a_type_error():
    with pytest.raises(TypeError, match="name"):
        gj.no_op(name=object())
    with pytest.raises(TypeError, match="name"):
        gj.identity(1.0, name=3)


# -- shapes, dtypes, axes, scalars ---------------------------------------------------------

def _f(*shape):
    return gj.placeholder(gj.float32, list(shape))


def _i(*shape):
    return gj.placeholder(gj.int32, list(shape))


BUILD_ERRORS = [
    ("add dtypes", lambda: _f(2) + _i(2), TypeError),
    ("add shapes", lambda: _f(2) + _f(3), ValueError),
    ("matmul inner", lambda: gj.matmul(_f(2, 3), _f(4, 2)), ValueError),
    ("matmul scalar", lambda: gj.matmul(_f(), _f()), ValueError),
    ("matmul vector", lambda: gj.matmul(_f(3), _f(3)), ValueError),
    ("matmul dtypes", lambda: gj.matmul(_f(2, 2), _i(2, 2)), TypeError),
    ("reduce huge axis", lambda: gj.reduce_sum(_f(2, 3), axis=5), ValueError),
    ("reduce negative axis", lambda: gj.reduce_sum(_f(2, 3), axis=-3), ValueError),
    ("reduce scalar axis 0", lambda: gj.reduce_sum(_f(), axis=0), ValueError),
    ("reduce float axis", lambda: gj.reduce_sum(_f(2), axis=0.5), (TypeError, ValueError)),
    ("reduce_any of floats", lambda: gj.reduce_any(_f(2)), TypeError),
    ("argmax huge axis", lambda: gj.argmax(_f(2, 3), axis=2**40), ValueError),
    ("argmax scalar", lambda: gj.argmax(_f(), axis=0), ValueError),
    ("cumsum axis", lambda: gj.cumsum(_f(2), axis=1), ValueError),
    ("concat axis", lambda: gj.concat([_f(2), _f(2)], axis=1), ValueError),
    ("concat scalars", lambda: gj.concat([_f(), _f()], axis=0), ValueError),
    ("concat shapes", lambda: gj.concat([_f(2, 3), _f(2, 4)], axis=0), ValueError),
    ("concat dtypes", lambda: gj.concat([_f(2), _i(2)], axis=0), (TypeError, ValueError)),
    ("stack shapes", lambda: gj.stack([_f(2), _f(3)]), ValueError),
    ("expand_dims axis", lambda: gj.expand_dims(_f(2), 5), ValueError),
    ("squeeze non-1", lambda: gj.squeeze(_f(2, 3), axis=0), ValueError),
    ("transpose perm", lambda: gj.transpose(_f(2, 3), [0, 0]), ValueError),
    ("transpose perm rank", lambda: gj.transpose(_f(2, 3), [0, 1, 2]), ValueError),
    ("reshape size", lambda: gj.reshape(_f(2, 3), [4]), ValueError),
    ("reshape two -1", lambda: gj.reshape(_f(2, 3), [-1, -1]), ValueError),
    ("split uneven", lambda: gj.split(_f(5), 2), ValueError),
    ("split axis", lambda: gj.split(_f(4), 2, axis=3), ValueError),
    ("gather axis", lambda: gj.gather(_f(2, 3), [0], axis=4), ValueError),
    ("gather float indices", lambda: gj.gather(_f(2), _f(1)), TypeError),
    ("tile rank", lambda: gj.tile(_f(2), [2, 2]), ValueError),
    ("pad rank", lambda: gj.pad(_f(2), [[1, 1], [1, 1]]), ValueError),
    ("one_hot depth", lambda: gj.one_hot(_i(2), -1), ValueError),
    ("softmax scalar", lambda: gj.nn.softmax(_f()), ValueError),
    ("softmax axis", lambda: gj.nn.softmax(_f(2, 3), axis=4), ValueError),
    ("conv2d scalar", lambda: gj.nn.conv2d(_f(), _f(1, 1, 1, 1), [1, 1, 1, 1], "SAME"),
     ValueError),
    ("conv2d channels", lambda: gj.nn.conv2d(_f(1, 4, 4, 2), _f(1, 1, 3, 1), [1, 1, 1, 1],
                                             "SAME"), ValueError),
    ("conv2d padding", lambda: gj.nn.conv2d(_f(1, 4, 4, 1), _f(1, 1, 1, 1), [1, 1, 1, 1],
                                            "FULL"), ValueError),
    ("max_pool rank", lambda: gj.nn.max_pool(_f(4, 4), [1, 2, 2, 1], [1, 2, 2, 1], "SAME"),
     ValueError),
    ("bias_add size", lambda: gj.nn.bias_add(_f(2, 3), _f(4)), ValueError),
    ("xent shapes", lambda: gj.nn.softmax_cross_entropy_with_logits_v2(labels=_f(2, 3),
                                                                       logits=_f(2, 4)),
     ValueError),
    ("sparse xent labels dtype", lambda: gj.nn.sparse_softmax_cross_entropy_with_logits(
        labels=_f(2), logits=_f(2, 3)), (TypeError, ValueError)),
    ("where shapes", lambda: gj.where(gj.placeholder(gj.bool, [2]), _f(3), _f(3)),
     ValueError),
    ("where condition dtype", lambda: gj.where(_f(2), _f(2), _f(2)), TypeError),
    ("logical on floats", lambda: gj.logical_and(_f(2), _f(2)), TypeError),
    ("bitwise on floats", lambda: gj.bitwise_and(_f(2), _f(2)), TypeError),
    ("placeholder bad dtype", lambda: gj.placeholder("float17"), TypeError),
    ("placeholder negative dim", lambda: gj.placeholder(gj.float32, [-2]), ValueError),
    ("constant ragged", lambda: gj.constant([[1.0], [2.0, 3.0]]), (TypeError, ValueError)),
    ("cast bad dtype", lambda: gj.cast(_f(2), "complex999"), TypeError),
    ("variable shape mismatch assign", lambda: gj.Variable(np.zeros(2)).assign(np.zeros(3)),
     ValueError),
]


@pytest.mark.parametrize("build,error", [pytest.param(b, e, id=n) for n, b, e in BUILD_ERRORS])
def test_build_time_errors_are_clear(build, error):
    with gj.Graph().as_default():
        with pytest.raises(error) as info:
            build()
    assert len(str(info.value)) > 10, "an error needs a message"


RUN_ERRORS = [
    ("feed wrong shape", lambda x: x * 2.0, [None, 3], np.ones((2, 4)), ValueError),
    ("feed wrong rank", lambda x: x * 2.0, [None, 3], np.ones(3), ValueError),
    ("feed strings", lambda x: x * 2.0, [2], np.array(["a", "b"]), (TypeError, ValueError)),
    ("matmul run-time shapes", lambda x: gj.matmul(x, np.ones((3, 2), np.float32)),
     [None, None], np.ones((2, 4)), gj.errors.InvalidArgumentError),
    ("reshape run-time size", lambda x: gj.reshape(x, [3, -1]), None, np.ones(4),
     gj.errors.InvalidArgumentError),
    ("gather out of range", lambda x: gj.gather(x, [5]), [3], np.ones(3),
     gj.errors.InvalidArgumentError),
]


@pytest.mark.parametrize("executor", ["interpreted", "compiled"])
@pytest.mark.parametrize("build,shape,value,error",
                         [pytest.param(b, s, v, e, id=n) for n, b, s, v, e in RUN_ERRORS])
def test_run_time_errors_are_clear(executor, build, shape, value, error):
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, shape, name="x")
        y = build(x)
    with gj.Session(graph=graph, executor=executor) as sess:
        with pytest.raises(error) as info:
            sess.run(y, {x: value})
    assert "x" in str(info.value) or y.op.name in str(info.value)


# -- NaN and Inf: the values TensorFlow computes -------------------------------------------

SPECIALS = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 1e30], np.float32)

NAN_INF_OPS = [
    ("relu", lambda tf, x: tf.nn.relu(x)),
    ("relu6", lambda tf, x: tf.nn.relu6(x)),
    ("elu", lambda tf, x: tf.nn.elu(x)),
    ("sigmoid", lambda tf, x: tf.sigmoid(x)),
    ("tanh", lambda tf, x: tf.tanh(x)),
    ("softplus", lambda tf, x: tf.nn.softplus(x)),
    ("exp", lambda tf, x: tf.exp(x)),
    ("log", lambda tf, x: tf.log(x)),
    ("sqrt", lambda tf, x: tf.sqrt(x)),
    ("rsqrt", lambda tf, x: tf.rsqrt(x)),
    ("reciprocal", lambda tf, x: tf.reciprocal(x)),
    ("abs", lambda tf, x: tf.abs(x)),
    ("sign", lambda tf, x: tf.sign(x)),
    ("floor", lambda tf, x: tf.floor(x)),
    ("round", lambda tf, x: tf.round(x)),
    ("square", lambda tf, x: tf.square(x)),
    ("maximum", lambda tf, x: tf.maximum(x, 0.5)),
    ("minimum", lambda tf, x: tf.minimum(x, 0.5)),
    ("div", lambda tf, x: x / tf.constant(0.0)),
    ("floordiv", lambda tf, x: tf.floordiv(x, 2.0)),
    ("mod", lambda tf, x: tf.mod(x, 3.0)),
    ("pow", lambda tf, x: tf.pow(x, 0.5)),
    ("clip", lambda tf, x: tf.clip_by_value(x, -1.0, 1.0)),
    ("is_nan", lambda tf, x: tf.is_nan(x)),
    ("is_finite", lambda tf, x: tf.is_finite(x)),
    ("equal", lambda tf, x: tf.equal(x, x)),
    ("less", lambda tf, x: tf.less(x, 0.0)),
    ("reduce_sum", lambda tf, x: tf.reduce_sum(x)),
    ("reduce_max", lambda tf, x: tf.reduce_max(x[1:])),
    ("reduce_min", lambda tf, x: tf.reduce_min(x[1:])),
    ("cumsum", lambda tf, x: tf.cumsum(x)),
    ("softmax", lambda tf, x: tf.nn.softmax(x[3:])),
    ("log_softmax", lambda tf, x: tf.nn.log_softmax(x[3:])),
    ("l2_loss", lambda tf, x: tf.nn.l2_loss(x[3:])),
    ("matmul", lambda tf, x: tf.matmul(tf.reshape(x, [2, 4]), tf.reshape(x, [4, 2]))),
]


@pytest.fixture(scope="module")
def tensorflow():
    tf = pytest.importorskip("tensorflow.compat.v1")
    tf.disable_eager_execution()
    return tf


def _run(tf, build, value, **session):
    graph = tf.Graph()
    with graph.as_default():
        x = tf.placeholder(tf.float32, [value.size])
        y = build(tf, x)
    with tf.Session(graph=graph, **session) as sess:
        return sess.run(y, {x: value})




def _nan_inf_params():
    params = []
    for executor in ("interpreted", "compiled"):
        for name, build in NAN_INF_OPS:
            params.append(pytest.param(executor, build, id=f"{name}-{executor}"))
    return params


@pytest.mark.parametrize("executor,build", _nan_inf_params())
def test_nan_and_inf_give_tensorflows_values(tensorflow, executor, build):
    want = _run(tensorflow, build, SPECIALS)
    got = _run(gj, build, SPECIALS, executor=executor)
    assert np.asarray(got).dtype == np.asarray(want).dtype
    # the sign of a zero may differ (e.g. relu(-0.0) is -0.0 compiled, +0.0 in TF)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=0, equal_nan=True)


# -- zero-size tensors through every op ----------------------------------------------------

@pytest.mark.parametrize("name", sorted(k for k in TABLE if not k.startswith("@")))
def test_zero_size_tensors_through_every_op(name):
    @settings(max_examples=4, database=None, derandomize=True, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(graphs(ops=[name], max_steps=2, zero_size="first"))
    def check(g):
        check_differential(g)

    check()


# -- bugs found here, in files owned by others ------------------------------------------------

def test_pad_of_a_scalar_is_the_scalar():
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [])
        y = gj.pad(x, np.zeros((0, 2), np.int32))
    with gj.Session(graph=graph, executor="interpreted") as sess:
        assert sess.run(y, {x: 3.0}) == 3.0


def test_pad_of_a_bool_tensor_pads_with_false():
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.bool, [2])
        y = gj.pad(x, [[1, 0]])
    with gj.Session(graph=graph, executor="interpreted") as sess:
        np.testing.assert_array_equal(sess.run(y, {x: [True, True]}), [False, True, True])


def test_constant_out_of_int32_range_is_an_error():
    with gj.Graph().as_default():
        with pytest.raises((TypeError, ValueError)):
            gj.constant(2**40, dtype=gj.int32)
        with pytest.raises((TypeError, ValueError)):
            gj.placeholder(gj.int32, [2]) + 2**40
