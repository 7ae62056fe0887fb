"""Variables and their state ops, after TF2's resource variables.

`var_handle` names a variable slot of the session; `read_variable` reads it (one read op
per use, so control dependencies order reads after writes, as in TF);
`assign_variable`/`assign_add_variable`/`assign_sub_variable` write it and output the new
value. The reference kernels get the run context, which owns the variable values.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes
from ..graph import GraphKeys, Tensor, get_default_graph
from ..registry import OpDef, Spec, register
from ..shapes import as_shape
from .core import convert_to_tensor, group

register(OpDef(
    name="var_handle",
    infer=lambda *, dtype, shape, shared_name: Spec(dtypes.resource, ()),
    reference=lambda ctx, *, dtype, shape, shared_name: ctx.variable_handle(shared_name),
    uses_context=True, no_gradient="a handle is not a value", kind="state",
    doc="The handle of the variable named `shared_name`."))


def _read_infer(handle, *, dtype, shape):
    return Spec(dtype, shape)


register(OpDef(
    name="read_variable", infer=_read_infer,
    reference=lambda ctx, handle, *, dtype, shape: ctx.read_variable(handle),
    gradient=lambda op, grad: [grad], stateful=True, side_effects=False, uses_context=True,
    kind="state",
    doc="The variable's current value (gradients flow to the handle, as in TF)."))


def _assign_infer(handle, value, *, dtype, shape):
    if value.dtype != dtype:
        raise TypeError(f"Cannot assign a {value.dtype.name} value to a {dtype.name} "
                        "variable")
    if not value.shape.is_compatible_with(shape):
        raise ValueError(f"Shapes {shape} and {value.shape} are incompatible: cannot assign "
                         f"a value of shape {value.shape} to a variable of shape {shape}")
    return Spec(dtype, shape)


def _assign_kernel(update):
    def reference(ctx, handle, value, *, dtype, shape):
        return ctx.assign_variable(handle, value, update)
    return reference


for _name, _update in (("assign_variable", None), ("assign_add_variable", np.add),
                       ("assign_sub_variable", np.subtract)):
    register(OpDef(
        name=_name, infer=_assign_infer, reference=_assign_kernel(_update),
        stateful=True, uses_context=True, kind="state",
        no_gradient="assignments are state updates",
        doc="Writes the variable and outputs its new value."))


class Variable:
    """`tf.Variable` (resource variable semantics).

    Using a Variable as a tensor creates a fresh read op, so a read inside
    `control_dependencies([v.assign(...)])` sees the new value.
    """

    def __init__(self, initial_value=None, trainable=True, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        graph = self._graph = get_default_graph()
        with graph.name_scope(name or "Variable") as scope:
            handle_name = scope[:-1]
            with graph.name_scope("Initializer"), graph.control_dependencies(None):
                init = initial_value() if callable(initial_value) else initial_value
                init = convert_to_tensor(init, dtype=None if dtype is None else
                                         dtypes.as_dtype(dtype), name="initial_value")
            if dtype is not None and init.dtype != dtypes.as_dtype(dtype):
                raise ValueError(f"initial_value has dtype {init.dtype.name}, not {dtype}")
            var_shape = as_shape(shape) if shape is not None else init.shape
            if validate_shape and not var_shape.is_fully_defined():
                raise ValueError(f"initial_value must have a shape specified: {init}")
            self._dtype = init.dtype
            self._shape = var_shape
            with graph.control_dependencies(None):
                self._handle = graph.create_op(
                    "var_handle", [], {"dtype": self._dtype, "shape": var_shape,
                                       "shared_name": handle_name},
                    name=handle_name + "/").outputs[0]
                self._initializer_op = graph.create_op(
                    "assign_variable", [self._handle, init],
                    {"dtype": self._dtype, "shape": var_shape}, name="Assign")
                with graph.name_scope("Read"):
                    self._graph_element = self._read("ReadVariableOp")
        self._initial_value = init
        self._trainable = trainable
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        collections = list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        graph.add_to_collections(collections, self)

    @classmethod
    def _from_graph(cls, handle: Tensor, initializer, snapshot: Tensor, initial_value: Tensor,
                    trainable: bool) -> Variable:
        """A Variable over ops that already exist (an imported graph); adds no ops."""
        variable = cls.__new__(cls)
        variable._graph = handle.graph
        variable._handle = handle
        variable._dtype = handle.op.attrs["dtype"]
        variable._shape = handle.op.attrs["shape"]
        variable._initializer_op = initializer
        variable._graph_element = snapshot
        variable._initial_value = initial_value
        variable._trainable = trainable
        return variable

    def _read(self, name="ReadVariableOp") -> Tensor:
        return self._graph.create_op(
            "read_variable", [self._handle], {"dtype": self._dtype, "shape": self._shape},
            name=name).outputs[0]

    # -- tensor protocol --------------------------------------------------------------
    def _to_tensor(self) -> Tensor:
        return self._read()

    def _as_graph_element(self) -> Tensor:
        return self._graph_element

    def _graph_for_ops(self):
        return self._graph

    def value(self) -> Tensor:
        return self._read()

    def read_value(self) -> Tensor:
        return self._read("Read/ReadVariableOp")

    def eval(self, session=None):
        return self._graph_element.eval(session=session)

    # -- properties -------------------------------------------------------------------
    name = property(lambda self: self._handle.name)
    op = property(lambda self: self._handle.op)
    handle = property(lambda self: self._handle)
    dtype = property(lambda self: self._dtype)
    shape = property(lambda self: self._shape)
    graph = property(lambda self: self._graph)
    initializer = property(lambda self: self._initializer_op)
    initial_value = property(lambda self: self._initial_value)
    trainable = property(lambda self: self._trainable)
    device = ""

    def get_shape(self):
        return self._shape

    # -- assignment -------------------------------------------------------------------
    def _assign(self, op_type, value, name, read_value=True):
        value = convert_to_tensor(value, dtype=self._dtype)
        op = self._graph.create_op(op_type, [self._handle, value],
                                   {"dtype": self._dtype, "shape": self._shape},
                                   name=name)
        return op.outputs[0] if read_value else op

    def assign(self, value, use_locking=None, name=None, read_value=True):
        return self._assign("assign_variable", value, name or "AssignVariableOp", read_value)

    def assign_add(self, delta, use_locking=None, name=None, read_value=True):
        return self._assign("assign_add_variable", delta, name or "AssignAddVariableOp",
                            read_value)

    def assign_sub(self, delta, use_locking=None, name=None, read_value=True):
        return self._assign("assign_sub_variable", delta, name or "AssignSubVariableOp",
                            read_value)

    def load(self, value, session=None):
        from ..graph import _default_session
        (session or _default_session()).load_variable(self, value)

    def __repr__(self) -> str:
        return (f"<gj.Variable '{self.name}' shape={self._shape} "
                f"dtype={self._dtype.name}>")

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other) -> bool:
        return self is other


def _variable(ref, what: str) -> Variable:
    if not isinstance(ref, Variable):
        raise TypeError(f"{what}: ref must be a Variable, got {type(ref).__name__} ({ref!r})")
    return ref


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """`tf.assign`."""
    return _variable(ref, "assign").assign(value, name=name)


def assign_add(ref, value, use_locking=None, name=None):
    """`tf.assign_add`."""
    return _variable(ref, "assign_add").assign_add(value, name=name)


def assign_sub(ref, value, use_locking=None, name=None):
    """`tf.assign_sub`."""
    return _variable(ref, "assign_sub").assign_sub(value, name=name)


def global_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


def trainable_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None) -> list:
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """`tf.variables_initializer`: one op that initializes every variable in `var_list`."""
    inits = [_variable(v, "variables_initializer").initializer for v in var_list]
    if not inits:
        return get_default_graph().create_op("no_op", [], name=name)
    return group(*inits, name=name)


def global_variables_initializer():
    """`tf.global_variables_initializer`."""
    return variables_initializer(global_variables(), name="init")


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init_1")


def initialize_all_variables():
    return global_variables_initializer()


__all__ = ["Variable", "assign", "assign_add", "assign_sub", "global_variables",
           "trainable_variables", "local_variables", "variables_initializer",
           "global_variables_initializer", "local_variables_initializer",
           "initialize_all_variables"]
