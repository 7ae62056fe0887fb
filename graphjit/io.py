"""`gj.io`: graph files. `read_graph(path)` reads a binary `.pb` or text `.pbtxt`
GraphDef (graphjit's or TensorFlow's) and validates it; `write_graph` writes one (also
re-exported as `gj.train.write_graph`). Both live in graphlib/serialization.py.

May import: graphjit.graphlib.
"""

from .graphlib.serialization import GraphDef, read_graph, write_graph

__all__ = ["GraphDef", "read_graph", "write_graph"]
