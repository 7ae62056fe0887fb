"""`Session`: feeds, fetches and variables around an executor's cached plans.

`run` flattens any nesting of fetches, checks and converts feeds, finds (or builds) the
plan for this (fetches, targets, feeds, shapes, dtypes) signature, runs it against a
RunContext, commits variable writes only when the whole run succeeded, and rebuilds the
fetch structure with NumPy values.

May import: graphjit.graphlib, graphjit.compiler, runtime.*.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from ..graphlib import errors
from ..graphlib.graph import (
    Graph,
    Operation,
    Tensor,
    _default_graph_stack,
    _default_session_stack,
    get_default_graph,
)
from .context import RunContext, VariableStore
from .interpreter import InterpretedExecutor

_PLAN_CACHE_SIZE = 256


def _make_executor(executor: str, device: str):
    if executor == "interpreted":
        return InterpretedExecutor()
    if executor == "compiled":
        from .compiled import CompiledExecutor
        return CompiledExecutor(device=device)
    raise ValueError(f"Unknown executor {executor!r}: use 'compiled' or 'interpreted'")


class _FetchMapper:
    """Flattens a nested fetch structure into leaves and rebuilds it from their values.

    `tensors` and `targets` are the distinct fetched tensors and ops (what a plan runs);
    `positions[i]` is the index in `tensors` of leaf i, or None for an op leaf.
    """

    def __init__(self, graph: Graph, fetches):
        self.leaves: list = []
        self.template = self._flatten(graph, fetches)
        self.tensors: list[Tensor] = []
        self.targets: list[Operation] = []
        index: dict = {}
        self.positions: list = []
        for leaf in self.leaves:
            if isinstance(leaf, Operation):
                if leaf not in self.targets:
                    self.targets.append(leaf)
                self.positions.append(None)
            else:
                if leaf not in index:
                    index[leaf] = len(self.tensors)
                    self.tensors.append(leaf)
                self.positions.append(index[leaf])
        self.plan_key = (*self.tensors, None, *self.targets)

    def _flatten(self, graph, fetch):
        if isinstance(fetch, (list, tuple)) and not hasattr(fetch, "_fields"):
            return (type(fetch), [self._flatten(graph, f) for f in fetch])
        if isinstance(fetch, tuple) and hasattr(fetch, "_fields"):
            return ("namedtuple", type(fetch), [self._flatten(graph, f) for f in fetch])
        if isinstance(fetch, Mapping):
            return ("dict", type(fetch), [(k, self._flatten(graph, v))
                                          for k, v in fetch.items()])
        self.leaves.append(_as_fetch(graph, fetch))
        return len(self.leaves) - 1

    def rebuild(self, values: list):
        if self.template == 0:  # a single fetch
            return values[0]
        return self._rebuild(self.template, values)

    def _rebuild(self, node, values):
        if isinstance(node, int):
            return values[node]
        if node[0] == "namedtuple":
            return node[1](*[self._rebuild(n, values) for n in node[2]])
        if node[0] == "dict":
            items = [(k, self._rebuild(n, values)) for k, n in node[2]]
            try:
                return node[1](items)
            except TypeError:
                return dict(items)
        kind, children = node
        rebuilt = [self._rebuild(n, values) for n in children]
        return rebuilt if kind is list else kind(rebuilt)


def _as_fetch(graph: Graph, fetch):
    if fetch is None:
        raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a "
                        "string or Tensor. (Can not convert a NoneType into a Tensor or "
                        "Operation.)")
    if isinstance(fetch, str):
        try:
            return graph.as_graph_element(fetch)
        except KeyError as e:
            raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. "
                             f"({e.args[0]})") from None
    if isinstance(fetch, (Tensor, Operation)):
        if fetch.graph is not graph:
            raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. "
                             f"(Tensor {fetch!r} is not an element of this graph.)")
        return fetch
    element = getattr(fetch, "_as_graph_element", None)
    if element is not None:
        return _as_fetch(graph, element())
    raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a "
                    "string or Tensor.")


def _as_feed_key(graph: Graph, key) -> Tensor:
    if isinstance(key, str):
        try:
            element = graph.as_graph_element(key)
        except (KeyError, ValueError) as e:
            raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e}") from None
        if isinstance(element, Operation):
            if len(element.outputs) != 1:
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: the name {key!r} "
                                "refers to an Operation, not a Tensor. Tensor names must be "
                                "of the form \"<op_name>:<output_index>\".")
            element = element.outputs[0]
        return element
    if isinstance(key, Tensor):
        if key.graph is not graph:
            raise ValueError(f"Cannot feed {key!r}: the tensor is not an element of this "
                             "graph.")
        return key
    element = getattr(key, "_as_graph_element", None)
    if element is not None:
        return _as_feed_key(graph, element())
    raise TypeError(f"Cannot interpret feed_dict key {key!r} as a Tensor.")


def _convert_feed(tensor: Tensor, value) -> np.ndarray:
    dtype = tensor.dtype.np
    if type(value) is np.ndarray and value.dtype == dtype:  # the common case: no copy
        array = value
    else:
        array = _as_feed_array(tensor, value, dtype)
    dims = tensor.shape.as_tuple()
    if dims is not None and array.shape != dims and (len(dims) != array.ndim or any(
            d is not None and d != n for d, n in zip(dims, array.shape))):
        raise ValueError(f"Cannot feed value of shape {array.shape!r} for Tensor "
                         f"{tensor.name!r}, which has shape {tensor.shape!s}")
    return array


def _as_feed_array(tensor: Tensor, value, dtype) -> np.ndarray:
    if isinstance(value, (Tensor, Operation)):
        raise TypeError(f"The value of a feed cannot be a tf.Tensor object ({value!r}). "
                        "Acceptable feed values include Python scalars, strings, lists, "
                        "numpy ndarrays, or TensorHandles.")
    try:
        return np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise TypeError(f"Cannot feed value {value!r} to tensor {tensor.name} of dtype "
                        f"{tensor.dtype.name}: {e}") from None


def _is_one_of(value, arrays) -> bool:
    for array in arrays:
        if value is array:
            return True
    return False


class Session:
    """`tf.Session`: runs fetches of one graph; owns the variable values.

    `executor` is "compiled" (the optimized, compiled plan; the default) or
    "interpreted" (op by op with the NumPy reference kernels); `device` is "cpu" or "cuda".
    """

    def __init__(self, target: str = "", graph: Graph | None = None, config=None,
                 executor: str = "compiled", device: str = "cpu", debug: bool = False):
        self._graph = graph if graph is not None else get_default_graph()
        if debug:  # NaN/Inf hunting runs op by op on the reference kernels (runtime/debug.py)
            from .debug import DebugExecutor
            self._executor = DebugExecutor()
        else:
            self._executor = _make_executor(executor, device)
        self._store = VariableStore()
        self._plans: OrderedDict = OrderedDict()
        self._mappers: dict = {}
        self._feed_specs: dict = {}
        self._plan_lock = threading.Lock()
        self._closed = False
        self._context_stack: list = []
        self.debug = debug

    graph = property(lambda self: self._graph)
    executor = property(lambda self: self._executor.name)

    @property
    def graph_def(self):
        return self._graph.as_graph_def()

    # -- running ------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs the ops needed for `fetches` and returns their values in the same nesting."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        mapper = self._mapper_for(fetches)
        fed, feed_values = self._convert_feeds(feed_dict)
        plan = self._plan_for(mapper, fed, feed_values)
        ctx = RunContext(self._store)
        try:
            values = plan.run(ctx, feed_values)
        except Exception as e:
            if self._executor.name != "compiled" or (isinstance(e, errors.OpError) and
                                                     not isinstance(e, errors.InternalError)):
                raise
            from .debug import locate_failure  # names the user op a compiled kernel hid
            raise locate_failure(mapper.tensors, mapper.targets, fed, feed_values,
                                 self._store, e) from e
        ctx.commit()
        exposed = ctx.exposed
        out = []
        for position in mapper.positions:
            if position is None:
                out.append(None)
                continue
            value = values[position]
            # never hand out an array that a variable or a feed still holds
            if id(value) in exposed or _is_one_of(value, feed_values):
                value = value.copy()
            out.append(value[()] if value.ndim == 0 else value)
        return mapper.rebuild(out)

    def _mapper_for(self, fetches) -> _FetchMapper:
        """The fetch mapper, cached for fetches that are one graph element or a flat
        list/tuple of them (the common, cheap-to-key cases)."""
        if isinstance(fetches, (Tensor, Operation, str)):
            key = fetches
        elif type(fetches) in (list, tuple) and all(
                isinstance(f, (Tensor, Operation)) for f in fetches):
            key = (type(fetches), *fetches)
        else:
            return _FetchMapper(self._graph, fetches)
        mapper = self._mappers.get(key)
        if mapper is None:
            mapper = _FetchMapper(self._graph, fetches)
            with self._plan_lock:
                if len(self._mappers) >= _PLAN_CACHE_SIZE:
                    self._mappers.clear()
                self._mappers[key] = mapper
        return mapper

    def _convert_feeds(self, feed_dict) -> tuple[list[Tensor], list[np.ndarray]]:
        """(fed tensors, their values as arrays of the tensors' dtypes), checked."""
        if not feed_dict:
            return [], []
        keys = tuple(feed_dict)
        specs = self._feed_specs.get(keys)
        if specs is None:
            specs = self._feed_specs_for(keys)
            if specs is None:  # two keys naming one tensor: the last value wins
                feeds = {_as_feed_key(self._graph, k): v for k, v in feed_dict.items()}
                return list(feeds), [_convert_feed(t, v) for t, v in feeds.items()]
        tensors, checks = specs
        # An ndarray of the tensor's dtype and exact static shape is used as is.
        values = [value if type(value) is np.ndarray and value.dtype == dtype and
                  value.shape == dims else _convert_feed(tensor, value)
                  for (tensor, dtype, dims), value in zip(checks, feed_dict.values())]
        return tensors, values

    def _feed_specs_for(self, keys: tuple):
        """(tensors, (tensor, dtype, static shape) per key) for a feed_dict's keys,
        cached; None when two keys name the same tensor."""
        tensors = [_as_feed_key(self._graph, key) for key in keys]
        if len(set(tensors)) != len(tensors):
            return None
        specs = (tensors, [(t, t.dtype.np, t.shape.as_tuple()) for t in tensors])
        with self._plan_lock:
            if len(self._feed_specs) >= _PLAN_CACHE_SIZE:
                self._feed_specs.clear()
            self._feed_specs[keys] = specs
        return specs

    def _plan_for(self, mapper: _FetchMapper, fed, feed_values):
        # Feeds are arrays of their tensors' dtypes, so (tensor, shape) pins the dtype.
        key = (mapper.plan_key, *fed, *[v.shape for v in feed_values])
        with self._plan_lock:
            plan = self._plans.get(key)
            if plan is not None:
                self._plans.move_to_end(key)
                return plan
        plan = self._executor.prepare(mapper.tensors, mapper.targets, fed, feed_values)
        with self._plan_lock:
            self._plans[key] = plan
            while len(self._plans) > _PLAN_CACHE_SIZE:
                self._plans.popitem(last=False)
        return plan

    @property
    def plan_cache_size(self) -> int:
        return len(self._plans)

    def load_variable(self, variable, value) -> None:
        array = np.array(value, dtype=variable.dtype.np, copy=True)
        if not variable.shape.is_compatible_with(array.shape):
            raise ValueError(f"Cannot load a value of shape {array.shape} into variable "
                             f"{variable.name} of shape {variable.shape}")
        with self._store.lock:
            self._store.values[variable.op.attrs["shared_name"]] = array

    def explain(self, fetches, feed_dict=None) -> str:
        """The optimized plan for these fetches and feeds, as readable text."""
        from ..compiler import compile_plan_text
        mapper = _FetchMapper(self._graph, fetches)
        fed, feed_values = self._convert_feeds(feed_dict)
        return compile_plan_text(mapper.leaves, dict(zip(fed, feed_values)),
                                 device=getattr(self._executor, "device", "cpu"))

    # -- lifetime -----------------------------------------------------------------------
    def close(self) -> None:
        self._closed = True
        self._plans.clear()
        self._mappers.clear()
        self._feed_specs.clear()

    def __enter__(self):
        graph_ctx = self._graph.as_default()
        graph_ctx.__enter__()
        _default_session_stack().append(self)
        self._context_stack.append(graph_ctx)
        return self

    def __exit__(self, exc_type, exc, tb):
        stack = _default_session_stack()
        if stack and stack[-1] is self:
            stack.pop()
        graph_ctx = self._context_stack.pop()
        graph_ctx.__exit__(exc_type, exc, tb)
        self.close()

    def as_default(self):
        session = self

        class _Default:
            def __enter__(self_inner):
                _default_session_stack().append(session)
                return session

            def __exit__(self_inner, *exc):
                _default_session_stack().pop()

        return _Default()

    def __del__(self):
        self._closed = True


class InteractiveSession(Session):
    """`tf.InteractiveSession`: a Session that installs itself as the default on creation."""

    def __init__(self, target: str = "", graph: Graph | None = None, config=None, **kwargs):
        super().__init__(target, graph, config, **kwargs)
        _default_session_stack().append(self)
        self._pushed_graph = not _default_graph_stack() or \
            _default_graph_stack()[-1] is not self._graph
        if self._pushed_graph:
            _default_graph_stack().append(self._graph)

    def close(self) -> None:
        stack = _default_session_stack()
        if self in stack:
            stack.remove(self)
        if self._pushed_graph:
            graph_stack = _default_graph_stack()
            if self._graph in graph_stack:
                graph_stack.reverse()
                graph_stack.remove(self._graph)
                graph_stack.reverse()
            self._pushed_graph = False
        super().close()


__all__ = ["Session", "InteractiveSession", "errors"]
