"""`gj.nn`: neural-network ops (defined in graphlib/ops/nn.py) under TF's names."""


from .graphlib.ops.nn import *  # noqa: F401,F403
