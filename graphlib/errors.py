"""Run-time error classes, as `tf.errors`: each names the op and where the user created it.

May import: nothing from graphjit.
"""

from __future__ import annotations


class OpError(Exception):
    """An error raised while running an op; `op` is the failing Operation (or None)."""

    error_code = 2

    def __init__(self, node_def, op, message: str, *args):
        self.node_def = node_def
        self.op = op
        self.message = message
        super().__init__(_with_provenance(message, op))

    def __reduce__(self):
        return type(self), (self.node_def, None, self.message)


def _with_provenance(message: str, op) -> str:
    if op is None:
        return message
    where = op.traceback_text() if hasattr(op, "traceback_text") else ""
    text = f"{message}\n\t [[{{{{node {op.name}}}}} = {op.type}]]"
    if where:
        text += f"\n\nOriginal stack trace for {op.name!r} (the op was created at):\n{where}"
    return text


def _subclass(name: str, code: int) -> type:
    cls = type(name, (OpError,), {"error_code": code, "__module__": __name__})
    cls.__doc__ = f"`tf.errors.{name}` (error code {code})."
    return cls


CancelledError = _subclass("CancelledError", 1)
UnknownError = _subclass("UnknownError", 2)
InvalidArgumentError = _subclass("InvalidArgumentError", 3)
DeadlineExceededError = _subclass("DeadlineExceededError", 4)
NotFoundError = _subclass("NotFoundError", 5)
AlreadyExistsError = _subclass("AlreadyExistsError", 6)
PermissionDeniedError = _subclass("PermissionDeniedError", 7)
ResourceExhaustedError = _subclass("ResourceExhaustedError", 8)
FailedPreconditionError = _subclass("FailedPreconditionError", 9)
AbortedError = _subclass("AbortedError", 10)
OutOfRangeError = _subclass("OutOfRangeError", 11)
UnimplementedError = _subclass("UnimplementedError", 12)
InternalError = _subclass("InternalError", 13)
UnavailableError = _subclass("UnavailableError", 14)
DataLossError = _subclass("DataLossError", 15)
