"""Cases for graphlib/ops/image.py and the graphjit/image.py composites: bilinear and
nearest resizes under each coordinate rule, 3-D and 4-D images, sizes as constants and as
fed int32 tensors, the gradient ops (built by differentiating), flips, rot90,
per_image_standardization, convert_image_dtype and central_crop.

The resizes are linear in the image, and ResizeBilinear answers in float32 whatever the
input dtype: their finite differences use a large step (exact for a linear map) so that
float32 rounding of the outputs stays far below the tolerance."""

import numpy as np

from tests.opcases import Case, f32, i32

_LINEAR = {"fd_eps": 0.5, "grad_tol": 1e-4}


def _bilinear_np(img, out_h, out_w, align_corners=False, half_pixel=False):
    """Independent float64 bilinear resize with TF's coordinate rules."""
    def axis(n_in, n_out):
        scale = (n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else n_in / n_out
        src = (np.arange(n_out) + 0.5) * scale - 0.5 if half_pixel else np.arange(n_out) * scale
        lo = np.clip(np.floor(src), 0, n_in - 1).astype(int)
        hi = np.minimum(np.ceil(src), n_in - 1).astype(int)
        return lo, hi, src - np.floor(src)
    (ylo, yhi, yl), (xlo, xhi, xl) = axis(img.shape[1], out_h), axis(img.shape[2], out_w)
    img = img.astype(np.float64)
    rows = img[:, ylo] * (1 - yl)[None, :, None, None] + img[:, yhi] * yl[None, :, None, None]
    out = rows[:, :, xlo] * (1 - xl)[None, None, :, None] + \
        rows[:, :, xhi] * xl[None, None, :, None]
    return out.astype(np.float32)


def _nearest_np(img, out_h, out_w, align_corners=False):
    def axis(n_in, n_out):
        scale = (n_in - 1) / (n_out - 1) if align_corners and n_out > 1 else n_in / n_out
        src = np.arange(n_out) * scale
        return np.minimum(np.floor(src + 0.5) if align_corners else np.floor(src),
                          n_in - 1).astype(int)
    return img[:, axis(img.shape[1], out_h)][:, :, axis(img.shape[2], out_w)]


def _standardize_np(x):
    x = x.astype(np.float32)
    mean = x.mean(axis=(-1, -2, -3), keepdims=True)
    std = x.std(axis=(-1, -2, -3), keepdims=True)
    return (x - mean) / np.maximum(std, 1 / np.sqrt(np.prod(x.shape[-3:])))


def _saturated_int32(x):
    """float32 -> int32 clipped to the largest float32 below 2**31, as TF's saturate_cast."""
    return np.clip(x, -2.0 ** 31, np.float32(2 ** 31 - 128)).astype(np.int32)


_IMG = f32(2, 3, 4, 2, seed=40, low=0.0, high=1.0)

CASES = [
    Case("resize_bilinear", lambda tf, x: tf.image.resize_bilinear(x, [5, 7]), [_IMG],
         lambda x: _bilinear_np(x, 5, 7), grad2=True, **_LINEAR),
    Case("resize_bilinear_align_corners",
         lambda tf, x: tf.image.resize_bilinear(x, [2, 7], align_corners=True), [_IMG],
         lambda x: _bilinear_np(x, 2, 7, align_corners=True), **_LINEAR),
    Case("resize_bilinear_half_pixel_centers",
         lambda tf, x: tf.image.resize_bilinear(x, [5, 3], half_pixel_centers=True), [_IMG],
         lambda x: _bilinear_np(x, 5, 3, half_pixel=True), **_LINEAR),
    Case("resize_bilinear_int_input", lambda tf, x: tf.image.resize_bilinear(x, [4, 2]),
         [i32(1, 2, 3, 1, seed=41)], lambda x: _bilinear_np(x, 4, 2), grad=False),
    Case("resize_nearest_neighbor",
         lambda tf, x: tf.image.resize_nearest_neighbor(x, [7, 3]), [_IMG],
         lambda x: _nearest_np(x, 7, 3), grad2=True),
    Case("resize_nearest_neighbor_align_corners_int",
         lambda tf, x: tf.image.resize_nearest_neighbor(x, [5, 6], align_corners=True),
         [i32(2, 3, 4, 1, seed=42)], lambda x: _nearest_np(x, 5, 6, align_corners=True),
         grad=False),
    Case("resize_images_hwc_fed_size",
         lambda tf, x, size: tf.image.resize_images(x, size), [_IMG[0], np.int32([4, 6])],
         lambda x, size: _bilinear_np(x[None], 4, 6)[0], grad=False),
    Case("resize_images_nearest_and_same_size",
         lambda tf, x: [tf.image.resize(x, [6, 2], method=tf.image.ResizeMethod.NEAREST_NEIGHBOR),
                        tf.image.resize_images(x, [3, 4])],
         [_IMG], lambda x: [_nearest_np(x, 6, 2), x]),
    # the gradient ops, by differentiating; TF has none for them, so their own gradients
    # are checked against finite differences only
    Case("resize_bilinear_grad",
         lambda tf, x, g: tf.gradients(tf.image.resize_bilinear(x, [5, 3]), x,
                                       grad_ys=tf.cast(g, tf.float32))[0],
         [_IMG, f32(2, 5, 3, 2, seed=43)], grad=False),
    Case("resize_bilinear_grad_differentiated",
         lambda tf, x, g: tf.gradients(tf.image.resize_bilinear(x, [5, 3],
                                                                align_corners=True), x,
                                       grad_ys=tf.cast(g, tf.float32))[0],
         [_IMG, f32(2, 5, 3, 2, seed=44)], tf=False, **_LINEAR),
    Case("resize_nearest_neighbor_grad",
         lambda tf, x, g: tf.gradients(tf.image.resize_nearest_neighbor(x, [2, 7]), x,
                                       grad_ys=g)[0],
         [_IMG, f32(2, 2, 7, 2, seed=45)], grad=False),
    Case("resize_nearest_neighbor_grad_differentiated",
         lambda tf, x, g: tf.gradients(tf.image.resize_nearest_neighbor(
             x, [5, 9], half_pixel_centers=True), x, grad_ys=g)[0],
         [_IMG, f32(2, 5, 9, 2, seed=46)], tf=False),
    Case("image_flips", lambda tf, x: [tf.image.flip_left_right(x),
                                       tf.image.flip_up_down(x),
                                       tf.image.flip_left_right(x[0])],
         [_IMG], lambda x: [x[:, :, ::-1], x[:, ::-1], x[0, :, ::-1]]),
    # TF's rot90 selects the rotation with a case, so its static shape is [?, ?, C]: the
    # values are compared with TF in tests/test_image.py
    Case("image_rot90", lambda tf, x: [tf.image.rot90(x), tf.image.rot90(x[0], k=2),
                                       tf.image.rot90(x, k=3), tf.image.rot90(x, k=4)],
         [_IMG], lambda x: [np.rot90(x, 1, (1, 2)), np.rot90(x[0], 2), np.rot90(x, 3, (1, 2)),
                            x], tf=False),
    Case("per_image_standardization", lambda tf, x: tf.image.per_image_standardization(x),
         [_IMG], _standardize_np, rtol=1e-4, atol=1e-5, fd_eps=1e-3, grad_tol=3e-3),
    Case("convert_image_dtype",
         lambda tf, x, i: [tf.image.convert_image_dtype(x, tf.float64),
                           tf.image.convert_image_dtype(i, tf.float32),
                           tf.image.convert_image_dtype(x, tf.int32),
                           tf.image.convert_image_dtype(x * 3.0, tf.int32, saturate=True)],
         [_IMG, i32(2, 2, 1, seed=47, low=0, high=2 ** 31 - 1)],
         lambda x, i: [x.astype(np.float64), (i * (1.0 / (2 ** 31 - 1))).astype(np.float32),
                       (x * np.float32(2 ** 31 - 0.5)).astype(np.int32),
                       _saturated_int32(x * np.float32(3) * np.float32(2 ** 31 - 0.5))],
         grad=False),
    Case("central_crop", lambda tf, x: [tf.image.central_crop(x, 0.5),
                                        tf.image.central_crop(x[0], 0.3)],
         [f32(1, 6, 5, 2, seed=48)], lambda x: [x[:, 1:5, 1:4], x[0, 2:4, 1:4]]),
]
