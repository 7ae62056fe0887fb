"""graphjit.compiler: program IR, pass pipeline, fusion, memory planning, Numba lowering.

Front half (see docs/compiler.md): `build.build_program` turns a graph and one run
signature into a `program.Program`; `pipeline.optimize` runs the passes in
`pipeline.PASSES`; `lowering.lower` makes it runnable; `explain.compile` does all three
and returns a `Plan` whose text explains it.

May import: graphjit.graphlib only.
"""

from .build import NotSpecializable, build_program
from .explain import Plan, compile, compile_plan_text, compile_program  # noqa: A004
from .pipeline import PASSES, optimize
from .program import Program

__all__ = ["Plan", "Program", "PASSES", "NotSpecializable", "build_program", "compile",
           "compile_plan_text", "compile_program", "optimize"]
