"""Small TF1 APIs that training scripts call: `tf.colocate_with`, `tf.container`,
`tf.py_function`, `tf.switch_case`, `tf.hessians`, `tf.make_template`, and
`tf.train.Coordinator` / `tf.train.start_queue_runners`.

graphjit has one device per Session and no resource containers or queue runners, so
`colocate_with` and `container` are accepted contexts that change nothing, and
`start_queue_runners` starts nothing and returns []. `py_function` is `py_func` whose
function receives arrays that also answer `.numpy()`, as TF's eager tensors do.

May import: graphjit.graphlib.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator

import numpy as np

from .graphlib.control_flow import case
from .graphlib.gradients import gradients
from .graphlib.graph import GraphKeys, Tensor, get_default_graph, name_scope
from .graphlib.ops.core import convert_to_tensor
from .graphlib.ops.pyfunc import py_func
from .graphlib.ops.state import Variable
from .graphlib.variable_scope import variable_scope


@contextlib.contextmanager
def colocate_with(op, ignore_existing: bool = False) -> Iterator[None]:
    """`tf.colocate_with`: accepted; a Session places every op on its one device."""
    yield


@contextlib.contextmanager
def container(container_name: str) -> Iterator[None]:
    """`tf.container`: accepted; graphjit's variables live in their Session, not in named
    resource containers."""
    yield


class _EagerArray(np.ndarray):
    """A NumPy array with TF's EagerTensor `.numpy()`, for `py_function`'s arguments."""

    def numpy(self) -> np.ndarray:
        return np.asarray(self)


def py_function(func: Callable, inp, Tout, name=None):
    """`tf.py_function`: `py_func` whose function gets arrays that answer `.numpy()`."""
    def call(*arrays):
        return func(*(a.view(_EagerArray) for a in arrays))
    return py_func(call, inp, Tout, stateful=True, name=name or "EagerPyFunc")


def switch_case(branch_index, branch_fns, default=None, name: str = "switch_case"):
    """`tf.switch_case`: the result of `branch_fns[branch_index]`; an index out of range
    selects `default`, or the branch with the largest index when `default` is None.
    `branch_fns` is a list of callables, of (index, callable) pairs, or a dict."""
    if isinstance(branch_fns, dict):
        pairs = sorted(branch_fns.items())
    elif branch_fns and all(isinstance(b, tuple) for b in branch_fns):
        pairs = sorted(branch_fns)
    else:
        pairs = list(enumerate(branch_fns))
    if not pairs:
        raise ValueError("branch_fns must not be empty")
    for key, fn in pairs:
        if not isinstance(key, int) or not callable(fn):
            raise TypeError(f"switch_case: branch_fns must map ints to callables, got "
                            f"{key!r}: {fn!r}")
    if default is None:
        default = pairs[-1][1]
    index = convert_to_tensor(branch_index)
    if not index.dtype.is_integer or index.shape.ndims not in (None, 0):
        raise TypeError(f"branch_index must be a scalar int32 or int64 tensor, got "
                        f"{index.dtype.name} of shape {index.shape}")
    from .graphlib.ops.math import equal
    return case([(equal(index, key), fn) for key, fn in pairs], default=default,
                exclusive=True, name=name)


def hessians(ys, xs, name: str = "hessians", colocate_gradients_with_ops: bool = False,
             gate_gradients: bool = False, aggregation_method=None) -> list:
    """`tf.hessians`: for each x, the second derivatives of sum(ys), shaped x.shape * 2.

    Built as TF builds it, one `gradients` call per element of the first gradient, but
    unrolled over the elements instead of in a while_loop, so every x needs a fully known
    static shape. A second derivative that does not reach x is zeros (TF fails there)."""
    from .graphlib.ops.array import concat, reshape, shape, stack
    from .graphlib.ops.core import zeros_like
    xs = list(xs) if isinstance(xs, (list, tuple)) else [xs]
    for x in xs:
        if not isinstance(x, (Tensor, Variable)):
            raise TypeError(f"hessians: xs must be Tensors or Variables, got "
                            f"{type(x).__name__}")
        if not x.shape.is_fully_defined():
            raise ValueError(f"hessians needs a fully known shape for {x.name}, got "
                             f"{x.shape}")
    out = []
    with name_scope(name):
        first = gradients(ys, xs, gate_gradients=gate_gradients,
                          aggregation_method=aggregation_method)
        for grad, x in zip(first, xs):
            if grad is None:
                raise ValueError(f"hessians: {x.name} does not reach ys")
            flat = reshape(grad, [-1])
            rows = [gradients(flat[j], x)[0] for j in range(x.shape.num_elements())]
            rows = [zeros_like(x) if r is None else r for r in rows]
            dims = shape(x)
            out.append(reshape(stack(rows), concat([dims, dims], 0)))
    return out


class Template:
    """What `make_template` returns: calls `func` in one variable scope, creating its
    variables on the first call and reusing them on every later one."""

    def __init__(self, name: str, func: Callable, create_scope_now: bool, unique_name,
                 custom_getter, kwargs: dict):
        self._name, self._func, self._kwargs = name, func, kwargs
        self._unique_name, self._custom_getter = unique_name, custom_getter
        self._scope = None
        self._first_call = True
        if create_scope_now:
            with variable_scope(unique_name, default_name=name,
                                custom_getter=custom_getter) as scope:
                self._scope = scope

    @property
    def name(self) -> str:
        return self._name

    @property
    def variable_scope(self):
        return self._scope

    @property
    def variable_scope_name(self) -> str | None:
        return None if self._scope is None else self._scope.name

    def _call(self, args, kwargs):
        graph = get_default_graph()
        before = len(graph.get_collection(GraphKeys.TRAINABLE_VARIABLES))
        result = self._func(*args, **{**self._kwargs, **kwargs})
        if not self._first_call and \
                len(graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)) > before:
            raise ValueError(f"Trainable variable created when calling a template after "
                             f"the first time, perhaps you used tf.Variable when you meant "
                             f"tf.get_variable: {self._name}")
        self._first_call = False
        return result

    def __call__(self, *args, **kwargs):
        if self._scope is not None:
            with variable_scope(self._scope, reuse=not self._first_call):
                return self._call(args, kwargs)
        with variable_scope(self._unique_name, default_name=self._name,
                            custom_getter=self._custom_getter) as scope:
            self._scope = scope
            return self._call(args, kwargs)


def make_template(name_: str, func_: Callable, create_scope_now_: bool = False,
                  unique_name_=None, custom_getter_=None, **kwargs) -> Template:
    """`tf.make_template`: `func_` (with `kwargs` bound) sharing its `get_variable`s
    across calls."""
    if not callable(func_):
        raise TypeError(f"func_ must be callable, got {type(func_).__name__}")
    return Template(name_, func_, create_scope_now_, unique_name_, custom_getter_, kwargs)


class Coordinator:
    """`tf.train.Coordinator`: a stop flag shared by threads, and the first exception
    reported to it, re-raised by `join`."""

    def __init__(self, clean_stop_exception_types=None):
        if clean_stop_exception_types is None:
            from .graphlib.errors import OutOfRangeError
            clean_stop_exception_types = (OutOfRangeError,)
        self._clean_stop_exception_types = tuple(clean_stop_exception_types)
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info = None
        self._registered_threads: set = set()
        self._joined = False

    def request_stop(self, ex=None) -> None:
        """Asks every thread to stop; `ex` (an exception or an exc_info triple) is kept
        for `join` unless it is a clean-stop type (OutOfRangeError by default)."""
        with self._lock:
            if ex is not None and self._exc_info is None:
                if isinstance(ex, tuple):
                    info = ex
                else:
                    info = (type(ex), ex, ex.__traceback__)
                if not issubclass(info[0], self._clean_stop_exception_types):
                    self._exc_info = info
            self._stop_event.set()

    def clear_stop(self) -> None:
        with self._lock:
            self._joined = False
            self._exc_info = None
            self._stop_event.clear()

    def should_stop(self) -> bool:
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self) -> Iterator[None]:
        """A context whose exception requests a stop (and is kept for `join`)."""
        try:
            yield
        except BaseException:
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout: float | None = None) -> bool:
        return self._stop_event.wait(timeout)

    def register_thread(self, thread: threading.Thread) -> None:
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads=None, stop_grace_period_secs: float = 120,
             ignore_live_threads: bool = False) -> None:
        """Waits for the threads (and the registered ones) after a stop is requested,
        then re-raises the exception given to `request_stop`, if any."""
        with self._lock:
            threads = set(threads or ()) | self._registered_threads
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(1.0):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for t in threads:
            t.join(max(deadline - time.monotonic(), 0))
        live = [t.name for t in threads if t.is_alive()]
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            exc_info = self._exc_info
        if exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])
        if live and not ignore_live_threads:
            raise RuntimeError(f"Coordinator stopped with threads still running: "
                               f"{' '.join(live)}")

    @property
    def joined(self) -> bool:
        return self._joined

    def raise_requested_exception(self) -> None:
        with self._lock:
            if self._exc_info is not None:
                raise self._exc_info[1].with_traceback(self._exc_info[2])


def start_queue_runners(sess=None, coord=None, daemon: bool = True, start: bool = True,
                        collection: str = "queue_runners") -> list:
    """`tf.train.start_queue_runners`: graphjit has no queue runners; returns []."""
    return []


__all__ = ["Coordinator", "Template", "colocate_with", "container", "hessians",
           "make_template", "py_function", "start_queue_runners", "switch_case"]
