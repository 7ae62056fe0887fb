"""TF1's recurrent networks: the cells of `tf.nn.rnn_cell` (`RNNCell`, `BasicRNNCell`,
`BasicLSTMCell`, `LSTMCell`, `GRUCell`, `MultiRNNCell`, `DropoutWrapper`,
`ResidualWrapper`, `LSTMStateTuple`) and the functions `static_rnn`, `dynamic_rnn`,
`bidirectional_dynamic_rnn` and `static_bidirectional_rnn`, after TF's rnn_cell_impl.py
and rnn.py.

A cell scopes itself as TF1's legacy layer does: its first call opens a variable scope
named after the class ("basic_lstm_cell", made unique as TF does) inside the current one,
builds its variables there with `get_variable` under TF's names ("kernel", "bias",
"gates/kernel", "projection/kernel", ...), and later calls re-enter that scope sharing
them. The cell math is TF's op for op (LSTM gates i, j, f, o from one matmul of
[inputs, h]; GRU r/u gates then the candidate from [inputs, r * h]), so values loaded with
`assign` or a Saver agree with TF's.

`dynamic_rnn` unrolls the time dimension at graph-build time (TF builds a while_loop), so
that dimension must be known statically. With `sequence_length`, every step selects as TF
does: the output is zero and the state is carried through at steps `t >= length[b]`, so
the final state is each sequence's state at its last valid step. The outputs and states
are TF's; the op names inside the recurrence are not (TF's live under "rnn/while/").

May import: graphjit.graphlib and graphjit.initializers.
"""

from __future__ import annotations

import collections
import hashlib
import numbers
import re
import types
from collections.abc import Callable, Sequence

from . import initializers
from .graphlib import dtypes
from .graphlib.graph import Tensor, get_default_graph
from .graphlib.ops import array as array_ops
from .graphlib.ops import math as math_ops
from .graphlib.ops import nn as nn_ops
from .graphlib.ops.core import convert_to_tensor, identity
from .graphlib.ops.extra import reverse_sequence
from .graphlib.ops.linalg import matmul
from .graphlib.variable_scope import VariableScope, get_variable, variable_scope

_WEIGHTS_VARIABLE_NAME = "kernel"
_BIAS_VARIABLE_NAME = "bias"


# -- nested structures (TF's nest, for tuples, lists and namedtuples of tensors) ------------

def _is_sequence(value) -> bool:
    return isinstance(value, (tuple, list))


def _flatten(structure) -> list:
    if _is_sequence(structure):
        return [leaf for item in structure for leaf in _flatten(item)]
    return [structure]


def _pack_as(structure, flat: Sequence):
    """`flat` (as many leaves as `structure` has) in the nesting of `structure`."""
    leaves = iter(flat)

    def pack(node):
        if not _is_sequence(node):
            return next(leaves)
        items = [pack(item) for item in node]
        if hasattr(node, "_fields"):  # a namedtuple such as LSTMStateTuple
            return type(node)(*items)
        return type(node)(items)

    return pack(structure)


def _map(fn: Callable, *structures):
    return _pack_as(structures[0], [fn(*leaves) for leaves in
                                    zip(*(_flatten(s) for s in structures))])


def _same_structure(a, b, what: str) -> None:
    if len(_flatten(a)) != len(_flatten(b)):
        raise ValueError(f"{what}: the structures {a!r} and {b!r} differ")


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """`tf.nn.rnn_cell.LSTMStateTuple`: an LSTM's state, (c, h)."""

    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _to_snake_case(name: str) -> str:
    """TF's base_layer.to_snake_case: "BasicLSTMCell" -> "basic_lstm_cell"."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def _zero_state(state_size, batch_size, dtype) -> object:
    """Zeros of shape [batch_size, s] for every size s in `state_size` (TF's
    _zero_state_tensors); `batch_size` is an int or a scalar int32 tensor."""
    def zeros(size):
        if isinstance(batch_size, numbers.Integral):
            return array_ops.zeros([int(batch_size), int(size)], dtype=dtype)
        shape = array_ops.concat([array_ops.expand_dims(batch_size, 0), [int(size)]], 0)
        return array_ops.zeros(shape, dtype=dtype)

    return _map(zeros, state_size)


# -- the cells -------------------------------------------------------------------------

class RNNCell:
    """`tf.nn.rnn_cell.RNNCell`: a recurrent cell, `(output, new_state) = cell(inputs,
    state)`. Subclasses give `state_size`, `output_size` and either `call(inputs, state)`
    (with an optional `build(inputs_shape)` that makes variables with `add_variable`) or
    their own `__call__`."""

    def __init__(self, trainable: bool = True, name: str | None = None, dtype=None,
                 **kwargs):
        self._name = name
        self._base_name = name or _to_snake_case(type(self).__name__)
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self._reuse = kwargs.get("_reuse")
        self._trainable = trainable
        self._scope: VariableScope | None = None
        self._graph = None
        self._variables: list = []
        self.built = False

    @property
    def state_size(self):
        raise NotImplementedError(f"{type(self).__name__} must define state_size")

    @property
    def output_size(self):
        raise NotImplementedError(f"{type(self).__name__} must define output_size")

    @property
    def name(self) -> str:
        return self._scope.name if self._scope is not None else self._base_name

    @property
    def dtype(self):
        return self._dtype

    def zero_state(self, batch_size, dtype):
        """A state of zeros for a batch: a tensor [batch_size, state_size], or a structure
        of them for a tuple state_size."""
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return _zero_state(self.state_size, batch_size, dtype)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            inputs = convert_to_tensor(inputs)
            batch_size = inputs.shape[0] if inputs.shape[0] is not None else \
                array_ops.shape(inputs)[0]
            dtype = dtype or inputs.dtype
        return self.zero_state(batch_size, dtype)

    def build(self, inputs_shape) -> None:
        """Makes the cell's variables (called once, in the cell's scope)."""

    def call(self, inputs, state):
        raise NotImplementedError(f"{type(self).__name__} must define call() or __call__()")

    def add_variable(self, name: str, shape, dtype=None, initializer=None,
                     trainable: bool | None = None, **kwargs):
        """A variable `<cell scope>/<name>` made with `get_variable` (TF's add_weight)."""
        variable = get_variable(name, shape=shape, dtype=dtype or self._dtype,
                                initializer=initializer,
                                trainable=self._trainable if trainable is None else trainable)
        if variable not in self._variables:
            self._variables.append(variable)
        return variable

    add_weight = add_variable

    def __call__(self, inputs, state, scope=None):
        """Runs the cell on one step: TF's legacy Layer.__call__ scoping (see the module
        docstring); `scope` names the variable scope of a first call."""
        graph = get_default_graph()
        if self._graph is not None and graph is not self._graph:
            raise ValueError(f"RNN cell {self.name} was first called in another graph")
        inputs = _map(convert_to_tensor, inputs)
        if self._scope is None:
            if scope is not None:
                with variable_scope(scope) as captured:
                    pass
            elif self._reuse:
                with variable_scope(self._base_name) as captured:
                    pass
            else:
                with variable_scope(None, default_name=self._base_name) as captured:
                    pass
            self._scope = captured
        reuse = True if self.built else self._reuse
        with variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False), \
                graph.name_scope(self._scope.original_name_scope):
            if not self.built:
                if self._dtype is None:
                    self._dtype = _flatten(inputs)[0].dtype
                shapes = _map(lambda x: x.shape, inputs)
                self.build(shapes)
                self.built = True
            self._graph = graph
            return self.call(inputs, state)

    # -- variables --------------------------------------------------------------------
    @property
    def variables(self) -> list:
        return list(self._variables)

    weights = variables

    @property
    def trainable_variables(self) -> list:
        return [v for v in self._variables if v.trainable]

    trainable_weights = trainable_variables

    @property
    def non_trainable_variables(self) -> list:
        return [v for v in self._variables if not v.trainable]

    non_trainable_weights = non_trainable_variables


def _input_depth(inputs_shape, cell: RNNCell) -> int:
    if inputs_shape.rank is None or inputs_shape[-1] is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: "
                         f"{inputs_shape} (in {type(cell).__name__})")
    return int(inputs_shape[-1])


def _activation(activation, default):
    if activation is None:
        return default
    if isinstance(activation, str):
        from . import nn as facade_nn
        return getattr(facade_nn, activation)
    return activation


class BasicRNNCell(RNNCell):
    """`tf.nn.rnn_cell.BasicRNNCell`: output = new_state = act(W [inputs, state] + b)."""

    def __init__(self, num_units: int, activation=None, reuse=None, name=None, dtype=None,
                 **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation, math_ops.tanh)

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape) -> None:
        depth = _input_depth(inputs_shape, self)
        self._kernel = self.add_variable(_WEIGHTS_VARIABLE_NAME,
                                         shape=[depth + self._num_units, self._num_units])
        self._bias = self.add_variable(_BIAS_VARIABLE_NAME, shape=[self._num_units],
                                       initializer=initializers.zeros_initializer(
                                           dtype=self.dtype))

    def call(self, inputs, state):
        gate_inputs = matmul(array_ops.concat([inputs, state], 1), self._kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
        output = self._activation(gate_inputs)
        return output, output


class BasicLSTMCell(RNNCell):
    """`tf.nn.rnn_cell.BasicLSTMCell`: gates i, j, f, o from W [inputs, h] + b;
    c' = c * sigmoid(f + forget_bias) + sigmoid(i) * act(j), h' = act(c') * sigmoid(o)."""

    def __init__(self, num_units: int, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation, math_ops.tanh)

    @property
    def state_size(self):
        if self._state_is_tuple:
            return LSTMStateTuple(self._num_units, self._num_units)
        return 2 * self._num_units

    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape) -> None:
        depth = _input_depth(inputs_shape, self)
        self._kernel = self.add_variable(_WEIGHTS_VARIABLE_NAME,
                                         shape=[depth + self._num_units, 4 * self._num_units])
        self._bias = self.add_variable(_BIAS_VARIABLE_NAME, shape=[4 * self._num_units],
                                       initializer=initializers.zeros_initializer(
                                           dtype=self.dtype))

    def call(self, inputs, state):
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(state, 2, axis=1)
        gate_inputs = matmul(array_ops.concat([inputs, h], 1), self._kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._bias)
        i, j, f, o = array_ops.split(gate_inputs, 4, axis=1)
        forget_bias = convert_to_tensor(self._forget_bias, dtype=f.dtype)
        new_c = math_ops.add(
            math_ops.multiply(c, math_ops.sigmoid(math_ops.add(f, forget_bias))),
            math_ops.multiply(math_ops.sigmoid(i), self._activation(j)))
        new_h = math_ops.multiply(self._activation(new_c), math_ops.sigmoid(o))
        if self._state_is_tuple:
            return new_h, LSTMStateTuple(new_c, new_h)
        return new_h, array_ops.concat([new_c, new_h], 1)


class LSTMCell(RNNCell):
    """`tf.nn.rnn_cell.LSTMCell`: BasicLSTMCell's gates plus optional peepholes
    (w_f_diag, w_i_diag, w_o_diag), a cell clip, and a projection of the output
    (projection/kernel, optional proj_clip). Sharded variables are not supported."""

    def __init__(self, num_units: int, use_peepholes: bool = False, cell_clip=None,
                 initializer=None, num_proj=None, proj_clip=None, num_unit_shards=None,
                 num_proj_shards=None, forget_bias: float = 1.0, state_is_tuple: bool = True,
                 activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        if num_unit_shards is not None or num_proj_shards is not None:
            raise ValueError("graphjit's LSTMCell does not support sharded variables "
                             "(num_unit_shards/num_proj_shards)")
        self._num_units = num_units
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializer
        self._num_proj = num_proj
        self._proj_clip = proj_clip
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = _activation(activation, math_ops.tanh)

    @property
    def state_size(self):
        h = self._num_proj or self._num_units
        return LSTMStateTuple(self._num_units, h) if self._state_is_tuple else \
            self._num_units + h

    output_size = property(lambda self: self._num_proj or self._num_units)

    def build(self, inputs_shape) -> None:
        depth = _input_depth(inputs_shape, self)
        h_depth = self._num_proj or self._num_units
        self._kernel = self.add_variable(_WEIGHTS_VARIABLE_NAME,
                                         shape=[depth + h_depth, 4 * self._num_units],
                                         initializer=self._initializer)
        self._bias = self.add_variable(_BIAS_VARIABLE_NAME, shape=[4 * self._num_units],
                                       initializer=initializers.zeros_initializer(
                                           dtype=self.dtype))
        if self._use_peepholes:
            self._w_f_diag, self._w_i_diag, self._w_o_diag = (
                self.add_variable(name, shape=[self._num_units], initializer=self._initializer)
                for name in ("w_f_diag", "w_i_diag", "w_o_diag"))
        if self._num_proj is not None:
            self._proj_kernel = self.add_variable(
                f"projection/{_WEIGHTS_VARIABLE_NAME}", shape=[self._num_units, self._num_proj],
                initializer=self._initializer)

    def call(self, inputs, state):
        num_proj = self._num_proj or self._num_units
        sigmoid = math_ops.sigmoid
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = array_ops.slice(state, [0, 0], [-1, self._num_units])
            m_prev = array_ops.slice(state, [0, self._num_units], [-1, num_proj])
        lstm_matrix = matmul(array_ops.concat([inputs, m_prev], 1), self._kernel)
        lstm_matrix = nn_ops.bias_add(lstm_matrix, self._bias)
        i, j, f, o = array_ops.split(lstm_matrix, 4, axis=1)
        if self._use_peepholes:
            c = (sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev +
                 sigmoid(i + self._w_i_diag * c_prev) * self._activation(j))
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * self._activation(j)
        if self._cell_clip is not None:
            c = math_ops.clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sigmoid(o + self._w_o_diag * c) * self._activation(c)
        else:
            m = sigmoid(o) * self._activation(c)
        if self._num_proj is not None:
            m = matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = math_ops.clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else \
            array_ops.concat([c, m], 1)
        return m, new_state


class GRUCell(RNNCell):
    """`tf.nn.rnn_cell.GRUCell`: r, u = sigmoid(W_g [inputs, h] + b_g) (gates/kernel,
    gates/bias, bias initialized to 1), c = act(W_c [inputs, r * h] + b_c)
    (candidate/kernel, candidate/bias), h' = u * h + (1 - u) * c."""

    def __init__(self, num_units: int, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = _activation(activation, math_ops.tanh)
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape) -> None:
        depth = _input_depth(inputs_shape, self)
        n = self._num_units
        self._gate_kernel = self.add_variable(
            f"gates/{_WEIGHTS_VARIABLE_NAME}", shape=[depth + n, 2 * n],
            initializer=self._kernel_initializer)
        self._gate_bias = self.add_variable(
            f"gates/{_BIAS_VARIABLE_NAME}", shape=[2 * n],
            initializer=self._bias_initializer or initializers.constant_initializer(
                1.0, dtype=self.dtype))
        self._candidate_kernel = self.add_variable(
            f"candidate/{_WEIGHTS_VARIABLE_NAME}", shape=[depth + n, n],
            initializer=self._kernel_initializer)
        self._candidate_bias = self.add_variable(
            f"candidate/{_BIAS_VARIABLE_NAME}", shape=[n],
            initializer=self._bias_initializer or initializers.zeros_initializer(
                dtype=self.dtype))

    def call(self, inputs, state):
        gate_inputs = matmul(array_ops.concat([inputs, state], 1), self._gate_kernel)
        gate_inputs = nn_ops.bias_add(gate_inputs, self._gate_bias)
        value = math_ops.sigmoid(gate_inputs)
        r, u = array_ops.split(value, 2, axis=1)
        r_state = r * state
        candidate = matmul(array_ops.concat([inputs, r_state], 1), self._candidate_kernel)
        candidate = nn_ops.bias_add(candidate, self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class MultiRNNCell(RNNCell):
    """`tf.nn.rnn_cell.MultiRNNCell`: cells stacked in layers, cell i in the variable scope
    "cell_i" (TF's "multi_rnn_cell/cell_0/basic_lstm_cell/kernel")."""

    def __init__(self, cells: Sequence[RNNCell], state_is_tuple: bool = True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if not _is_sequence(cells):
            raise TypeError(f"cells must be a list or tuple, but saw: {cells}.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple
        if not state_is_tuple and any(_is_sequence(c.state_size) for c in self._cells):
            raise ValueError("Some cells return tuples of states, but the flag "
                             "state_is_tuple is not set. State sizes are: "
                             f"{[c.state_size for c in self._cells]}")

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(cell.state_size for cell in self._cells)
        return sum(cell.state_size for cell in self._cells)

    output_size = property(lambda self: self._cells[-1].output_size)

    def zero_state(self, batch_size, dtype):
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            if self._state_is_tuple:
                return tuple(cell.zero_state(batch_size, dtype) for cell in self._cells)
            return _zero_state(self.state_size, batch_size, dtype)

    @property
    def variables(self) -> list:
        return [v for cell in self._cells for v in cell.variables]

    weights = variables

    @property
    def trainable_variables(self) -> list:
        return [v for cell in self._cells for v in cell.trainable_variables]

    trainable_weights = trainable_variables

    def call(self, inputs, state):
        position = 0
        current = inputs
        new_states = []
        for i, cell in enumerate(self._cells):
            with variable_scope(f"cell_{i}"):
                if self._state_is_tuple:
                    if not _is_sequence(state):
                        raise ValueError(f"Expected state to be a tuple of length "
                                         f"{len(self.state_size)}, but received: {state}")
                    cell_state = state[i]
                else:
                    cell_state = array_ops.slice(state, [0, position], [-1, cell.state_size])
                    position += cell.state_size
                current, new_state = cell(current, cell_state)
                new_states.append(new_state)
        if self._state_is_tuple:
            return current, tuple(new_states)
        return current, array_ops.concat(new_states, 1)


class _WrapperCell(RNNCell):
    """A cell around another cell that opens no variable scope of its own (TF's
    _RNNCellWrapperV1): the wrapped cell's variables keep their names."""

    def __init__(self, cell: RNNCell):
        super().__init__()
        self.cell = cell

    state_size = property(lambda self: self.cell.state_size)
    output_size = property(lambda self: self.cell.output_size)
    variables = property(lambda self: self.cell.variables)
    weights = variables
    trainable_variables = property(lambda self: self.cell.trainable_variables)
    trainable_weights = trainable_variables

    def zero_state(self, batch_size, dtype):
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            return self.cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        return self._call_wrapped_cell(inputs, state, scope)


# The step of an unrolled dynamic_rnn (None outside one): TF runs one dropout op per step
# of its while_loop, drawing fresh values each step; unrolled copies with the same seed
# would draw the same mask at every step, so a seeded wrapper salts its seeds with it.
_UNROLL_STEP: list[int] = []


def _should_dropout(keep_prob) -> bool:
    return not isinstance(keep_prob, numbers.Real) or keep_prob < 1


class DropoutWrapper(_WrapperCell):
    """`tf.nn.rnn_cell.DropoutWrapper`: dropout on the cell's inputs, outputs and new
    state (an LSTMStateTuple's c is never dropped, as in TF), with TF's per-part seeds
    derived from `seed`. `variational_recurrent` is not supported."""

    def __init__(self, cell: RNNCell, input_keep_prob=1.0, output_keep_prob=1.0,
                 state_keep_prob=1.0, variational_recurrent: bool = False, input_size=None,
                 dtype=None, seed=None, dropout_state_filter_visitor=None):
        super().__init__(cell)
        if variational_recurrent:
            raise ValueError("graphjit's DropoutWrapper does not support "
                             "variational_recurrent=True")
        for name, keep in (("input_keep_prob", input_keep_prob),
                           ("output_keep_prob", output_keep_prob),
                           ("state_keep_prob", state_keep_prob)):
            if isinstance(keep, numbers.Real) and not 0 < keep <= 1:
                raise ValueError(f"Parameter {name} must be between 0 and 1: {keep}")
        self._input_keep_prob = input_keep_prob
        self._output_keep_prob = output_keep_prob
        self._state_keep_prob = state_keep_prob
        self._seed = seed
        self._state_filter = dropout_state_filter_visitor or _default_state_filter

    def _gen_seed(self, salt_prefix: str, index: int):
        if self._seed is None:
            return None
        salt = f"{salt_prefix}_{index}"
        if _UNROLL_STEP and _UNROLL_STEP[-1] > 0:
            salt += f"_step{_UNROLL_STEP[-1]}"
        digest = hashlib.md5((str(self._seed) + salt).encode("utf-8")).hexdigest()
        return int(digest[:8], 16) & 0x7FFFFFFF

    def _dropout(self, values, salt_prefix: str, keep_prob, keep_mask=None):
        flat = _flatten(values)
        mask = [True] * len(flat) if keep_mask is None else keep_mask
        return _pack_as(values, [
            nn_ops.dropout(v, keep_prob=keep_prob, seed=self._gen_seed(salt_prefix, i))
            if drop else v for i, (v, drop) in enumerate(zip(flat, mask))])

    def _call_wrapped_cell(self, inputs, state, scope):
        if _should_dropout(self._input_keep_prob):
            inputs = self._dropout(inputs, "input", self._input_keep_prob)
        output, new_state = self.cell(inputs, state, scope=scope)
        if _should_dropout(self._state_keep_prob):
            new_state = self._dropout(new_state, "state", self._state_keep_prob,
                                      _state_mask(self._state_filter, new_state))
        if _should_dropout(self._output_keep_prob):
            output = self._dropout(output, "output", self._output_keep_prob)
        return output, new_state


def _default_state_filter(substate):
    # TF's default: drop every state part except an LSTM's memory cell c.
    if isinstance(substate, LSTMStateTuple):
        return LSTMStateTuple(c=False, h=True)
    return True


def _state_mask(visitor: Callable, state) -> list[bool]:
    """One flag per flattened state part: whether the filter lets dropout touch it."""
    decision = visitor(state)
    if isinstance(decision, bool):
        return [decision] * len(_flatten(state))
    if _is_sequence(state) and not hasattr(decision, "_fields") and \
            len(decision) == len(state):
        return [flag for part, sub in zip(state, decision)
                for flag in (_state_mask(visitor, part) if sub is True else
                             [bool(sub)] * len(_flatten(part)))]
    return [bool(flag) for flag in _flatten(decision)]


class ResidualWrapper(_WrapperCell):
    """`tf.nn.rnn_cell.ResidualWrapper`: output = inputs + cell output (or
    `residual_fn(inputs, output)`)."""

    def __init__(self, cell: RNNCell, residual_fn: Callable | None = None):
        super().__init__(cell)
        self._residual_fn = residual_fn

    def _call_wrapped_cell(self, inputs, state, scope):
        output, new_state = self.cell(inputs, state, scope=scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        return _map(lambda x, y: x + y, inputs, output), new_state


def _check_cell(cell, what: str = "cell") -> None:
    if not callable(cell) or not hasattr(cell, "state_size") or \
            not hasattr(cell, "output_size"):
        raise TypeError(f"{what} must be an RNNCell (with state_size, output_size and "
                        f"__call__), saw: {type(cell).__name__}")


# -- the rnn functions -----------------------------------------------------------------

def _sequence_length(sequence_length) -> Tensor:
    lengths = convert_to_tensor(sequence_length)
    if lengths.shape.rank not in (None, 1):
        raise ValueError(f"sequence_length must be a vector of length batch_size, but saw "
                         f"shape: {lengths.shape}")
    if lengths.dtype != dtypes.int32:
        lengths = math_ops.cast(lengths, dtypes.int32)
    return identity(lengths, name="sequence_length")


def _initial_state(cell, initial_state, batch_size, dtype, what: str):
    if initial_state is not None:
        return initial_state
    if not dtype:
        raise ValueError(f"{what}: if there is no initial_state, you must give a dtype.")
    return cell.zero_state(batch_size, dtype)


def _masked_step(time: int, lengths: Tensor, zero_output, state, output, new_state):
    """TF's _rnn_step selection: past a sequence's length the output is zero and the
    state is carried through unchanged."""
    _same_structure(state, new_state, "The cell's new state and its state")
    done = math_ops.greater_equal(time, lengths)
    output = _map(lambda zero, new: math_ops.where(done, zero, new), zero_output, output)
    new_state = _map(lambda old, new: math_ops.where(done, old, new), state, new_state)
    return output, new_state


def _zero_output(cell, batch_size, dtype):
    return _zero_state(cell.output_size, batch_size, dtype)


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None,
               scope=None):
    """`tf.nn.static_rnn`: the cell applied to each input of the list `inputs` (each
    [batch, depth]); returns (list of outputs, final state)."""
    _check_cell(cell)
    if not _is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs = []
    with variable_scope(scope or "rnn") as varscope:
        first = convert_to_tensor(_flatten(inputs[0])[0])
        if first.shape.rank is not None and first.shape.rank < 2:
            raise ValueError(f"Input size (dimension 0 of inputs) must be accessible via "
                             f"shape inference, but saw shape {first.shape}")
        batch_size = first.shape[0] if first.shape[0] is not None else \
            array_ops.shape(first)[0]
        state = _initial_state(cell, initial_state, batch_size, dtype, "static_rnn")
        lengths = zero_output = None
        if sequence_length is not None:
            lengths = _sequence_length(sequence_length)
            zero_output = _zero_output(cell, batch_size, _flatten(state)[0].dtype)
        for time, input_ in enumerate(inputs):
            if time > 0:
                varscope.reuse_variables()
            output, new_state = cell(input_, state)
            if lengths is not None:
                output, new_state = _masked_step(time, lengths, zero_output, state, output,
                                                 new_state)
            state = new_state
            outputs.append(output)
    return outputs, state


def _static_steps(flat_input: list[Tensor], time_axis: int) -> int:
    steps = None
    for x in flat_input:
        if x.shape.rank is None or x.shape.rank < 2:
            raise ValueError(f"dynamic_rnn: inputs must have rank at least 2 ([batch, time, "
                             f"...] or time-major), saw shape {x.shape}")
        if x.shape[time_axis] is None:
            raise ValueError(
                f"dynamic_rnn: graphjit unrolls the time dimension when it builds the "
                f"graph, so that dimension must be known statically; got inputs of shape "
                f"{x.shape} with an unknown time dimension (axis {time_axis}). Give the "
                f"placeholder a fixed number of steps (pad the sequences and pass "
                f"sequence_length).")
        if steps is not None and x.shape[time_axis] != steps:
            raise ValueError(f"dynamic_rnn: all inputs must have the same number of time "
                             f"steps, saw {steps} and {x.shape[time_axis]}")
        steps = x.shape[time_axis]
    if steps == 0:
        raise ValueError("dynamic_rnn: the inputs have no time steps")
    return steps


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """`tf.nn.dynamic_rnn`: the cell run over the time axis of `inputs` ([batch, time,
    depth], or [time, batch, depth] with time_major), unrolled at build time; returns
    (outputs of the same layout, final state). `parallel_iterations` and `swap_memory`
    are accepted and have no effect."""
    _check_cell(cell)
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    with variable_scope(scope or "rnn"):
        flat_input = [convert_to_tensor(x) for x in _flatten(inputs)]
        steps = _static_steps(flat_input, time_axis)
        lengths = None if sequence_length is None else _sequence_length(sequence_length)
        first = flat_input[0]
        batch_size = first.shape[batch_axis] if first.shape[batch_axis] is not None else \
            array_ops.shape(first)[batch_axis]
        state = _initial_state(cell, initial_state, batch_size, dtype, "dynamic_rnn")
        zero_output = None
        if lengths is not None:
            zero_output = _zero_output(cell, batch_size, _flatten(state)[0].dtype)
        per_step = [array_ops.unstack(x, num=steps, axis=time_axis) for x in flat_input]
        outputs = []
        for time in range(steps):
            input_t = _pack_as(inputs, [xs[time] for xs in per_step])
            _UNROLL_STEP.append(time)
            try:
                output, new_state = cell(input_t, state)
            finally:
                _UNROLL_STEP.pop()
            if lengths is not None:
                output, new_state = _masked_step(time, lengths, zero_output, state, output,
                                                 new_state)
            state = new_state
            outputs.append(output)
        stacked = [array_ops.stack(list(step_outputs), axis=time_axis)
                   for step_outputs in zip(*(_flatten(o) for o in outputs))]
        return _pack_as(outputs[0], stacked), state


def _reverse_time(inputs, lengths, time_axis: int, batch_axis: int):
    def reverse(x):
        if lengths is None:
            return array_ops.reverse(x, axis=[time_axis])
        return reverse_sequence(x, lengths, seq_axis=time_axis, batch_axis=batch_axis)

    return _map(reverse, inputs)


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory=False,
                              time_major=False, scope=None):
    """`tf.nn.bidirectional_dynamic_rnn`: a forward dynamic_rnn (scope "fw") and one over
    the time-reversed inputs (scope "bw", each sequence reversed within its length);
    returns ((output_fw, output_bw), (state_fw, state_bw)), output_bw in forward time."""
    _check_cell(cell_fw, "cell_fw")
    _check_cell(cell_bw, "cell_bw")
    time_axis, batch_axis = (0, 1) if time_major else (1, 0)
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(
                cell_fw, inputs, sequence_length=sequence_length,
                initial_state=initial_state_fw, dtype=dtype, time_major=time_major,
                scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_time(inputs, sequence_length, time_axis, batch_axis)
            reversed_output, state_bw = dynamic_rnn(
                cell_bw, reversed_inputs, sequence_length=sequence_length,
                initial_state=initial_state_bw, dtype=dtype, time_major=time_major,
                scope=bw_scope)
    output_bw = _reverse_time(reversed_output, sequence_length, time_axis, batch_axis)
    return (output_fw, output_bw), (state_fw, state_bw)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """`tf.nn.static_bidirectional_rnn`: static_rnn forward (scope "fw") and over the
    reversed inputs (scope "bw"); returns (outputs, state_fw, state_bw) with each output
    the concatenation [forward, backward] along the last axis."""
    _check_cell(cell_fw, "cell_fw")
    _check_cell(cell_bw, "cell_bw")
    if not _is_sequence(inputs):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype,
                                             sequence_length, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            reversed_inputs = _reverse_list(inputs, sequence_length)
            tmp, state_bw = static_rnn(cell_bw, reversed_inputs, initial_state_bw, dtype,
                                       sequence_length, scope=bw_scope)
    output_bw = _reverse_list(tmp, sequence_length)
    outputs = [_map(lambda fw, bw: array_ops.concat([fw, bw], 1), fw, bw)
               for fw, bw in zip(output_fw, output_bw)]
    return outputs, state_fw, state_bw


def _reverse_list(inputs: list, lengths) -> list:
    """TF's _reverse_seq: the list reversed, or with lengths each sequence reversed
    within its own length (via reverse_sequence on the stacked steps)."""
    if lengths is None:
        return list(reversed(inputs))
    flat_steps = [_flatten(x) for x in inputs]
    reversed_parts = []
    for part in zip(*flat_steps):
        stacked = array_ops.stack(list(part))
        lengths64 = math_ops.cast(convert_to_tensor(lengths), dtypes.int64)
        flipped = reverse_sequence(stacked, lengths64, seq_axis=0, batch_axis=1)
        reversed_parts.append(array_ops.unstack(flipped, num=len(inputs)))
    return [_pack_as(inputs[t], [part[t] for part in reversed_parts])
            for t in range(len(inputs))]


def _namespace() -> types.ModuleType:
    module = types.ModuleType("graphjit.nn.rnn_cell", "`tf.nn.rnn_cell`: TF1's RNN cells.")
    for cls in (RNNCell, BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell,
                DropoutWrapper, ResidualWrapper, LSTMStateTuple):
        setattr(module, cls.__name__, cls)
    return module


rnn_cell = _namespace()
