"""The state one `Session.run` sees: variable values (with writes kept aside until the run
succeeds, so a failed run changes nothing) and per-op random generators.

May import: graphjit.graphlib.
"""

from __future__ import annotations

import threading

import numpy as np

from ..graphlib import errors


class VariableStore:
    """The committed values of a session's variables, keyed by variable name."""

    def __init__(self):
        self.values: dict[str, np.ndarray] = {}
        self.lock = threading.Lock()
        self.rngs: dict[str, np.random.Generator] = {}


class RunContext:
    """Reads through to the store; writes go to `pending` and are committed on success."""

    __slots__ = ("store", "pending", "committed", "exposed")

    def __init__(self, store: VariableStore):
        self.store = store
        self.pending: dict[str, np.ndarray] = {}
        self.committed = store.values
        self.exposed: set[int] = set()  # ids of stored arrays handed out: fetches copy them

    def variable_handle(self, name: str) -> str:
        return name

    def read_variable(self, name: str) -> np.ndarray:
        value = self.pending.get(name)
        if value is None:
            value = self.committed.get(name)
        if value is None:
            raise errors.FailedPreconditionError(
                None, None, f"Could not find variable {name}. This could mean that the "
                "variable has been deleted or was never initialized (Error while reading "
                f"resource variable {name}): run its initializer (e.g. "
                "global_variables_initializer()) first.")
        self.exposed.add(id(value))
        return value

    def assign_variable(self, name: str, value: np.ndarray, update=None) -> np.ndarray:
        if update is not None:
            current = self.read_variable(name)
            if current.shape != np.shape(value) and np.broadcast_shapes(
                    current.shape, np.shape(value)) != current.shape:
                raise errors.InvalidArgumentError(
                    None, None, f"Cannot update variable {name} of shape {current.shape} "
                    f"with a value of shape {np.shape(value)}")
            new = update(current, value).astype(current.dtype, copy=False)
        else:
            new = np.array(value, copy=True)
            current = self.pending.get(name, self.committed.get(name))
            if current is not None and current.shape != new.shape:
                raise errors.InvalidArgumentError(
                    None, None, f"Trying to assign a value of shape {new.shape} to variable "
                    f"{name} of shape {current.shape}")
        self.pending[name] = new
        self.exposed.add(id(new))
        return new

    def current(self, name: str) -> np.ndarray | None:
        """The variable's value as this run sees it (None if uninitialized), for kernels
        that update it; unlike read_variable it neither raises nor hands the array out."""
        value = self.pending.get(name)
        return self.committed.get(name) if value is None else value

    def stage(self, name: str, value: np.ndarray) -> None:
        """Records `value` (owned by the caller's plan, not copied) as the variable's new
        value, committed with the run; compiled plans use it to update variables without
        an extra copy while a failed run still changes nothing."""
        self.pending[name] = value
        self.exposed.add(id(value))

    def random_generator(self, key: str, seed) -> np.random.Generator:
        rngs = self.store.rngs
        rng = rngs.get(key)
        if rng is None:
            rng = rngs[key] = np.random.default_rng(seed)
        return rng

    def commit(self) -> None:
        if self.pending:
            with self.store.lock:
                self.store.values.update(self.pending)
