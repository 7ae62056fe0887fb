"""`tf.logging` (exported as `graphjit.logging`): TF1's logging functions over Python's
`logging`, on a logger named "graphjit" (TF's is named "tensorflow").

The levels are Python's (DEBUG=10, INFO=20, WARN=30, ERROR=40, FATAL=50), as in TF;
`get_verbosity()` is the logger's effective level (WARN until `set_verbosity` is called,
inherited from the root logger as TF's is). `fatal` logs at FATAL and, like TF's, does not
exit. `vlog` logs at `level` (TF's verbose levels are plain logging levels too).

May import: the standard library only.
"""

from __future__ import annotations

import logging as _logging
import sys

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_logger = _logging.getLogger("graphjit")
_log_counts: dict = {}


def get_logger() -> _logging.Logger:
    """The "graphjit" logger that these functions write to."""
    return _logger


def set_verbosity(v: int) -> None:
    """Logs only messages at level `v` or above from now on."""
    _logger.setLevel(v)


def get_verbosity() -> int:
    return _logger.getEffectiveLevel()


def log(level: int, msg, *args, **kwargs) -> None:
    _logger.log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs) -> None:
    _logger.debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs) -> None:
    _logger.info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs) -> None:
    _logger.warning(msg, *args, **kwargs)


warn = warning


def error(msg, *args, **kwargs) -> None:
    _logger.error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs) -> None:
    _logger.fatal(msg, *args, **kwargs)


def vlog(level: int, msg, *args, **kwargs) -> None:
    _logger.log(level, msg, *args, **kwargs)


def log_if(level: int, msg, condition, *args) -> None:
    """Logs `msg` at `level` when `condition` holds."""
    if condition:
        _logger.log(level, msg, *args)


def _caller_key() -> tuple:
    # The call site of log_every_n / log_first_n: the frame two up (past this module).
    frame = sys._getframe(2)
    return frame.f_code.co_filename, frame.f_lineno


def log_every_n(level: int, msg, n: int, *args) -> None:
    """Logs `msg` on the 1st, (n+1)th, (2n+1)th, ... call from the same line."""
    key = _caller_key()
    count = _log_counts.get(key, 0)
    _log_counts[key] = count + 1
    log_if(level, msg, count % n == 0, *args)


def log_first_n(level: int, msg, n: int, *args) -> None:
    """Logs `msg` on the first `n` calls from the same line only."""
    key = _caller_key()
    count = _log_counts.get(key, 0)
    _log_counts[key] = count + 1
    log_if(level, msg, count < n, *args)


def flush() -> None:
    for handler in _logger.handlers + _logging.getLogger().handlers:
        handler.flush()


def TaskLevelStatusMessage(msg) -> None:  # noqa: N802 - TF's name
    error(msg)
