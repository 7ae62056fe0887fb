"""graphjit.compiler: program IR, pass pipeline, fusion, memory planning, Numba lowering.

May import: graphjit.graphlib only.
"""
