"""Op definitions, one module per family; importing this package registers every op.

Each module defines, per op, its builder (the public API function), its OpDef (shape and
dtype rule, NumPy reference, gradient, lowering data) side by side.
"""

from . import (  # noqa: F401
    array, core, debug, linalg, math, nn, random, reduce, state, extra, pyfunc, image,
)
