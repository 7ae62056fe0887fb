"""Finding the op that went wrong: the NaN/Inf hunter and the op-by-op re-run.

- `DebugExecutor` backs `Session(..., debug=True)`: it runs the needed ops one by one with
  their reference kernels (as the interpreted executor does) and checks every
  floating-point value as it is made, the feeds included. The first op whose output holds
  a NaN or an Inf stops the run with `errors.InvalidArgumentError` naming that op, its
  type, the user line that created it, and statistics of each of its inputs (shape, dtype,
  min, max, mean, NaN/Inf counts), so the cause is usually visible in the message.
- `locate_failure` is what the Session calls when a compiled plan fails with an error that
  does not name a user op (`errors.InternalError` or a bare exception): it re-runs the same
  signature op by op on the reference kernels, against a scratch copy of the run state,
  and returns the first failing op's `OpError`.

May import: graphjit.graphlib, runtime.context, runtime.interpreter.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from ..graphlib import errors
from ..graphlib.graph import Operation, Tensor
from .context import RunContext, VariableStore
from .interpreter import InterpretedPlan, run_op


def value_stats(value: np.ndarray) -> str:
    """One line about an array: dtype, shape and, for numbers, min/max/mean and bad counts."""
    array = np.asarray(value)
    head = f"{array.dtype.name}[{','.join(map(str, array.shape))}]"
    if array.size == 0 or array.dtype.kind not in "fiub":
        return head
    if array.dtype.kind != "f":
        return f"{head} min={array.min()} max={array.max()}"
    finite = array[np.isfinite(array)]
    nan = int(np.isnan(array).sum())
    inf = int(np.isinf(array).sum())
    if finite.size:
        numbers = (f"min={finite.min():.6g} max={finite.max():.6g} "
                   f"mean={finite.mean(dtype=np.float64):.6g}")
    else:
        numbers = "no finite values"
    return f"{head} {numbers} nan={nan} inf={inf}"


def _bad_counts(array: np.ndarray) -> tuple[int, int]:
    return int(np.isnan(array).sum()), int(np.isinf(array).sum())


def _describe_bad(nan: int, inf: int, size: int) -> str:
    parts = []
    if nan:
        parts.append(f"{nan} NaN")
    if inf:
        parts.append(f"{inf} Inf")
    return f"{' and '.join(parts)} (of {size} elements)"


class DebugPlan(InterpretedPlan):
    """An interpreted plan that checks every floating-point value for NaN and Inf."""

    def run(self, ctx: RunContext, feed_values: Sequence[np.ndarray]) -> list[np.ndarray]:
        values: dict[Tensor, np.ndarray] = dict(zip(self.fed, feed_values))
        for t, v in values.items():
            self._check_feed(t, v)
        fed = set(self.fed)
        for i, op in enumerate(self.ops):
            if op._outputs and all(t in fed for t in op._outputs):
                continue
            inputs = [values[t] for t in op._inputs]
            outs = run_op(op, inputs, ctx)
            for t, v in zip(op._outputs, outs):
                if t in fed:
                    continue
                self._check_output(op, t, v, inputs)
                values[t] = v
            for t in self.release[i]:
                if t not in fed:
                    values.pop(t, None)
        return [values[t] for t in self.fetches]

    @staticmethod
    def _check_feed(t: Tensor, value: np.ndarray) -> None:
        if value.dtype.kind != "f":
            return
        nan, inf = _bad_counts(value)
        if nan or inf:
            raise errors.InvalidArgumentError(
                None, t.op, f"debug: the value fed to {t.name} holds "
                f"{_describe_bad(nan, inf, value.size)}: {value_stats(value)}")

    @staticmethod
    def _check_output(op: Operation, t: Tensor, value, inputs: Sequence) -> None:
        if not isinstance(value, np.ndarray) or value.dtype.kind != "f":
            return
        nan, inf = _bad_counts(value)
        if not (nan or inf):
            return
        lines = [f"debug: {op.type} op '{op.name}' (created at {op.user_location()}) "
                 f"produced {_describe_bad(nan, inf, value.size)} in {t.name} "
                 f"{value_stats(value)}"]
        if op._inputs:
            lines.append("  inputs:")
            lines.extend(f"    {src.name} ({src.op.type}): {value_stats(v)}"
                         for src, v in zip(op._inputs, inputs))
        else:
            lines.append("  (the op has no inputs)")
        raise errors.InvalidArgumentError(None, op, "\n".join(lines))


class DebugExecutor:
    """Builds DebugPlans; see the module docstring."""

    name = "debug"

    def prepare(self, fetches, targets, fed, feed_values) -> DebugPlan:
        return DebugPlan(fetches, targets, fed)


def locate_failure(fetches: Sequence[Tensor], targets: Sequence[Operation],
                   fed: Sequence[Tensor], feed_values: Sequence[np.ndarray],
                   store: VariableStore, cause: BaseException) -> errors.OpError:
    """Re-runs a failed signature op by op and returns the error of the first failing op.

    The re-run reads the session's variables but writes nothing back, and the random
    generators are restored afterwards, so the session is left as the failed run left it.
    """
    saved_rngs = copy.deepcopy(store.rngs)
    note = (f"(the compiled plan failed with {type(cause).__name__}: {cause}; re-running op "
            "by op with the reference kernels found this op)")
    try:
        InterpretedPlan(fetches, targets, fed).run(RunContext(store), feed_values)
    except errors.OpError as e:
        return type(e)(e.node_def, e.op, f"{e.message}\n{note}")
    finally:
        store.rngs.clear()
        store.rngs.update(saved_rngs)
    return errors.InternalError(
        None, getattr(cause, "op", None),
        f"the compiled plan failed with {type(cause).__name__}: {cause}, but every op "
        "succeeded when re-run with the reference kernels: this is a graphjit compiler bug "
        "(Session(executor='interpreted') runs the graph meanwhile)")


__all__ = ["DebugExecutor", "DebugPlan", "locate_failure", "value_stats"]
