"""TF1's variable sharing: `variable_scope`, `get_variable`, `get_variable_scope`,
`VariableScope` and `AUTO_REUSE`, after tensorflow/python/ops/variable_scope.py.

Each graph keeps, in collections as TF does, one variable store (full name -> Variable,
for every variable made by `get_variable`) and one scope store (the current
VariableScope and how often each scope name was opened, which makes default names
unique: "dense", "dense_1", ...). A variable's name depends only on the variable scope,
never on the name scope: `get_variable` creates it at the root name scope, so
`variable_scope("a")` re-entered twice gives ops under "a" and "a_1" but variables
"a/w" in both. Errors (a variable that already exists without reuse, a missing one with
reuse=True, a shape or dtype that does not match the shared one) are TF's ValueErrors with
TF's wording.

The default initializer is TF's: glorot_uniform for floating dtypes, zeros for integer and
boolean ones. It is written here with the random and array builders (graphjit/initializers.py
holds the public initializer classes and reuses `compute_fans`), so graphlib does not import
the facade. Partitioned variables are not supported (a partitioner raises ValueError).

May import: graphlib core modules (dtypes, graph, shapes) and graphlib.ops.
"""

from __future__ import annotations

import contextlib
import enum
import inspect
import math
from collections.abc import Callable, Sequence

from . import dtypes
from .graph import GraphKeys, Tensor, get_default_graph
from .ops.core import convert_to_tensor
from .ops.state import Variable
from .shapes import as_shape


class _ReuseMode(enum.Enum):
    """The mode of `reuse=tf.AUTO_REUSE`: get the variable if it exists, else create it."""

    AUTO_REUSE = 1


AUTO_REUSE = _ReuseMode.AUTO_REUSE

_VARSTORE_KEY = ("__variable_store",)
_VARSCOPESTORE_KEY = ("__varscope",)


# -- the default initializer ---------------------------------------------------------------

def compute_fans(shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape, as TF's init_ops._compute_fans: a conv kernel
    [kh, kw, in, out] has fan_in = kh*kw*in and fan_out = kh*kw*out."""
    shape = list(shape)
    if len(shape) < 1:
        fan_in = fan_out = 1
    elif len(shape) == 1:
        fan_in = fan_out = shape[0]
    elif len(shape) == 2:
        fan_in, fan_out = shape
    else:
        receptive_field = 1
        for dim in shape[:-2]:
            receptive_field *= dim
        fan_in = shape[-2] * receptive_field
        fan_out = shape[-1] * receptive_field
    return int(fan_in), int(fan_out)


def _glorot_uniform(shape, dtype=dtypes.float32, partition_info=None) -> Tensor:
    from .ops.random import random_uniform

    fan_in, fan_out = compute_fans(shape)
    scale = 1.0
    scale /= max(1.0, (fan_in + fan_out) / 2.0)  # TF's order of operations, bit for bit
    limit = math.sqrt(3.0 * scale)
    return random_uniform(shape, -limit, limit, dtype)


def _zeros(shape, dtype=dtypes.float32, partition_info=None) -> Tensor:
    from .ops.array import zeros

    return zeros(shape, dtype)


def _default_initializer(name: str, dtype: dtypes.DType) -> Callable:
    if dtype.is_floating:
        return _glorot_uniform
    if dtype.is_integer or dtype.is_bool:
        return _zeros
    raise ValueError(f"An initializer for variable {name} of {dtype.name} is required")


# -- the per-graph stores ------------------------------------------------------------------

class _VariableStore:
    """Every variable that `get_variable` made in one graph, by full name."""

    def __init__(self):
        self.vars: dict[str, Variable] = {}

    def get_variable(self, name: str, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     validate_shape=True, custom_getter=None, constraint=None) -> Variable:
        if custom_getter is not None:
            if not callable(custom_getter):
                raise ValueError(f"Passed a custom_getter which is not callable: "
                                 f"{custom_getter}")

            def true_getter(name, shape=None, dtype=dtypes.float32, initializer=None,
                            regularizer=None, reuse=None, trainable=None, collections=None,
                            validate_shape=True, constraint=None, **_ignored):
                return self._get_single_variable(
                    name, shape, dtype, initializer, regularizer, reuse, trainable,
                    collections, validate_shape, constraint)

            return custom_getter(
                true_getter, name, shape=shape, dtype=dtype, initializer=initializer,
                regularizer=regularizer, reuse=reuse, trainable=trainable,
                collections=collections, validate_shape=validate_shape,
                constraint=constraint)
        return self._get_single_variable(name, shape, dtype, initializer, regularizer, reuse,
                                         trainable, collections, validate_shape, constraint)

    def _get_single_variable(self, name, shape, dtype, initializer, regularizer, reuse,
                             trainable, collections, validate_shape, constraint) -> Variable:
        from_value = initializer is not None and not callable(initializer)
        if shape is not None and from_value:
            raise ValueError("If initializer is a constant, do not specify shape.")
        dtype = dtypes.as_dtype(dtype)
        if shape is not None:
            shape = as_shape(shape)

        if name in self.vars:
            if reuse is False or reuse is None:
                raise ValueError(f"Variable {name} already exists, disallowed. Did you mean "
                                 "to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?")
            found = self.vars[name]
            if shape is not None and not shape.is_compatible_with(found.get_shape()):
                raise ValueError(f"Trying to share variable {name}, but specified shape "
                                 f"{shape} and found shape {found.get_shape()}.")
            if dtype != found.dtype:
                raise ValueError(f"Trying to share variable {name}, but specified dtype "
                                 f"{dtype.name} and found dtype {found.dtype.name}.")
            return found

        if reuse is True:
            raise ValueError(f"Variable {name} does not exist, or was not created with "
                             "tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in "
                             "VarScope?")
        if initializer is None:
            if shape is None:
                raise ValueError(f"Variable {name} did not get an initializer, so its "
                                 "`shape` argument must be specified.")
            initializer = _default_initializer(name, dtype)
        if from_value:
            init_val, variable_dtype = initializer, None
        else:
            if inspect.isclass(initializer):
                initializer = initializer()
            if shape is not None and shape.is_fully_defined():
                init_val = _bind_initializer(initializer, shape.as_list(), dtype)
                variable_dtype = dtype
            elif _needs_no_arguments(initializer):
                init_val, variable_dtype = initializer, None
            elif shape is not None:
                raise ValueError(f"Shape of a new variable ({name}) must be fully defined, "
                                 f"but instead was {shape}.")
            else:
                raise ValueError("The initializer passed is not valid. It should be a "
                                 "callable with no arguments and the shape should not be "
                                 "provided or an instance of `tf.keras.initializers.*' and "
                                 "`shape` should be fully defined.")
        if trainable is None:
            trainable = True
        graph = get_default_graph()
        # Variables are created outside any control-dependency scope, as TF's init_scope.
        with graph.control_dependencies(None):
            variable = Variable(initial_value=init_val, trainable=trainable,
                                collections=collections, validate_shape=validate_shape,
                                name=name, dtype=variable_dtype, constraint=constraint)
        self.vars[name] = variable
        if regularizer is not None:
            def make_regularizer_op():
                with graph.name_scope(name + "/Regularizer/"):
                    return regularizer(variable)

            # TF calls the regularizer once here (at the root name scope) to see whether it
            # gives a loss, then collects a lazy tensor; the ops and names follow suit.
            if regularizer(variable) is not None:
                graph.add_to_collection(GraphKeys.REGULARIZATION_LOSSES,
                                        _LazyEvalTensor(make_regularizer_op))
        return variable


class _LazyEvalTensor:
    """A regularization loss as TF collects it: built once on creation (its name, dtype,
    shape and fetched value are that tensor's), and built afresh each time it is converted
    to a Tensor for use in another op."""

    def __init__(self, thunk: Callable[[], Tensor]):
        self._thunk = thunk
        self._master_tensor = thunk()

    def _to_tensor(self) -> Tensor:
        return self._thunk()

    def _as_graph_element(self) -> Tensor:
        return self._master_tensor

    def _graph_for_ops(self):
        return self._master_tensor.graph

    name = property(lambda self: self._master_tensor.name)
    dtype = property(lambda self: self._master_tensor.dtype)
    shape = property(lambda self: self._master_tensor.shape)
    op = property(lambda self: self._master_tensor.op)
    graph = property(lambda self: self._master_tensor.graph)

    def get_shape(self):
        return self._master_tensor.get_shape()

    def eval(self, feed_dict=None, session=None):
        return self._master_tensor.eval(feed_dict=feed_dict, session=session)

    def __repr__(self) -> str:
        return f"<gj._LazyEvalTensor of {self._master_tensor!r}>"


def _delegate(method: str):
    def call(self, *args, **kwargs):
        return getattr(self._to_tensor(), method)(*args, **kwargs)
    call.__name__ = method
    return call


for _method in ("__abs__", "__add__", "__and__", "__floordiv__", "__ge__", "__getitem__",
                "__gt__", "__invert__", "__le__", "__lt__", "__matmul__", "__mod__",
                "__mul__", "__neg__", "__or__", "__pow__", "__radd__", "__rand__",
                "__rfloordiv__", "__rmatmul__", "__rmod__", "__rmul__", "__ror__",
                "__rpow__", "__rsub__", "__rtruediv__", "__rxor__", "__sub__",
                "__truediv__", "__xor__"):
    setattr(_LazyEvalTensor, _method, _delegate(_method))


def _bind_initializer(initializer, shape: list, dtype):
    try:
        takes_partition = "partition_info" in inspect.signature(initializer).parameters
    except (TypeError, ValueError):
        takes_partition = False
    if takes_partition:
        return lambda: initializer(shape, dtype=dtype, partition_info=None)
    return lambda: initializer(shape, dtype=dtype)


def _needs_no_arguments(fn) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not inspect.Parameter.empty or
               p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params)


class _VariableScopeStore:
    """The current VariableScope and how many times each scope name was opened."""

    def __init__(self):
        self.current_scope = VariableScope(False)
        self.variable_scopes_count: dict[str, int] = {}

    def open_variable_scope(self, scope_name: str) -> None:
        self.variable_scopes_count[scope_name] = self.variable_scopes_count.get(scope_name,
                                                                                0) + 1

    def close_variable_subscopes(self, scope_name: str) -> None:
        prefix = scope_name + "/"
        for k in self.variable_scopes_count:
            if k.startswith(prefix):
                self.variable_scopes_count[k] = 0

    def variable_scope_count(self, scope_name: str) -> int:
        return self.variable_scopes_count.get(scope_name, 0)


def _store(graph, key, factory):
    found = graph.get_collection(key)
    if found:
        return found[0]
    store = factory()
    graph.add_to_collection(key, store)
    return store


def _variable_store() -> _VariableStore:
    return _store(get_default_graph(), _VARSTORE_KEY, _VariableStore)


def _scope_store() -> _VariableScopeStore:
    return _store(get_default_graph(), _VARSCOPESTORE_KEY, _VariableScopeStore)


# -- VariableScope -------------------------------------------------------------------------

class VariableScope:
    """`tf.VariableScope`: the defaults that `get_variable` uses inside a scope (name
    prefix, initializer, regularizer, reuse, dtype, custom getter)."""

    def __init__(self, reuse, name: str = "", initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None,
                 name_scope: str = "", dtype=dtypes.float32, use_resource=None,
                 constraint=None):
        _check_no_partitioner(partitioner)
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._reuse = reuse
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtypes.as_dtype(dtype)
        self._use_resource = use_resource
        self._constraint = constraint
        self._caching_device = caching_device

    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope)
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    regularizer = property(lambda self: self._regularizer)
    dtype = property(lambda self: self._dtype)
    custom_getter = property(lambda self: self._custom_getter)
    constraint = property(lambda self: self._constraint)
    use_resource = property(lambda self: self._use_resource)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: None)

    def reuse_variables(self) -> None:
        """From now on, `get_variable` in this scope returns existing variables."""
        self._reuse = True

    def set_initializer(self, initializer) -> None:
        self._initializer = initializer

    def set_regularizer(self, regularizer) -> None:
        self._regularizer = regularizer

    def set_dtype(self, dtype) -> None:
        self._dtype = dtypes.as_dtype(dtype)

    def set_custom_getter(self, custom_getter) -> None:
        self._custom_getter = custom_getter

    def set_use_resource(self, use_resource) -> None:
        self._use_resource = use_resource

    def set_caching_device(self, caching_device) -> None:
        self._caching_device = caching_device

    def set_partitioner(self, partitioner) -> None:
        _check_no_partitioner(partitioner)

    def get_collection(self, name: str) -> list:
        scope = self._name + "/" if self._name else ""
        return get_default_graph().get_collection(name, scope)

    def global_variables(self) -> list:
        return self.get_collection(GraphKeys.GLOBAL_VARIABLES)

    def trainable_variables(self) -> list:
        return self.get_collection(GraphKeys.TRAINABLE_VARIABLES)

    def local_variables(self) -> list:
        return self.get_collection(GraphKeys.LOCAL_VARIABLES)

    def get_variable(self, var_store: _VariableStore, name: str, shape=None, dtype=None,
                     initializer=None, regularizer=None, reuse=None, trainable=None,
                     collections=None, validate_shape=True, custom_getter=None,
                     constraint=None) -> Variable:
        """Gets or creates `<scope name>/<name>` with this scope's defaults."""
        if regularizer is None:
            regularizer = self._regularizer
        if custom_getter is None:
            custom_getter = self._custom_getter
        if reuse is None:
            reuse = self._reuse
        full_name = self._name + "/" + name if self._name else name
        graph = get_default_graph()
        # Variable names depend on the variable scope only, so create at the root name scope.
        with graph.name_scope(None):
            if dtype is not None and initializer is not None and not callable(initializer):
                init_dtype = convert_to_tensor(initializer).dtype
                if init_dtype != dtypes.as_dtype(dtype):
                    raise ValueError(f"Initializer type '{init_dtype.name}' and explicit "
                                     f"dtype '{dtypes.as_dtype(dtype).name}' don't match.")
            if initializer is None:
                initializer = self._initializer
            if constraint is None:
                constraint = self._constraint
            if dtype is None:
                dtype = self._dtype
            return var_store.get_variable(
                full_name, shape=shape, dtype=dtype, initializer=initializer,
                regularizer=regularizer, reuse=reuse, trainable=trainable,
                collections=collections, validate_shape=validate_shape,
                custom_getter=custom_getter, constraint=constraint)

    def __repr__(self) -> str:
        return f"<gj.VariableScope {self._name!r} reuse={self._reuse}>"


def _check_no_partitioner(partitioner) -> None:
    if partitioner is not None:
        raise ValueError("graphjit does not support partitioned variables; pass "
                         "partitioner=None")


def _wrap_custom_getter(custom_getter, old_getter):
    """A custom getter that calls `old_getter` underneath (nested scopes compose them)."""
    if old_getter is None:
        return custom_getter

    def wrapped(getter, *args, **kwargs):
        return custom_getter(lambda *a, **k: old_getter(getter, *a, **k), *args, **kwargs)

    return wrapped


def get_variable_scope() -> VariableScope:
    """`tf.get_variable_scope`: the current VariableScope of the default graph."""
    return _scope_store().current_scope


def get_variable(name: str, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None) -> Variable:
    """`tf.get_variable`: the variable `<current variable scope>/<name>`, created with
    `initializer` (default glorot_uniform for floats, zeros for ints and bools) or, where
    the scope reuses, the existing one."""
    _check_no_partitioner(partitioner)
    return get_variable_scope().get_variable(
        _variable_store(), name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections,
        validate_shape=validate_shape, custom_getter=custom_getter, constraint=constraint)


# -- variable_scope ------------------------------------------------------------------------

class _pure_variable_scope:  # noqa: N801 - TF's name
    """Makes `name_or_scope` the current VariableScope (no name scope)."""

    def __init__(self, name_or_scope, reuse=None, initializer=None, regularizer=None,
                 custom_getter=None, old_name_scope=None, dtype=None, constraint=None):
        self._name_or_scope = name_or_scope
        self._reuse = reuse
        self._initializer = initializer
        self._regularizer = regularizer
        self._custom_getter = custom_getter
        self._old_name_scope = old_name_scope
        self._dtype = dtype
        self._constraint = constraint
        self._store = _scope_store()

    def __enter__(self) -> VariableScope:
        store = self._store
        old = self._old = store.current_scope
        source = self._name_or_scope
        if isinstance(source, VariableScope):
            self._new_name = source.name
            scope = VariableScope(
                source.reuse if not self._reuse else self._reuse, name=source.name,
                initializer=source.initializer, regularizer=source.regularizer,
                custom_getter=source.custom_getter, name_scope=source.original_name_scope,
                dtype=source.dtype, constraint=self._constraint)
            getter_base = source.custom_getter
            store.open_variable_scope(self._new_name)
            self._old_subscopes = dict(store.variable_scopes_count)
        else:
            self._new_name = old.name + "/" + source if old.name else source
            reuse = self._reuse or old.reuse  # reuse is inherited by sub-scopes
            name_scope = source if self._old_name_scope is None else self._old_name_scope
            scope = VariableScope(
                reuse, name=self._new_name, initializer=old.initializer,
                regularizer=old.regularizer, custom_getter=old.custom_getter,
                name_scope=name_scope, dtype=old.dtype, constraint=self._constraint)
            getter_base = old.custom_getter
            store.open_variable_scope(self._new_name)
        if self._initializer is not None:
            scope.set_initializer(self._initializer)
        if self._regularizer is not None:
            scope.set_regularizer(self._regularizer)
        if self._custom_getter is not None:
            scope.set_custom_getter(_wrap_custom_getter(self._custom_getter, getter_base))
        if self._dtype is not None:
            scope.set_dtype(self._dtype)
        store.current_scope = self._scope = scope
        return scope

    def __exit__(self, *exc) -> None:
        store = self._store
        if store.current_scope is not self._scope:
            raise RuntimeError("Improper nesting of variable_scope.")
        if isinstance(self._name_or_scope, VariableScope):
            store.variable_scopes_count = self._old_subscopes
        else:
            store.close_variable_subscopes(self._new_name)
        store.current_scope = self._old


class variable_scope:  # noqa: N801 - TF's name
    """`tf.variable_scope`: a context that prefixes `get_variable` names and opens a name
    scope of the same name (made unique, unlike the variable scope).

    `name_or_scope` is a string or a captured VariableScope; with neither, `default_name`
    is made unique among the variable scopes opened here ("layer", "layer_1", ...).
    `reuse=True` shares existing variables (and fails for missing ones),
    `reuse=tf.AUTO_REUSE` shares or creates; reuse is inherited by nested scopes.
    """

    def __init__(self, name_or_scope, default_name: str | None = None,
                 values: Sequence | None = None, initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, reuse=None,
                 dtype=None, use_resource=None, constraint=None,
                 auxiliary_name_scope: bool = True):
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if reuse is False:
            reuse = None  # False means "inherit", as in TF
        if not (reuse is True or reuse is None or reuse is AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None.")
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError("The auxiliary_name_scope must be `True` or `False`, while get "
                            f"{auxiliary_name_scope}")
        if name_or_scope is not None and not isinstance(name_or_scope, (VariableScope, str)):
            raise TypeError("VariableScope: name_or_scope must be a string or VariableScope.")
        _check_no_partitioner(partitioner)
        self._name_or_scope = name_or_scope
        self._default_name = default_name
        self._initializer = initializer
        self._regularizer = regularizer
        self._custom_getter = custom_getter
        self._reuse = reuse
        self._dtype = dtype
        self._constraint = constraint
        self._auxiliary_name_scope = auxiliary_name_scope
        self._graph = next((v.graph for v in values or () if isinstance(v, Tensor)),
                           None) or get_default_graph()
        self._stack: contextlib.ExitStack | None = None

    def __enter__(self) -> VariableScope:
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(self._graph.as_default())
            scope = self._enter(stack)
        except BaseException:
            stack.close()
            raise
        self._stack = stack
        return scope

    def __exit__(self, *exc) -> None:
        stack, self._stack = self._stack, None
        stack.__exit__(*exc)

    def _pure(self, name_or_scope, old_name_scope, reuse) -> _pure_variable_scope:
        return _pure_variable_scope(
            name_or_scope, reuse=reuse, initializer=self._initializer,
            regularizer=self._regularizer, custom_getter=self._custom_getter,
            old_name_scope=old_name_scope, dtype=self._dtype, constraint=self._constraint)

    def _enter(self, stack: contextlib.ExitStack) -> VariableScope:
        graph = self._graph
        if self._auxiliary_name_scope:
            current_name_scope = None
        else:
            # Stay in the current name scope (absolute re-entry with a trailing '/').
            current = graph.get_name_scope()
            current_name_scope = graph.name_scope(current + "/" if current else "")
        source = self._name_or_scope
        if source is not None:
            name_scope = source if isinstance(source, str) else source.name.split("/")[-1]
            if name_scope or current_name_scope is not None:
                opened = stack.enter_context(current_name_scope or graph.name_scope(name_scope))
                old_name_scope = opened if isinstance(source, str) else \
                    source.original_name_scope
                return stack.enter_context(self._pure(source, old_name_scope, self._reuse))
            return stack.enter_context(self._pure(source, None, self._reuse))
        if self._reuse:
            raise ValueError("reuse=True cannot be used without a name_or_scope")
        opened = stack.enter_context(current_name_scope or graph.name_scope(self._default_name))
        unique = _unique_variable_scope(self._default_name)
        return stack.enter_context(self._pure(unique, opened, None))


def _unique_variable_scope(prefix: str) -> str:
    """`prefix`, or `prefix_N` with the smallest N whose scope was not opened here yet."""
    store = _scope_store()
    current = store.current_scope
    name = current.name + "/" + prefix if current.name else prefix
    if store.variable_scope_count(name) == 0:
        return prefix
    idx = 1
    while store.variable_scope_count(f"{name}_{idx}") > 0:
        idx += 1
    return f"{prefix}_{idx}"


def no_regularizer(_) -> None:
    """`tf.no_regularizer`: a regularizer that adds no loss."""
    return None


__all__ = ["AUTO_REUSE", "VariableScope", "variable_scope", "get_variable",
           "get_variable_scope", "no_regularizer", "compute_fans"]
