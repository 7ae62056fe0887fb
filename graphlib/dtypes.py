"""DTypes: the five tensor element types of SPEC section 2, plus the internal `resource`.

May import: numpy only.
"""

from __future__ import annotations

import numpy as np


class DType:
    """A tensor element type; compares equal to its name, its NumPy dtype or itself."""

    __slots__ = ("name", "np", "is_floating", "is_integer", "is_bool", "enum")

    def __init__(self, name: str, np_dtype, enum: int):
        self.name = name
        self.np = np.dtype(np_dtype) if np_dtype is not None else None
        self.is_floating = self.np is not None and self.np.kind == "f"
        self.is_integer = self.np is not None and self.np.kind in "iu"
        self.is_bool = self.np is not None and self.np.kind == "b"
        self.enum = enum

    @property
    def as_numpy_dtype(self):
        return self.np.type

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def is_numeric(self) -> bool:
        return self.is_floating or self.is_integer

    @property
    def min(self):
        return np.finfo(self.np).min if self.is_floating else np.iinfo(self.np).min

    @property
    def max(self):
        return np.finfo(self.np).max if self.is_floating else np.iinfo(self.np).max

    @property
    def short(self) -> str:
        return _SHORT[self.name]

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __eq__(self, other) -> bool:
        if isinstance(other, DType):
            return self is other
        try:
            return as_dtype(other) is self
        except (TypeError, ValueError):
            return False

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self):
        return as_dtype, (self.name,)


# Enum values are TensorFlow's DataType numbers, so GraphDefs stay wire compatible.
float32 = DType("float32", np.float32, 1)
float64 = DType("float64", np.float64, 2)
int32 = DType("int32", np.int32, 3)
int64 = DType("int64", np.int64, 9)
bool_ = DType("bool", np.bool_, 10)
resource = DType("resource", None, 20)

ALL = (float32, float64, int32, int64, bool_)
_SHORT = {"float32": "f32", "float64": "f64", "int32": "i32", "int64": "i64", "bool": "bool",
          "resource": "res"}
_BY_NAME = {d.name: d for d in (*ALL, resource)}
_BY_NAME.update(float="float32", double="float64", int="int32")
_BY_ENUM = {d.enum: d for d in (*ALL, resource)}


def as_dtype(value) -> DType:
    """Converts a DType, a name, a NumPy dtype/type or a TF DataType enum into a DType."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        found = _BY_NAME[value]
        return _BY_NAME[found] if isinstance(found, str) else found
    if isinstance(value, int) and not isinstance(value, bool) and value in _BY_ENUM:
        return _BY_ENUM[value]
    if value is bool:
        return bool_
    if value is float:
        return float32
    if value is int:
        return int32
    name = getattr(value, "name", None)
    if isinstance(name, str) and name in _BY_NAME and hasattr(value, "as_numpy_dtype"):
        return as_dtype(name)  # a TensorFlow DType
    try:
        np_dtype = np.dtype(value)
    except TypeError:
        raise TypeError(f"Cannot convert {value!r} to a graphjit DType") from None
    found = _BY_NAME.get(np_dtype.name)
    if found is None:
        raise TypeError(f"Unsupported dtype {np_dtype.name}: graphjit supports "
                        f"{', '.join(d.name for d in ALL)}")
    return as_dtype(found)
