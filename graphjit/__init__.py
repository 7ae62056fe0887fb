"""graphjit: TF1-style graphs, compiled to Numba kernels. `import graphjit as tf`.

The facade re-exports the public API of graphjit.graphlib (graphs, ops, gradients,
serialization) and graphjit.runtime (Session), and holds TF's sub-namespaces (`nn`, `train`,
`losses`, `math`, `errors`, `io`, ...).
"""

import types as _types

from .graphlib import errors
from .graphlib.dtypes import DType, as_dtype, bool_ as bool, float32, float64, int32, int64
from .graphlib.dtypes import resource
from .graphlib.gradients import explain_no_gradient, gradients
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
from .graphlib.ops.array import *
from .graphlib.ops.core import *
from .graphlib.ops.core import tuple_ as tuple
from .graphlib.ops.debug import Print, check_numerics, print
from .graphlib.ops.linalg import *
from .graphlib.ops.math import *
from .graphlib.ops.random import *
from .graphlib.ops.reduce import *
from .graphlib.ops.state import *
from .graphlib.serialization import import_graph_def
from .graphlib.shapes import TensorShape
from .graphlib.variable_scope import (
    AUTO_REUSE,
    VariableScope,
    get_variable,
    get_variable_scope,
    no_regularizer,
    variable_scope,
)
from .runtime import InteractiveSession, Session
from .compiler import compile
from . import bitwise, debugging, graph_util, io, losses, math, nn, summary, train, viz
from .debugging import add_check_numerics_ops, verify_tensor_all_finite
from . import initializers, layers
from .graphlib.control_flow import case, cond, foldl, foldr, map_fn, scan, while_loop
from .graphlib.tensor_array import TensorArray
from .graphlib.ops.extra import *
from . import linalg, random
from .initializers import (
    constant_initializer,
    glorot_normal_initializer,
    glorot_uniform_initializer,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    truncated_normal_initializer,
    variance_scaling_initializer,
    zeros_initializer,
)

float = float32
double = float64
OpError = errors.OpError

__version__ = "0.1.0"


def get_collection(key, scope=None):
    """`tf.get_collection` on the default graph."""
    return get_default_graph().get_collection(key, scope)


def moving_average_variables():
    """`tf.moving_average_variables`."""
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


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


def device(name):
    """`tf.device`: accepted; placement is chosen by `Session(device=...)`."""
    return get_default_graph().device(name)


from . import metrics
from .metrics import get_local_variable
from .debugging import (
    Assert,
    assert_equal,
    assert_greater,
    assert_greater_equal,
    assert_less,
    assert_less_equal,
    assert_negative,
    assert_non_negative,
    assert_non_positive,
    assert_none_equal,
    assert_positive,
    assert_rank,
    assert_type,
)

from . import app, rnn
from . import tf_logging as logging
from .app import flags
from .config import (
    ConfigProto,
    GPUOptions,
    GraphOptions,
    OptimizerOptions,
    RunMetadata,
    RunOptions,
)
from .graphlib.ops.pyfunc import numpy_function, py_func
from . import image
from .image import random_crop
from .initializers import orthogonal_initializer, uniform_unit_scaling_initializer
from .random import multinomial

from .misc import (
    colocate_with,
    container,
    hessians,
    make_template,
    py_function,
    switch_case,
)

# `tf.compat.v1.X` spells the same API as `tf.X` here.
compat = _types.SimpleNamespace(v1=_types.ModuleType("graphjit.compat.v1"))
compat.v1.__dict__.update({k: v for k, v in globals().items() if not k.startswith("_")})
