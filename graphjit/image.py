"""`gj.image`: TF1's `tf.image` (compat.v1 semantics): `resize_images` (= `resize`) with
`ResizeMethod`, `resize_bilinear`, `resize_nearest_neighbor` over the resize primitives of
graphlib/ops/image.py, and the composites `flip_left_right`, `flip_up_down`, `rot90`,
`per_image_standardization`, `convert_image_dtype` and `central_crop`. Images are NHWC
(4-D) or HWC (3-D).

May import: graphjit.graphlib.
"""

from __future__ import annotations

import numpy as np

from .graphlib import dtypes
from .graphlib.graph import Tensor, constant_value, get_default_graph
from .graphlib.ops import array as _array
from .graphlib.ops import math as _math
from .graphlib.ops import reduce as _reduce
from .graphlib.ops.core import convert_to_tensor, identity
from .graphlib.ops.extra import reduce_std, saturate_cast
from .graphlib.ops.image import resize_bilinear, resize_nearest_neighbor


class ResizeMethod:
    """`tf.compat.v1.image.ResizeMethod` (integer codes, as TF1's ResizeMethodV1)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


_METHODS = {ResizeMethod.BILINEAR: resize_bilinear, "bilinear": resize_bilinear,
            ResizeMethod.NEAREST_NEIGHBOR: resize_nearest_neighbor,
            "nearest": resize_nearest_neighbor}


def _as_batch(images: Tensor, what: str) -> tuple[Tensor, bool]:
    """The images as NHWC, and whether they were a batch (3-D HWC gets a batch of one)."""
    rank = images.shape.rank
    if rank is None:
        raise ValueError(f"'{what}' contains no shape.")
    if rank == 3:
        return _array.expand_dims(images, 0), False
    if rank != 4:
        raise ValueError(f"'{what}' must have either 3 or 4 dimensions.")
    return images, True


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False,
                  preserve_aspect_ratio=False, name=None) -> Tensor:
    """`tf.compat.v1.image.resize_images` (= `tf.compat.v1.image.resize`): bilinear (float32
    result) or nearest-neighbor (same dtype); a constant size equal to the input's returns
    the images unchanged, as TF."""
    if method not in _METHODS:
        raise ValueError(f"graphjit's resize_images supports ResizeMethod.BILINEAR and "
                         f"NEAREST_NEIGHBOR, got method={method!r}")
    resize = _METHODS[method]
    with get_default_graph().name_scope(name or "resize"):
        images, is_batch = _as_batch(convert_to_tensor(images, name="images"), "images")
        _, height, width, _ = images.shape.as_list()
        try:
            size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        except (TypeError, ValueError):
            raise ValueError("'size' must be a 1-D int32 Tensor") from None
        if not size.shape.is_compatible_with([2]):
            raise ValueError("'size' must be a 1-D Tensor of 2 elements: new_height, "
                             "new_width")
        if preserve_aspect_ratio:
            size = _aspect_preserving_size(images, size)
        new = constant_value(size)
        if new is not None and [height, width] == [int(v) for v in new]:
            return images if is_batch else _array.squeeze(images, axis=[0])
        out = resize(images, size, align_corners=align_corners)
        return out if is_batch else _array.squeeze(out, axis=[0])


resize = resize_images


def _aspect_preserving_size(images: Tensor, size: Tensor) -> Tensor:
    """TF's preserve_aspect_ratio: the largest size within `size` with the image's aspect."""
    shape = _array.shape(images)
    height = _math.cast(shape[1], dtypes.float32)
    width = _math.cast(shape[2], dtypes.float32)
    scale = _math.minimum(_math.cast(size[0], dtypes.float32) / height,
                          _math.cast(size[1], dtypes.float32) / width)
    return _array.stack([_math.cast(_math.round(scale * height), dtypes.int32),
                         _math.cast(_math.round(scale * width), dtypes.int32)], name="size")


def _flip(image, axis_from_end: int, scope: str, name=None) -> Tensor:
    with get_default_graph().name_scope(name or scope):
        image = convert_to_tensor(image, name="image")
        rank = image.shape.rank
        if rank not in (3, 4):
            raise ValueError(f"'image' (shape {image.shape}) must have either 3 or 4 "
                             "dimensions.")
        return _array.reverse(image, [rank - axis_from_end])


def flip_left_right(image) -> Tensor:
    """`tf.image.flip_left_right`: reverses the width axis of HWC or NHWC images."""
    return _flip(image, 2, "flip_left_right")


def flip_up_down(image) -> Tensor:
    """`tf.image.flip_up_down`: reverses the height axis of HWC or NHWC images."""
    return _flip(image, 3, "flip_up_down")


def rot90(image, k=1, name=None) -> Tensor:
    """`tf.image.rot90`: rotates HWC or NHWC images counter-clockwise by k * 90 degrees; `k`
    must be known at build time (a Python int or a constant)."""
    with get_default_graph().name_scope(name or "rot90"):
        image = convert_to_tensor(image, name="image")
        k_value = k if isinstance(k, (int, np.integer)) else constant_value(convert_to_tensor(k))
        if k_value is None:
            raise ValueError("graphjit's rot90 needs k known at build time (TF selects the "
                             "rotation at run time with a case)")
        k_value = int(k_value) % 4
        rank = image.shape.rank
        if rank not in (3, 4):
            raise ValueError(f"'image' (shape {image.shape}) must have either 3 or 4 "
                             "dimensions.")
        h, w = rank - 3, rank - 2
        swap = list(range(rank))
        swap[h], swap[w] = w, h
        if k_value == 1:
            return _array.transpose(_array.reverse(image, [w]), swap)
        if k_value == 2:
            return _array.reverse(image, [h, w])
        if k_value == 3:
            return _array.reverse(_array.transpose(image, swap), [w])
        return identity(image)


def per_image_standardization(image) -> Tensor:
    """`tf.image.per_image_standardization`: each image (the last three axes) scaled to
    mean 0 and variance 1, as float32; the deviation is floored at 1/sqrt(pixels)."""
    with get_default_graph().name_scope("per_image_standardization"):
        image = convert_to_tensor(image, name="image")
        if image.shape.rank is not None and image.shape.rank < 3:
            raise ValueError(f"'image' (shape {image.shape}) must be at least three-"
                             "dimensional.")
        image = _math.cast(image, dtypes.float32)
        num_pixels = _reduce.reduce_prod(_array.shape(image)[-3:])
        mean = _reduce.reduce_mean(image, axis=[-1, -2, -3], keepdims=True)
        stddev = reduce_std(image, axis=[-1, -2, -3], keepdims=True)
        min_stddev = _math.rsqrt(_math.cast(num_pixels, dtypes.float32))
        return _math.divide(image - mean, _math.maximum(stddev, min_stddev))


def convert_image_dtype(image, dtype, saturate=False, name=None) -> Tensor:
    """`tf.image.convert_image_dtype`: floats hold [0, 1], integers [0, MAX]: float <-> float
    casts, int -> float scales by 1/MAX, float -> int by MAX + 0.5 (clipped first with
    `saturate`), int <-> int by the ratio of the ranges."""
    image = convert_to_tensor(image, name="image")
    dtype = dtypes.as_dtype(dtype)
    for what, dt in (("dtype", dtype), ("image dtype", image.dtype)):
        if not (dt.is_floating or dt.is_integer):
            raise AttributeError(f"{what} must be either floating point or integer")
    if dtype == image.dtype:
        return identity(image, name=name)
    with get_default_graph().name_scope(name or "convert_image"):
        if image.dtype.is_integer and dtype.is_integer:
            scale_in, scale_out = _int_max(image.dtype), _int_max(dtype)
            if scale_in > scale_out:
                scaled = _math.floordiv(image, (scale_in + 1) // (scale_out + 1))
                return saturate_cast(scaled, dtype) if saturate else _math.cast(scaled, dtype)
            return _math.cast(image, dtype) * ((scale_out + 1) // (scale_in + 1))
        if image.dtype.is_floating and dtype.is_floating:
            return _math.cast(image, dtype)
        if image.dtype.is_integer:
            return _math.cast(image, dtype) * (1.0 / _int_max(image.dtype))
        scaled = image * (_int_max(dtype) + 0.5)
        return saturate_cast(scaled, dtype) if saturate else _math.cast(scaled, dtype)


def _int_max(dtype) -> int:
    return int(np.iinfo(dtype.np).max)


def central_crop(image, central_fraction) -> Tensor:
    """`tf.image.central_crop`: the central `central_fraction` of each HWC/NHWC image; the
    fraction and the image's height and width must be known at build time."""
    with get_default_graph().name_scope("central_crop"):
        image = convert_to_tensor(image, name="image")
        fraction = central_fraction if isinstance(central_fraction, (int, float)) else \
            constant_value(convert_to_tensor(central_fraction))
        if fraction is None:
            raise ValueError("graphjit's central_crop needs central_fraction known at build "
                             "time")
        fraction = float(fraction)
        if fraction <= 0.0 or fraction > 1.0:
            raise ValueError("central_fraction must be within (0, 1]")
        if fraction == 1.0:
            return image
        rank = image.shape.rank
        if rank not in (3, 4):
            raise ValueError(f"`image` should either be a Tensor with rank = 3 or rank = 4. "
                             f"Had rank = {rank}.")
        h, w = image.shape.as_list()[rank - 3:rank - 1]
        if h is None or w is None:
            raise ValueError("graphjit's central_crop needs the image's height and width "
                             f"known at build time, got shape {image.shape}")
        top = int((float(h) - float(h) * fraction) / 2)
        left = int((float(w) - float(w) * fraction) / 2)
        begin = [top, left, 0] if rank == 3 else [0, top, left, 0]
        size = [h - 2 * top, w - 2 * left, -1] if rank == 3 else \
            [-1, h - 2 * top, w - 2 * left, -1]
        return _array.slice(image, begin, size)


def random_crop(value, size, seed=None, name=None) -> Tensor:
    """`tf.random_crop` / `tf.image.random_crop`: a `size` slice of `value` at a uniform
    random offset (checked at run time: value's shape must be >= size everywhere)."""
    from .graphlib.graph import control_dependencies
    from .graphlib.ops.extra import Assert
    from .graphlib.ops.random import random_uniform

    with get_default_graph().name_scope(name or "random_crop"):
        value = convert_to_tensor(value, name="value")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        shape = _array.shape(value)
        check = Assert(_reduce.reduce_all(_math.greater_equal(shape, size)),
                       ["Need value.shape >= size, got ", shape, size], summarize=1000)
        with control_dependencies([check]):
            shape = identity(shape)
        limit = shape - size + 1
        offset = _math.floormod(
            random_uniform(_array.shape(shape), dtype=dtypes.int32,
                           maxval=np.iinfo(np.int32).max, seed=seed), limit)
        return _array.slice(value, offset, size)


__all__ = ["ResizeMethod", "resize_images", "resize", "resize_bilinear",
           "resize_nearest_neighbor", "flip_left_right", "flip_up_down", "rot90",
           "per_image_standardization", "convert_image_dtype", "central_crop",
           "random_crop"]
