"""`gj.random`: TF1's `tf.random` namespace (the same builders as `tf.random_normal`, ...):
normal, uniform, truncated_normal, shuffle, set_random_seed, get_seed.

May import: graphjit.graphlib.
"""

from .graphlib.ops.random import get_seed, set_random_seed, truncated_normal
from .graphlib.ops.random import random_normal as normal
from .graphlib.ops.random import random_shuffle as shuffle
from .graphlib.ops.random import random_uniform as uniform

__all__ = ["normal", "uniform", "truncated_normal", "shuffle", "set_random_seed", "get_seed"]
