"""tf.image against TensorFlow over generated image and output sizes: bilinear and
nearest resizes (values and gradients, under each coordinate rule, edge pixels included),
3-D and 4-D inputs, fed sizes, rot90 for every k; both executors agree; build-time
errors for bad ranks, sizes and flags."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import graphjit as gj

tf = pytest.importorskip("tensorflow.compat.v1")
tf.disable_eager_execution()

RULES = [(False, False), (True, False), (False, True)]


def _resize_and_grad(lib, method, img, size, grad_out, rule, executor=None):
    graph = lib.Graph()
    with graph.as_default():
        x = lib.placeholder(lib.as_dtype(img.dtype), img.shape)
        fn = lib.image.resize_bilinear if method == "bilinear" else \
            lib.image.resize_nearest_neighbor
        y = fn(x, size, align_corners=rule[0], half_pixel_centers=rule[1])
        fetches = [y]
        if img.dtype.kind == "f":
            fetches += lib.gradients(y, x, grad_ys=grad_out.astype(y.dtype.as_numpy_dtype
                                                                   if lib is tf else
                                                                   y.dtype.np))
    kwargs = {"executor": executor} if executor else {}
    with lib.Session(graph=graph, **kwargs) as sess:
        return sess.run(fetches, {x: img})


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 9), st.integers(1, 9),
       st.sampled_from(RULES), st.sampled_from(["bilinear", "nearest"]),
       st.sampled_from([np.float32, np.float64, np.int32]))
def test_resize_values_and_gradients_match_tensorflow(in_h, in_w, out_h, out_w, rule, method,
                                                      dtype):
    rng = np.random.default_rng(in_h * 1000 + in_w * 100 + out_h * 10 + out_w)
    img = (rng.uniform(-4, 4, size=(2, in_h, in_w, 3))).astype(dtype)
    grad_out = rng.normal(size=(2, out_h, out_w, 3))
    theirs = _resize_and_grad(tf, method, img, [out_h, out_w], grad_out, rule)
    for executor in ("interpreted", "compiled"):
        ours = _resize_and_grad(gj, method, img, [out_h, out_w], grad_out, rule, executor)
        for a, b in zip(ours, theirs):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("method", [0, 1])
@pytest.mark.parametrize("k", [0, 1, 2, 3, 5, -1])
def test_resize_images_3d_fed_size_and_rot90_match_tensorflow(method, k):
    img = np.random.default_rng(k + 10).uniform(0, 1, size=(3, 5, 2)).astype(np.float32)
    size = np.int32([4, 7])
    results = []
    for lib in (tf, gj):
        graph = lib.Graph()
        with graph.as_default():
            x = lib.placeholder(lib.float32, img.shape)
            s = lib.placeholder(lib.int32, [2])
            outs = [lib.image.resize_images(x, s, method=method), lib.image.rot90(x, k),
                    lib.image.rot90(x[None], k)]
            with lib.Session(graph=graph) as sess:
                results.append(sess.run(outs, {x: img, s: size}))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_static_shapes_dtypes_and_names():
    x = gj.placeholder(gj.float64, [None, 4, 6, 3])
    y = gj.image.resize_images(x, [2, 3])
    assert y.shape.as_list() == [None, 2, 3, 3] and y.dtype == gj.float32
    assert y.op.name == "resize/ResizeBilinear"
    n = gj.image.resize_images(x, [8, 12], method=gj.image.ResizeMethod.NEAREST_NEIGHBOR)
    assert n.dtype == gj.float64 and n.shape.as_list() == [None, 8, 12, 3]
    assert gj.image.resize_images(x, [4, 6]) is x  # same size: no resize, as TF
    fed = gj.image.resize_bilinear(x, gj.placeholder(gj.int32, [2]))
    assert fed.shape.as_list() == [None, None, None, 3]
    assert gj.image.resize is gj.image.resize_images


def test_build_errors():
    x = gj.placeholder(gj.float32, [1, 4, 4, 1])
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        gj.image.resize_images(gj.placeholder(gj.float32, [4, 4]), [2, 2])
    with pytest.raises(ValueError, match="rank 4"):
        gj.image.resize_bilinear(gj.placeholder(gj.float32, [4, 4, 1]), [2, 2])
    with pytest.raises(ValueError, match="2 elements"):
        gj.image.resize_images(x, [2, 2, 2])
    with pytest.raises(ValueError, match="align_corners must be False"):
        gj.image.resize_bilinear(x, [2, 2], align_corners=True, half_pixel_centers=True)
    with pytest.raises(ValueError, match="BILINEAR and NEAREST_NEIGHBOR"):
        gj.image.resize_images(x, [2, 2], method=gj.image.ResizeMethod.BICUBIC)
    with pytest.raises(ValueError, match="central_fraction"):
        gj.image.central_crop(x, 1.5)
    with pytest.raises(TypeError, match="not in list of allowed values"):
        gj.image.resize_bilinear(gj.placeholder(gj.bool, [1, 2, 2, 1]), [3, 3])


def test_run_time_size_errors_are_invalid_argument():
    x = gj.placeholder(gj.float32, [1, 4, 4, 1])
    s = gj.placeholder(gj.int32, [2])
    y = gj.image.resize_bilinear(x, s)
    with gj.Session() as sess:
        with pytest.raises(gj.errors.InvalidArgumentError, match="must be positive"):
            sess.run(y, {x: np.ones((1, 4, 4, 1)), s: [0, 3]})
