"""graphjit.runtime: Session, executors (interpreted, compiled), plan cache, variables.

May import: graphjit.graphlib and graphjit.compiler.
"""

from .session import InteractiveSession, Session

__all__ = ["Session", "InteractiveSession"]
