"""graphjit: TF1-style graphs, compiled to Numba kernels. `import graphjit as tf`.

The facade re-exports the public API of graphjit.graphlib (graphs, ops, gradients) and
graphjit.runtime (Session), and holds the `nn`, `train`, `losses`, `errors` namespaces.
"""

from .graphlib import errors
from .graphlib.dtypes import (
    DType,
    as_dtype,
    bool_ as bool,  # noqa: A004
    float32,
    float64,
    int32,
    int64,
    resource,
)
from .graphlib.gradients import gradients
from .graphlib.graph import (
    Graph,
    GraphKeys,
    Operation,
    Tensor,
    control_dependencies,
    get_default_graph,
    name_scope,
    reset_default_graph,
)
from .graphlib.ops.array import *  # noqa: F403
from .graphlib.ops.core import *  # noqa: F403
from .graphlib.ops.core import tuple_ as tuple  # noqa: A004
from .graphlib.ops.linalg import *  # noqa: F403
from .graphlib.ops.math import *  # noqa: F403
from .graphlib.ops.random import *  # noqa: F403
from .graphlib.ops.reduce import *  # noqa: F403
from .graphlib.ops.state import *  # noqa: F403
from .graphlib.shapes import TensorShape
from .runtime import InteractiveSession, Session
from . import losses, nn, train  # noqa: E402

float = float32  # noqa: A001
double = float64
OpError = errors.OpError

__version__ = "0.1.0"


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def get_default_session():
    from .graphlib.graph import _default_session_stack
    stack = _default_session_stack()
    return stack[-1] if stack else None


def disable_eager_execution():
    """Accepted for source compatibility: graphjit is always in graph mode."""


def disable_v2_behavior():
    """Accepted for source compatibility: graphjit is always in graph mode."""


def executing_eagerly() -> bool:
    return False
