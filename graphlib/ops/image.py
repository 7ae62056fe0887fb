"""Image resizing primitives (NHWC): `resize_bilinear` and `resize_nearest_neighbor` with TF's
coordinate rules (`align_corners`, `half_pixel_centers`; TF1's default is neither), and the
ops their gradients use, `resize_bilinear_grad` and `resize_nearest_neighbor_grad`.

The kernels follow TF's CPU kernels (image/resize_bilinear_op.cc,
resize_nearest_neighbor_op.cc): source coordinates, scales and interpolation weights in
float32, so edge pixels land where TF puts them. ResizeBilinear outputs float32 for every
input dtype, as TF's op does. The composites of `tf.image` (resize_images, flips, rot90,
per_image_standardization, ...) live in graphjit/image.py.

May import: dtypes, graph, registry, shapes, ops.core, ops.array.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..graph import Tensor
from ..registry import OpDef, Spec, register
from . import array as array_ops
from .array import _in_op_graph
from .core import convert_to_tensor

_IMAGE_DTYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


# -- coordinates (TF's image_resizer_state.h) ---------------------------------------------------

def _scale(in_size: int, out_size: int, align_corners: bool) -> np.float32:
    if align_corners and out_size > 1:
        return np.float32(in_size - 1) / np.float32(out_size - 1)
    return np.float32(in_size) / np.float32(out_size)


def _bilinear_weights(in_size: int, out_size: int, align_corners: bool,
                      half_pixel_centers: bool):
    """Per output index: the lower and upper source index and the upper one's weight."""
    scale = _scale(in_size, out_size, align_corners)
    i = np.arange(out_size, dtype=np.float32)
    source = (i + np.float32(0.5)) * scale - np.float32(0.5) if half_pixel_centers \
        else i * scale
    floor = np.floor(source)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(source).astype(np.int64), in_size - 1)
    return lower, upper, (source - floor).astype(np.float32)


def _nearest_index(in_size: int, out_size: int, align_corners: bool,
                   half_pixel_centers: bool) -> np.ndarray:
    scale = _scale(in_size, out_size, align_corners)
    i = np.arange(out_size, dtype=np.float32)
    source = (i + np.float32(0.5)) * scale if half_pixel_centers else i * scale
    floor = np.floor(source)
    # roundf rounds halves away from zero; the sources are >= 0
    picked = floor + (source - floor >= 0.5) if align_corners else floor
    index = np.minimum(picked.astype(np.int64), in_size - 1)
    return np.maximum(index, 0) if half_pixel_centers else index


def _check_sizes(in_h: int, in_w: int, out_h: int, out_w: int, what: str) -> None:
    if out_h <= 0 or out_w <= 0:
        raise ValueError(f"{what}: output dimensions must be positive, got {[out_h, out_w]}")
    if in_h <= 0 or in_w <= 0:
        raise ValueError(f"{what}: input image must be of non-zero size, got "
                         f"{[in_h, in_w]}")


# -- shape rules ----------------------------------------------------------------------------

def _check_images(images: Spec, what: str, allowed=_IMAGE_DTYPES) -> None:
    if images.dtype not in allowed:
        names = ", ".join(d.name for d in allowed)
        raise TypeError(f"Value passed to parameter 'images' of {what} has DataType "
                        f"{images.dtype.name} not in list of allowed values: {names}")
    if images.shape.rank is not None and images.shape.rank != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {images.shape.rank}")


def _size_dims(size: Spec) -> list:
    """The new [height, width] when the size is a build-time constant, else [None, None]."""
    if size.dtype != dtypes.int32:
        raise TypeError(f"'size' must be an int32 tensor, got {size.dtype.name}")
    if size.shape.rank is not None and (size.shape.rank != 1 or size.shape[0] not in (None, 2)):
        raise ValueError(f"'size' must be a 1-D Tensor of 2 elements: new_height, new_width; "
                         f"got shape {size.shape}")
    value = size.const
    if value is None:
        return [None, None]
    return [int(v) for v in np.asarray(value).reshape(-1)]


def _resized_shape(images: Spec, size: Spec, dtype, align_corners: bool,
                   half_pixel_centers: bool) -> Spec:
    if align_corners and half_pixel_centers:
        raise ValueError("If half_pixel_centers is True, align_corners must be False.")
    h, w = _size_dims(size)
    if images.shape.rank is None:
        return Spec(dtype, [None, h, w, None])
    return Spec(dtype, [images.shape[0], h, w, images.shape[3]])


# -- resize_bilinear --------------------------------------------------------------------------

def _bilinear_infer(images: Spec, size: Spec, *, align_corners: bool,
                    half_pixel_centers: bool) -> Spec:
    _check_images(images, "ResizeBilinear")
    return _resized_shape(images, size, dtypes.float32, align_corners, half_pixel_centers)


def _bilinear_reference(images: np.ndarray, size: np.ndarray, *, align_corners: bool,
                        half_pixel_centers: bool) -> np.ndarray:
    _, in_h, in_w, _ = images.shape
    out_h, out_w = (int(v) for v in size)
    _check_sizes(in_h, in_w, out_h, out_w, "ResizeBilinear")
    y_lo, y_hi, y_lerp = _bilinear_weights(in_h, out_h, align_corners, half_pixel_centers)
    x_lo, x_hi, x_lerp = _bilinear_weights(in_w, out_w, align_corners, half_pixel_centers)
    img = images.astype(np.float32, copy=False)
    top, bottom = img[:, y_lo], img[:, y_hi]
    x_lerp = x_lerp[None, None, :, None]
    # TF's order of operations, in float32
    top = top[:, :, x_lo] + (top[:, :, x_hi] - top[:, :, x_lo]) * x_lerp
    bottom = bottom[:, :, x_lo] + (bottom[:, :, x_hi] - bottom[:, :, x_lo]) * x_lerp
    return top + (bottom - top) * y_lerp[None, :, None, None]


@_in_op_graph
def _bilinear_grad(op, grad):
    images = op.inputs[0]
    if not images.dtype.is_floating:
        return [None, None]
    return [resize_bilinear_grad(grad, images, **op.attrs), None]


register(OpDef(
    name="resize_bilinear", infer=_bilinear_infer, reference=_bilinear_reference,
    gradient=_bilinear_grad,
    doc="Bilinear resize of NHWC images to `size` (int32 [new_height, new_width]); float32 "
        "output (TF's ResizeBilinear). Attrs align_corners, half_pixel_centers."))


def resize_bilinear(images, size, align_corners=False, half_pixel_centers=False,
                    name=None) -> Tensor:
    """`tf.image.resize_bilinear` (TF1's `compat.v1.image.resize_bilinear`): 4-D NHWC."""
    x = convert_to_tensor(images)
    size = convert_to_tensor(size, dtype=dtypes.int32)
    return x.graph.create_op("resize_bilinear", [x, size],
                             {"align_corners": bool(align_corners),
                              "half_pixel_centers": bool(half_pixel_centers)},
                             name=name or "ResizeBilinear").outputs[0]


def _bilinear_grad_infer(grads: Spec, original: Spec, *, align_corners: bool,
                         half_pixel_centers: bool) -> Spec:
    if grads.dtype != dtypes.float32:
        raise TypeError(f"ResizeBilinearGrad: grads must be float32, got {grads.dtype.name}")
    _check_images(original, "ResizeBilinearGrad", (dtypes.float32, dtypes.float64))
    return Spec(original.dtype, original.shape)


def _bilinear_grad_reference(grads: np.ndarray, original: np.ndarray, *,
                             align_corners: bool, half_pixel_centers: bool) -> np.ndarray:
    """The transpose of the forward map: each output gradient goes to its four source
    pixels with the forward weights (separable: rows, then columns)."""
    _, in_h, in_w, _ = original.shape
    _, out_h, out_w, _ = grads.shape
    _check_sizes(in_h, in_w, out_h, out_w, "ResizeBilinearGrad")
    weights = []
    for n_in, n_out in ((in_h, out_h), (in_w, out_w)):
        lo, hi, lerp = _bilinear_weights(n_in, n_out, align_corners, half_pixel_centers)
        w = np.zeros((n_out, n_in), np.float64)
        np.add.at(w, (np.arange(n_out), lo), 1.0 - lerp.astype(np.float64))
        np.add.at(w, (np.arange(n_out), hi), lerp.astype(np.float64))
        weights.append(w)
    out = np.einsum("yi,xj,byxc->bijc", weights[0], weights[1], grads.astype(np.float64))
    return out.astype(original.dtype)


@_in_op_graph
def _bilinear_grad_grad(op, grad):
    """The op is linear in its gradient input: its adjoint is the forward resize."""
    grads = op.inputs[0]
    size = _static_or_dynamic_hw(grads)
    return [resize_bilinear(grad, size, **op.attrs), None]


def _static_or_dynamic_hw(x: Tensor):
    dims = x.shape.as_list()[1:3] if x.shape.rank is not None else [None, None]
    if None not in dims:
        return dims
    return array_ops.shape(x)[1:3]


register(OpDef(
    name="resize_bilinear_grad", infer=_bilinear_grad_infer,
    reference=_bilinear_grad_reference, gradient=_bilinear_grad_grad,
    attrs={"shape_only_inputs": (1,)},
    doc="Gradient of resize_bilinear with respect to its images (TF's ResizeBilinearGrad): "
        "float32 grads [B, h, w, C] spread back onto original_image's shape and dtype "
        "(only its shape is read)."))


def resize_bilinear_grad(grads, original_image, align_corners=False, half_pixel_centers=False,
                         name=None) -> Tensor:
    """TF's `ResizeBilinearGrad` op (made by resize_bilinear's gradient)."""
    g = convert_to_tensor(grads)
    original = convert_to_tensor(original_image)
    return g.graph.create_op("resize_bilinear_grad", [g, original],
                             {"align_corners": bool(align_corners),
                              "half_pixel_centers": bool(half_pixel_centers)},
                             name=name or "ResizeBilinearGrad").outputs[0]


# -- resize_nearest_neighbor ------------------------------------------------------------------

def _nearest_infer(images: Spec, size: Spec, *, align_corners: bool,
                   half_pixel_centers: bool) -> Spec:
    _check_images(images, "ResizeNearestNeighbor")
    return _resized_shape(images, size, images.dtype, align_corners, half_pixel_centers)


def _nearest_reference(images: np.ndarray, size: np.ndarray, *, align_corners: bool,
                       half_pixel_centers: bool) -> np.ndarray:
    _, in_h, in_w, _ = images.shape
    out_h, out_w = (int(v) for v in size)
    _check_sizes(in_h, in_w, out_h, out_w, "ResizeNearestNeighbor")
    ys = _nearest_index(in_h, out_h, align_corners, half_pixel_centers)
    xs = _nearest_index(in_w, out_w, align_corners, half_pixel_centers)
    return np.ascontiguousarray(images[:, ys][:, :, xs])


@_in_op_graph
def _nearest_grad(op, grad):
    images = op.inputs[0]
    if not images.dtype.is_floating:
        return [None, None]
    return [resize_nearest_neighbor_grad(grad, _static_or_dynamic_hw(images), **op.attrs),
            None]


register(OpDef(
    name="resize_nearest_neighbor", infer=_nearest_infer, reference=_nearest_reference,
    gradient=_nearest_grad,
    doc="Nearest-neighbor resize of NHWC images to `size` (TF's ResizeNearestNeighbor); "
        "keeps the dtype. Attrs align_corners, half_pixel_centers."))


def resize_nearest_neighbor(images, size, align_corners=False, half_pixel_centers=False,
                            name=None) -> Tensor:
    """`tf.image.resize_nearest_neighbor` (TF1's): 4-D NHWC."""
    x = convert_to_tensor(images)
    size = convert_to_tensor(size, dtype=dtypes.int32)
    return x.graph.create_op("resize_nearest_neighbor", [x, size],
                             {"align_corners": bool(align_corners),
                              "half_pixel_centers": bool(half_pixel_centers)},
                             name=name or "ResizeNearestNeighbor").outputs[0]


def _nearest_grad_infer(grads: Spec, size: Spec, *, align_corners: bool,
                        half_pixel_centers: bool) -> Spec:
    _check_images(grads, "ResizeNearestNeighborGrad", (dtypes.float32, dtypes.float64))
    return _resized_shape(grads, size, grads.dtype, align_corners, half_pixel_centers)


def _nearest_grad_reference(grads: np.ndarray, size: np.ndarray, *, align_corners: bool,
                            half_pixel_centers: bool) -> np.ndarray:
    """Each output gradient added to the source pixel the forward pass copied."""
    batch, out_h, out_w, channels = grads.shape
    in_h, in_w = (int(v) for v in size)
    _check_sizes(in_h, in_w, out_h, out_w, "ResizeNearestNeighborGrad")
    ys = _nearest_index(in_h, out_h, align_corners, half_pixel_centers)
    xs = _nearest_index(in_w, out_w, align_corners, half_pixel_centers)
    out = np.zeros((batch, in_h, in_w, channels), grads.dtype)
    np.add.at(out, (slice(None), ys[:, None], xs[None, :]), grads)
    return out


@_in_op_graph
def _nearest_grad_grad(op, grad):
    """Linear in its gradient input: the adjoint is the forward nearest resize."""
    return [resize_nearest_neighbor(grad, _static_or_dynamic_hw(op.inputs[0]), **op.attrs),
            None]


register(OpDef(
    name="resize_nearest_neighbor_grad", infer=_nearest_grad_infer,
    reference=_nearest_grad_reference, gradient=_nearest_grad_grad,
    doc="Gradient of resize_nearest_neighbor with respect to its images (TF's "
        "ResizeNearestNeighborGrad): grads summed into an image of `size`."))


def resize_nearest_neighbor_grad(grads, size, align_corners=False, half_pixel_centers=False,
                                 name=None) -> Tensor:
    """TF's `ResizeNearestNeighborGrad` op (made by resize_nearest_neighbor's gradient)."""
    g = convert_to_tensor(grads)
    size = convert_to_tensor(size, dtype=dtypes.int32)
    return g.graph.create_op("resize_nearest_neighbor_grad", [g, size],
                             {"align_corners": bool(align_corners),
                              "half_pixel_centers": bool(half_pixel_centers)},
                             name=name or "ResizeNearestNeighborGrad").outputs[0]


__all__ = ["resize_bilinear", "resize_bilinear_grad", "resize_nearest_neighbor",
           "resize_nearest_neighbor_grad"]
