"""Cases for graphlib/ops/nn.py. The expectations for windows (conv2d, pooling) are naive
loops over output pixels, written independently of the vectorized references."""

import numpy as np

from tests.opcases import Case, f32, f64, i32, pos32, rng

# -- naive NumPy expectations -------------------------------------------------------------


def same_or_valid(size, k, stride, dilation, padding):
    """(out, pad_before, pad_total) for one spatial dimension, TF's rule."""
    eff = (k - 1) * dilation + 1
    if padding == "SAME":
        out = -(-size // stride)
        total = max((out - 1) * stride + eff - size, 0)
        return out, total // 2, total
    return (size - eff) // stride + 1, 0, 0


def _padded(x, k_hw, strides, dilations, padding, fill=0.0):
    n, h, w, c = x.shape
    oh, top, th = same_or_valid(h, k_hw[0], strides[0], dilations[0], padding)
    ow, left, tw = same_or_valid(w, k_hw[1], strides[1], dilations[1], padding)
    xp = np.full((n, h + th, w + tw, c), fill, dtype=np.float64)
    xp[:, top:top + h, left:left + w] = x
    return xp, (oh, ow), (top, left)


def _patch(xp, i, j, k_hw, strides, dilations):
    r, c = i * strides[0], j * strides[1]
    return xp[:, r:r + (k_hw[0] - 1) * dilations[0] + 1:dilations[0],
              c:c + (k_hw[1] - 1) * dilations[1] + 1:dilations[1], :]


def naive_conv2d(x, f, strides=(1, 1), padding="SAME", dilations=(1, 1)):
    xp, (oh, ow), _ = _padded(x, f.shape[:2], strides, dilations, padding)
    out = np.zeros((x.shape[0], oh, ow, f.shape[3]))
    for i in range(oh):
        for j in range(ow):
            patch = _patch(xp, i, j, f.shape[:2], strides, dilations)
            out[:, i, j, :] = np.einsum("nhwc,hwco->no", patch, f)
    return out.astype(x.dtype)


def naive_conv2d_backprop_input(shape, f, dy, strides=(1, 1), padding="SAME",
                                dilations=(1, 1)):
    xp, (oh, ow), (top, left) = _padded(np.zeros(shape), f.shape[:2], strides, dilations,
                                        padding)
    for i in range(oh):
        for j in range(ow):
            _patch(xp, i, j, f.shape[:2], strides, dilations)[...] += np.einsum(
                "no,hwco->nhwc", dy[:, i, j, :], f)
    return xp[:, top:top + shape[1], left:left + shape[2]].astype(f.dtype)


def naive_conv2d_backprop_filter(x, f_shape, dy, strides=(1, 1), padding="SAME",
                                 dilations=(1, 1)):
    xp, (oh, ow), _ = _padded(x, f_shape[:2], strides, dilations, padding)
    df = np.zeros(f_shape)
    for i in range(oh):
        for j in range(ow):
            patch = _patch(xp, i, j, f_shape[:2], strides, dilations)
            df += np.einsum("nhwc,no->hwco", patch, dy[:, i, j, :])
    return df.astype(x.dtype)


def naive_max_pool(x, k, s, padding):
    xp, (oh, ow), _ = _padded(x, (k, k), (s, s), (1, 1), padding, fill=-np.inf)
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for i in range(oh):
        for j in range(ow):
            out[:, i, j, :] = _patch(xp, i, j, (k, k), (s, s), (1, 1)).max(axis=(1, 2))
    return out.astype(x.dtype)


def naive_max_pool_grad(x, dy, k, s, padding):
    """Each window's gradient to the first (row-major) maximum of the window."""
    xp, (oh, ow), (top, left) = _padded(x, (k, k), (s, s), (1, 1), padding, fill=-np.inf)
    dxp = np.zeros_like(xp)
    for n in range(x.shape[0]):
        for c in range(x.shape[3]):
            for i in range(oh):
                for j in range(ow):
                    win = xp[n, i * s:i * s + k, j * s:j * s + k, c]
                    a, b = np.unravel_index(np.argmax(win), win.shape)
                    dxp[n, i * s + a, j * s + b, c] += dy[n, i, j, c]
    return dxp[:, top:top + x.shape[1], left:left + x.shape[2]].astype(x.dtype)


def naive_max_pool_grad_grad(x, g, k, s, padding):
    """`g` (input-shaped) read at each window's first maximum."""
    xp, (oh, ow), (top, left) = _padded(x, (k, k), (s, s), (1, 1), padding, fill=-np.inf)
    gp, _, _ = _padded(g, (k, k), (s, s), (1, 1), padding)
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    for n in range(x.shape[0]):
        for c in range(x.shape[3]):
            for i in range(oh):
                for j in range(ow):
                    win = xp[n, i * s:i * s + k, j * s:j * s + k, c]
                    a, b = np.unravel_index(np.argmax(win), win.shape)
                    out[n, i, j, c] = gp[n, i * s + a, j * s + b, c]
    return out.astype(x.dtype)


def naive_avg_pool(x, k, s, padding):
    n, h, w, c = x.shape
    oh, top, _ = same_or_valid(h, k, s, 1, padding)
    ow, left, _ = same_or_valid(w, k, s, 1, padding)
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s - top, j * s - left
            win = x[:, max(r0, 0):min(r0 + k, h), max(c0, 0):min(c0 + k, w), :]
            out[:, i, j, :] = win.mean(axis=(1, 2))
    return out.astype(x.dtype)


def naive_avg_pool_grad(shape, dy, k, s, padding):
    n, h, w, c = shape
    oh, top, _ = same_or_valid(h, k, s, 1, padding)
    ow, left, _ = same_or_valid(w, k, s, 1, padding)
    dx = np.zeros(shape)
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * s - top, j * s - left
            rows = slice(max(r0, 0), min(r0 + k, h))
            cols = slice(max(c0, 0), min(c0 + k, w))
            count = (rows.stop - rows.start) * (cols.stop - cols.start)
            dx[:, rows, cols, :] += dy[:, i, j, None, None, :] / count
    return dx.astype(dy.dtype)


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(x, axis=-1):
    return np.log(np_softmax(x.astype(np.float64), axis)).astype(x.dtype)


def away_from(values, points, gap=0.05):
    """`values` nudged so none lies within `gap` of a kink in `points` (for finite
    differences)."""
    out = values.copy()
    for p in points:
        near = np.abs(out - p) < gap
        out[near] = p + np.where(out[near] >= p, gap, -gap) * 2
    return out


def distribution(*shape, seed=0, axis=-1):
    return np_softmax(f32(*shape, seed=seed), axis).astype(np.float32)


def labels(*shape, classes, seed=0, dtype=np.int32):
    return rng(seed).integers(0, classes, size=shape).astype(dtype)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def max_pool_grad_op(tf, op_type, x, g, k, s, padding):
    """graphjit's builder, or TensorFlow's raw op (compat.v1 has no public builder)."""
    y = tf.nn.max_pool(x, k, s, padding)
    if hasattr(tf, "raw_ops"):
        return getattr(tf.raw_ops, op_type)(orig_input=x, orig_output=y, grad=g,
                                            ksize=[1, k, k, 1], strides=[1, s, s, 1],
                                            padding=padding)
    builder = tf.nn.max_pool_grad if op_type == "MaxPoolGrad" else tf.nn.max_pool_grad_grad
    return builder(x, y, g, k, s, padding)


def activation_grad_op(tf, op_type, builder, **inputs):
    """graphjit's *_grad builder, or TensorFlow's raw op (same argument names)."""
    if hasattr(tf, "raw_ops"):
        return getattr(tf.raw_ops, op_type)(**inputs)
    return getattr(tf.nn, builder)(**inputs)


def avg_pool_grad_op(tf, shape, g, k, s, padding):
    if hasattr(tf, "raw_ops"):
        return tf.raw_ops.AvgPoolGrad(orig_input_shape=shape, grad=g, ksize=[1, k, k, 1],
                                      strides=[1, s, s, 1], padding=padding)
    return tf.nn.avg_pool_grad(shape, g, k, s, padding)


# -- cases --------------------------------------------------------------------------------

_X = away_from(f32(3, 4, seed=1, low=-3, high=3), [0.0])
_X6 = away_from(f32(4, 5, seed=2, low=-3, high=9), [0.0, 6.0])
_IMG = f32(2, 5, 5, 3, seed=3)
_SMALL_IMG = f32(1, 4, 4, 2, seed=4)
_POOL_IMG = f32(2, 6, 5, 3, seed=5)
_DY_SAME = f32(2, 5, 5, 4, seed=6)
_F = f32(3, 3, 3, 4, seed=7)
_Y = distribution(2, 3, 4, seed=19)


def _conv(**kw):
    return lambda tf, x, f: tf.nn.conv2d(x, f, **kw)


CASES = [
    # elementwise activations (grad2 also checks the *_grad ops' own gradients)
    Case("nn_relu", lambda tf, x: tf.nn.relu(x), [_X], lambda x: np.maximum(x, 0), grad2=True),
    Case("nn_relu_int", lambda tf, x: tf.nn.relu(x), [i32(3, 4)], lambda x: np.maximum(x, 0),
         grad=False),
    Case("nn_relu_kinks", lambda tf, x: tf.nn.relu(x),
         [np.array([-1.0, 0.0, 2.0], np.float32)], lambda x: np.maximum(x, 0), grad=False),
    Case("nn_relu_grad",
         lambda tf, g, x: activation_grad_op(tf, "ReluGrad", "relu_grad", gradients=g,
                                             features=x),
         [f32(3, 4, seed=52), _X], lambda g, x: np.where(x > 0, g, 0)),
    Case("nn_relu6_grad",
         lambda tf, g, x: activation_grad_op(tf, "Relu6Grad", "relu6_grad", gradients=g,
                                             features=x),
         [f32(4, 5, seed=53), _X6], lambda g, x: np.where((x > 0) & (x < 6), g, 0)),
    Case("nn_elu_grad",
         lambda tf, g, y: activation_grad_op(tf, "EluGrad", "elu_grad", gradients=g,
                                             outputs=y),
         [f32(3, 4, seed=54), away_from(f32(3, 4, seed=55, low=-0.9), [0.0])],
         lambda g, y: np.where(y < 0, g * (y + 1), g), grad2=True),
    Case("nn_leaky_relu_grad",
         lambda tf, g, x: activation_grad_op(tf, "LeakyReluGrad", "leaky_relu_grad",
                                             gradients=g, features=x, alpha=0.3),
         [f32(3, 4, seed=56), _X], lambda g, x: np.where(x > 0, g, 0.3 * g)),
    Case("nn_relu6", lambda tf, x: tf.nn.relu6(x), [_X6], lambda x: np.clip(x, 0, 6),
         grad2=True),
    Case("nn_elu", lambda tf, x: tf.nn.elu(x), [_X],
         lambda x: np.where(x < 0, np.expm1(x), x), grad2=True),
    Case("nn_leaky_relu", lambda tf, x: tf.nn.leaky_relu(x), [_X],
         lambda x: np.where(x > 0, x, 0.2 * x), grad2=True),
    Case("nn_leaky_relu_alpha", lambda tf, x: tf.nn.leaky_relu(x, alpha=1.5), [f64(5, seed=9)],
         lambda x: np.where(x > 0, x, 1.5 * x)),
    Case("nn_leaky_relu_int", lambda tf, x: tf.nn.leaky_relu(x, 0.5), [i32(6)],
         lambda x: np.where(x > 0, x, 0.5 * x).astype(np.float32), grad=False),
    Case("nn_softplus", lambda tf, x: tf.nn.softplus(x), [f32(3, 4, seed=8, low=-20, high=20)],
         lambda x: np.logaddexp(0, x.astype(np.float64)).astype(np.float32), grad2=True),
    Case("nn_sigmoid_tanh", lambda tf, x: [tf.nn.sigmoid(x), tf.nn.tanh(x)], [f32(2, 3)],
         lambda x: [sigmoid(x), np.tanh(x)]),
    # softmax family
    Case("nn_softmax", lambda tf, x: tf.nn.softmax(x), [f32(3, 5, seed=10)], np_softmax,
         grad2=True),
    Case("nn_softmax_axis", lambda tf, x: tf.nn.softmax(x, axis=1), [f32(2, 3, 4, seed=11)],
         lambda x: np_softmax(x, 1)),
    Case("nn_softmax_large", lambda tf, x: tf.nn.softmax(x), [f32(2, 4, seed=12) * 500],
         np_softmax, grad=False),
    Case("nn_log_softmax", lambda tf, x: tf.nn.log_softmax(x), [f32(3, 5, seed=13)],
         np_log_softmax, grad2=True),
    Case("nn_log_softmax_axis0", lambda tf, x: tf.nn.log_softmax(x, axis=0),
         [f32(4, 3, seed=14)], lambda x: np_log_softmax(x, 0)),
    Case("nn_softmax_xent_v2",
         lambda tf, y, x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x),
         [distribution(4, 5, seed=15), f32(4, 5, seed=16)],
         lambda y, x: -(y * np_log_softmax(x)).sum(-1), grad2=True),
    Case("nn_softmax_xent_v2_axis0",
         lambda tf, y, x: tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=x,
                                                                     axis=0),
         [distribution(5, 3, seed=17, axis=0), f32(5, 3, seed=18)],
         lambda y, x: -(y * np_log_softmax(x, 0)).sum(0), grad2=True),
    Case("nn_softmax_xent_v1",
         lambda tf, x: tf.nn.softmax_cross_entropy_with_logits(labels=_Y, logits=x),
         [f32(2, 3, 4, seed=20)], lambda x: -(_Y * np_log_softmax(x)).sum(-1)),
    Case("nn_sparse_xent",
         lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         [labels(6, classes=4, seed=21), f32(6, 4, seed=22)],
         lambda y, x: -np.take_along_axis(np_log_softmax(x), y[:, None], -1)[:, 0],
         grad2=True),
    Case("nn_sparse_xent_3d",
         lambda tf, y, x: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x),
         [labels(2, 3, classes=5, seed=23, dtype=np.int64), f64(2, 3, 5, seed=24)],
         lambda y, x: -np.take_along_axis(np_log_softmax(x), y[..., None], -1)[..., 0]),
    Case("nn_sigmoid_xent",
         lambda tf, z, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x),
         [f32(3, 4, seed=25, low=0, high=1), f32(3, 4, seed=26, low=-30, high=30)],
         lambda z, x: (np.logaddexp(0, x.astype(np.float64)) - x * z).astype(np.float32),
         grad2=True, rtol=1e-4, atol=1e-5),
    # bias_add, l2_loss
    Case("nn_bias_add", lambda tf, x, b: tf.nn.bias_add(x, b), [f32(2, 3, 4), f32(4, seed=27)],
         lambda x, b: x + b),
    Case("nn_bias_add_nchw", lambda tf, x, b: tf.nn.bias_add(x, b, data_format="NCHW"),
         [f32(2, 3, 2, 2, seed=28), f32(3, seed=29)], lambda x, b: x + b[:, None, None]),
    Case("nn_l2_loss", lambda tf, x: tf.nn.l2_loss(x), [f32(3, 4, seed=30)],
         lambda x: np.float32((x.astype(np.float64) ** 2).sum() / 2), grad2=True),
    Case("nn_dropout", lambda tf, x: tf.nn.dropout(x, keep_prob=0.5), [f32(4, 6, seed=31)],
         random=True),
    Case("nn_dropout_rate", lambda tf, x: tf.nn.dropout(x, rate=0.25, noise_shape=[4, 1]),
         [f32(4, 6, seed=32)], random=True),
    # conv2d and its backward ops
    Case("nn_conv2d_same", _conv(strides=[1, 1, 1, 1], padding="SAME"), [_IMG, _F],
         lambda x, f: naive_conv2d(x, f), rtol=1e-4, atol=1e-5),
    Case("nn_conv2d_grad2", _conv(strides=1, padding="SAME"),
         [_SMALL_IMG, f32(2, 2, 2, 3, seed=33)], lambda x, f: naive_conv2d(x, f), grad2=True,
         rtol=1e-4, atol=1e-5),
    Case("nn_conv2d_valid_stride2", _conv(strides=[1, 2, 2, 1], padding="VALID"),
         [f32(2, 7, 6, 3, seed=34), f32(3, 2, 3, 2, seed=35)],
         lambda x, f: naive_conv2d(x, f, (2, 2), "VALID"), rtol=1e-4, atol=1e-5),
    Case("nn_conv2d_same_uneven", _conv(strides=[1, 2, 1, 1], padding="SAME"),
         [f32(1, 6, 7, 2, seed=36), f32(4, 4, 2, 2, seed=37)],
         lambda x, f: naive_conv2d(x, f, (2, 1), "SAME"), rtol=1e-4, atol=1e-5),
    Case("nn_conv2d_dilated", _conv(strides=1, padding="SAME", dilations=[1, 2, 2, 1]),
         [f32(1, 6, 6, 2, seed=38), f32(3, 2, 2, 2, seed=39)],
         lambda x, f: naive_conv2d(x, f, dilations=(2, 2)), rtol=1e-4, atol=1e-5),
    Case("nn_conv2d_explicit_padding",
         _conv(strides=[1, 2, 1, 1], padding=[[0, 0], [1, 2], [0, 1], [0, 0]]),
         [f32(1, 5, 4, 2, seed=50), f32(3, 2, 2, 3, seed=51)],
         lambda x, f: naive_conv2d(np.pad(x, ((0, 0), (1, 2), (0, 1), (0, 0))), f, (2, 1),
                                   "VALID"), rtol=1e-4, atol=1e-5),
    Case("nn_conv2d_filters_kw",
         lambda tf, x, f: tf.nn.conv2d(x, filters=f, strides=[1, 1, 1, 1], padding="VALID"),
         [f32(1, 4, 4, 1, seed=40), f32(2, 2, 1, 1, seed=41)],
         lambda x, f: naive_conv2d(x, f, padding="VALID"), rtol=1e-4, atol=1e-5),
    Case("nn_conv2d_backprop_input",
         lambda tf, f, dy: tf.nn.conv2d_backprop_input([2, 5, 5, 3], f, dy,
                                                       strides=[1, 1, 1, 1], padding="SAME"),
         [_F, _DY_SAME], lambda f, dy: naive_conv2d_backprop_input((2, 5, 5, 3), f, dy),
         rtol=1e-4, atol=1e-5),
    Case("nn_conv2d_backprop_input_stride",
         lambda tf, f, dy: tf.nn.conv2d_backprop_input([1, 7, 6, 2], f, dy,
                                                       strides=[1, 2, 2, 1], padding="VALID"),
         [f32(3, 2, 2, 3, seed=42), f32(1, 3, 3, 3, seed=43)],
         lambda f, dy: naive_conv2d_backprop_input((1, 7, 6, 2), f, dy, (2, 2), "VALID"),
         rtol=1e-4, atol=1e-5),
    Case("nn_conv2d_backprop_filter",
         lambda tf, x, dy: tf.nn.conv2d_backprop_filter(x, [3, 3, 3, 4], dy,
                                                        strides=[1, 1, 1, 1], padding="SAME"),
         [_IMG, _DY_SAME], lambda x, dy: naive_conv2d_backprop_filter(x, (3, 3, 3, 4), dy),
         rtol=1e-4, atol=1e-4),
    Case("nn_conv2d_backprop_filter_stride",
         lambda tf, x, dy: tf.nn.conv2d_backprop_filter(x, [2, 3, 2, 2], dy,
                                                        strides=[1, 2, 2, 1], padding="SAME"),
         [f32(1, 5, 6, 2, seed=44), f32(1, 3, 3, 2, seed=45)],
         lambda x, dy: naive_conv2d_backprop_filter(x, (2, 3, 2, 2), dy, (2, 2)),
         rtol=1e-4, atol=1e-4),
    # pooling and its backward ops
    Case("nn_max_pool_same", lambda tf, x: tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1],
                                                          "SAME"),
         [_POOL_IMG], lambda x: naive_max_pool(x, 2, 2, "SAME"), grad2=True),
    Case("nn_max_pool_valid_overlap", lambda tf, x: tf.nn.max_pool(x, 3, 2, "VALID"),
         [_POOL_IMG], lambda x: naive_max_pool(x, 3, 2, "VALID")),
    Case("nn_max_pool_grad",
         lambda tf, x, dy: max_pool_grad_op(tf, "MaxPoolGrad", x, dy, 3, 2, "SAME"),
         [_POOL_IMG, f32(2, 3, 3, 3, seed=46)],
         lambda x, dy: naive_max_pool_grad(x, dy, 3, 2, "SAME"), grad2=True),
    Case("nn_max_pool_grad_grad",
         lambda tf, x, g: max_pool_grad_op(tf, "MaxPoolGradGrad", x, g, 2, 2, "VALID"),
         [_POOL_IMG, f32(2, 6, 5, 3, seed=47)],
         lambda x, g: naive_max_pool_grad_grad(x, g, 2, 2, "VALID")),
    Case("nn_avg_pool_same", lambda tf, x: tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1],
                                                          "SAME"),
         [_POOL_IMG], lambda x: naive_avg_pool(x, 3, 2, "SAME"), grad2=True),
    Case("nn_avg_pool_valid", lambda tf, x: tf.nn.avg_pool(x, 2, 1, "VALID"),
         [f64(1, 4, 3, 2, seed=48)], lambda x: naive_avg_pool(x, 2, 1, "VALID")),
    Case("nn_avg_pool_grad",
         lambda tf, dy: avg_pool_grad_op(tf, [2, 6, 5, 3], dy, 3, 2, "SAME"),
         [f32(2, 3, 3, 3, seed=49)],
         lambda dy: naive_avg_pool_grad((2, 6, 5, 3), dy, 3, 2, "SAME")),
]


def _moments_expect(x):
    return [x.mean(0), x.var(0)]


CASES += [
    Case("moments", lambda tf, x: list(tf.nn.moments(x, [0])), [f32(5, 3)], _moments_expect,
         rtol=1e-5, atol=1e-5),
    Case("moments_keepdims", lambda tf, x: list(tf.nn.moments(x, [0, 1], keepdims=True)),
         [f32(4, 3)], lambda x: [x.mean(keepdims=True), x.var(keepdims=True)], rtol=1e-5),
    Case("batch_normalization",
         lambda tf, x, m, v, o, s: tf.nn.batch_normalization(x, m, v, o, s, 1e-3),
         [f32(4, 3), f32(3, seed=1), pos32(3, seed=2), f32(3, seed=3), f32(3, seed=4)],
         lambda x, m, v, o, s: (x - m) * s / np.sqrt(v + 1e-3) + o, rtol=1e-4, atol=1e-5),
    Case("l2_normalize", lambda tf, x: tf.nn.l2_normalize(x, axis=1), [f32(3, 4)],
         lambda x: x / np.sqrt(np.maximum((x * x).sum(1, keepdims=True), 1e-12)),
         rtol=1e-5),
]
