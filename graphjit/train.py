"""`gj.train`: TF1's optimizers, the global step and learning-rate schedules.

An Optimizer turns (gradient, variable) pairs into one training op. Each optimizer's update
is written with the public math builders and the variables' assign ops (nothing fused), so
the compiler sees ordinary graph; the arithmetic follows TF1's CPU kernels
(ApplyGradientDescent, ApplyMomentum, ApplyAdam, ApplyRMSProp, ApplyCenteredRMSProp)
term by term so results agree with TensorFlow to float32 rounding. Slot variables
("w/Adam", "w/Adam_1", "w/Momentum", "w/RMSProp", ...) and non-slot variables
("beta1_power", "beta2_power") are non-trainable global variables named as TF names them.

Where graphjit differs from TF1 on purpose: `use_locking` is accepted and ignored (a
Session run commits all its writes at once); every variable update waits for every
gradient of the same `apply_gradients` (TF1 gates per op by default), so a gradient that
reads another variable always sees the value from before the step, in any executor.

Checkpoints and `write_graph` live elsewhere; the facade re-exports them here, as it does
`Coordinator` and `start_queue_runners` (graphjit.misc).

May import: graphjit.graphlib.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .graphlib import dtypes
from .graphlib.gradients import explain_no_gradient, gradients
from .graphlib.graph import GraphKeys, Operation, Tensor, get_default_graph
from .graphlib.ops import math as _math
from .graphlib.ops.core import convert_to_tensor, group, tuple_
from .graphlib.ops.state import Variable
from .graphlib.serialization import write_graph
from .misc import Coordinator, start_queue_runners
from .runtime.checkpoint import (
    Saver,
    checkpoint_exists,
    get_checkpoint_state,
    latest_checkpoint,
    list_variables,
)

_VALID_DTYPES = (dtypes.float32, dtypes.float64)


def _cast(x: Tensor, dtype) -> Tensor:
    """`tf.cast`, which returns `x` itself when the dtype already matches."""
    return x if x.dtype == dtype else _math.cast(x, dtype)


def _call_if_callable(value):
    return value() if callable(value) else value


def _assert_valid_dtypes(tensors: Iterable) -> None:
    for t in tensors:
        if t.dtype not in _VALID_DTYPES:
            raise ValueError(f"Invalid type {t.dtype!r} for {t.name}, expected: "
                             f"{list(_VALID_DTYPES)}.")


class Optimizer:
    """`tf.train.Optimizer`: the base class; subclasses define the per-variable update.

    Subclass hooks, as in TF1: `_create_slots(var_list)`, `_prepare()` (converts
    hyper-parameters to tensors once per `apply_gradients`), `_apply_dense(grad, var)`
    (one variable's update) and `_finish(update_ops, name)` (the op that groups them).
    """

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking: bool, name: str):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        # slot name -> {variable's handle op -> slot Variable}
        self._slots: dict[str, dict[Operation, Variable]] = {}
        # (name, graph) -> Variable, for state shared by all variables (Adam's beta powers)
        self._non_slot_dict: dict[tuple, Variable] = {}

    def get_name(self) -> str:
        return self._name

    # -- the public protocol ------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None) -> Operation:
        """Adds ops that compute the gradients of `loss` and apply them to `var_list`."""
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients,
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        if not any(g is not None for g, _ in grads_and_vars):
            reasons = "\n".join(explain_no_gradient(loss, v) for _, v in grads_and_vars)
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not "
                "support gradients, between variables "
                f"{[str(v) for _, v in grads_and_vars]} and loss {loss}.\n{reasons}")
        return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None) -> list[tuple]:
        """[(gradient, variable)] for `loss`; the gradient is None where unconnected."""
        if gate_gradients not in (Optimizer.GATE_NONE, Optimizer.GATE_OP,
                                  Optimizer.GATE_GRAPH):
            raise ValueError("gate_gradients must be one of: Optimizer.GATE_NONE, "
                             f"Optimizer.GATE_OP, Optimizer.GATE_GRAPH.  Not {gate_gradients}")
        loss = convert_to_tensor(_call_if_callable(loss))
        _assert_valid_dtypes([loss])
        if grad_loss is not None:
            grad_loss = convert_to_tensor(grad_loss, dtype=loss.dtype)
        if var_list is None:
            var_list = loss.graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        else:
            var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"var_list must contain Variables, got {v!r}")
        grads = gradients(loss, var_list, grad_ys=grad_loss,
                          aggregation_method=aggregation_method,
                          colocate_gradients_with_ops=colocate_gradients_with_ops)
        if gate_gradients == Optimizer.GATE_GRAPH:
            grads = tuple_(grads)
        grads_and_vars = list(zip(grads, var_list))
        _assert_valid_dtypes([v for g, v in grads_and_vars if g is not None])
        return grads_and_vars

    def apply_gradients(self, grads_and_vars, global_step=None, name=None) -> Operation:
        """One op that applies the gradients (None gradients are skipped) and then, if
        `global_step` is given, increments it."""
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted = []
        for g, v in grads_and_vars:
            if not isinstance(v, Variable):
                raise TypeError(f"Trying to update a {type(v).__name__} ({v!r}): "
                                "apply_gradients updates Variables only.")
            if g is not None:
                try:
                    g = convert_to_tensor(g)
                except (TypeError, ValueError) as e:
                    raise TypeError("Gradient must be convertible to a Tensor or None: "
                                    f"{g!r}") from e
                if g.dtype != v.dtype:
                    raise TypeError(f"Gradient {g.name} has dtype {g.dtype.name} but variable "
                                    f"{v.name} has dtype {v.dtype.name}")
            converted.append((g, v))
        var_list = [v for g, v in converted if g is not None]
        if not var_list:
            raise ValueError("No gradients provided for any variable: "
                             f"{[str(v) for _, v in converted]}.")
        graph = var_list[0].graph
        with graph.control_dependencies(None), graph.as_default():
            self._create_slots(var_list)
        grad_tensors = [g for g, _ in converted if g is not None]
        with graph.as_default(), graph.name_scope(name or self._name) as scope:
            self._prepare()
            # Every gradient is computed before any variable changes, so a gradient that
            # reads another variable (d(w*b)/db = w) sees the value from before the step.
            update_ops = []
            with graph.control_dependencies(grad_tensors):
                for g, v in converted:
                    if g is None:
                        continue
                    with graph.name_scope("update_" + v.op.name):
                        update_ops.append(self._apply_dense(g, v))
            if global_step is None:
                apply_updates = self._finish(update_ops, scope)
            else:
                with graph.control_dependencies([self._finish(update_ops, "update")]):
                    apply_updates = global_step.assign_add(
                        np.ones((), global_step.dtype.np), name=scope, read_value=False)
            train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
            if apply_updates not in train_ops:
                train_ops.append(apply_updates)
        return apply_updates

    def get_slot(self, var, name: str) -> Variable | None:
        """The slot variable `name` ("m", "momentum", "rms", ...) made for `var`, or None."""
        return self._slots.get(name, {}).get(var.op)

    def get_slot_names(self) -> list[str]:
        return sorted(self._slots)

    def variables(self) -> list[Variable]:
        """Every variable this optimizer created (slots and non-slot state)."""
        found = [v for slots in self._slots.values() for v in slots.values()]
        found += list(self._non_slot_dict.values())
        return sorted(found, key=lambda v: v.name)

    # -- helpers for subclasses ---------------------------------------------------------
    def _slot(self, var: Variable, slot_name: str, fill: float) -> Variable:
        """The slot `slot_name` of `var`, made on first use as a non-trainable variable
        named "<var>/<optimizer name>" (TF's naming: later slots get "_1", "_2")."""
        slots = self._slots.setdefault(slot_name, {})
        slot = slots.get(var.op)
        if slot is None:
            graph = var.graph
            initial = np.full(var.shape.as_list(), fill, dtype=var.dtype.np)
            with graph.name_scope(None):
                slot = Variable(initial, trainable=False, name=f"{var.op.name}/{self._name}")
            slots[var.op] = slot
        return slot

    def _non_slot_variable(self, initial_value: float, name: str, like: Variable
                           ) -> Variable:
        """A scalar variable shared by all the variables of one graph (e.g. beta1_power)."""
        key = (name, like.graph)
        v = self._non_slot_dict.get(key)
        if v is None:
            v = Variable(np.asarray(initial_value, dtype=like.dtype.np), trainable=False,
                         name=name)
            self._non_slot_dict[key] = v
        return v

    def _hyper(self, value, name: str) -> Tensor:
        """A hyper-parameter as a tensor (TF converts Python numbers to float32 once)."""
        return convert_to_tensor(_call_if_callable(value), name=name)

    # -- hooks --------------------------------------------------------------------------
    def _create_slots(self, var_list: Sequence[Variable]) -> None:
        """Makes the slot variables; called with the default graph's root scope."""

    def _prepare(self) -> None:
        """Converts the hyper-parameters to tensors, inside the optimizer's name scope."""

    def _apply_dense(self, grad: Tensor, var: Variable):
        raise TypeError(f"{type(self).__name__} does not define an update rule")

    def _finish(self, update_ops: list, name_scope: str) -> Operation:
        return group(*update_ops, name=name_scope)


class GradientDescentOptimizer(Optimizer):
    """`tf.train.GradientDescentOptimizer`: var -= learning_rate * grad."""

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self) -> None:
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        lr = _cast(self._learning_rate_tensor, var.dtype)
        return group(var.assign_sub(_math.multiply(grad, lr), read_value=False),
                     name="ResourceApplyGradientDescent")


class MomentumOptimizer(Optimizer):
    """`tf.train.MomentumOptimizer`: accum = accum * momentum + grad, then
    var -= lr * accum, or with Nesterov var -= grad * lr + accum * momentum * lr."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "momentum", 0.0)

    def _prepare(self) -> None:
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")
        self._momentum_tensor = self._hyper(self._momentum, "momentum")

    def _apply_dense(self, grad, var):
        m = _math
        lr = _cast(self._learning_rate_tensor, var.dtype)
        momentum = _cast(self._momentum_tensor, var.dtype)
        accum = self.get_slot(var, "momentum")
        accum_t = accum.assign(m.add(m.multiply(accum.value(), momentum), grad))
        if self._use_nesterov:
            step = m.add(m.multiply(grad, lr), m.multiply(m.multiply(accum_t, momentum), lr))
        else:
            step = m.multiply(accum_t, lr)
        return group(var.assign_sub(step, read_value=False), name="ResourceApplyMomentum")


class AdamOptimizer(Optimizer):
    """`tf.train.AdamOptimizer` (TF1): with beta1_power, beta2_power the running powers,
    lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power);
    m += (g - m) * (1 - beta1); v += (g*g - v) * (1 - beta2);
    var -= m * lr_t / (sqrt(v) + epsilon); then the powers are multiplied by the betas."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08,
                 use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr, self._beta1, self._beta2, self._epsilon = learning_rate, beta1, beta2, epsilon

    def _get_beta_accumulators(self) -> tuple[Variable, Variable]:
        graph = get_default_graph()
        return (self._non_slot_dict[("beta1_power", graph)],
                self._non_slot_dict[("beta2_power", graph)])

    def _create_slots(self, var_list):
        first_var = min(var_list, key=lambda v: v.name)
        self._non_slot_variable(_call_if_callable(self._beta1), "beta1_power", first_var)
        self._non_slot_variable(_call_if_callable(self._beta2), "beta2_power", first_var)
        for v in var_list:
            self._slot(v, "m", 0.0)
            self._slot(v, "v", 0.0)

    def _prepare(self) -> None:
        self._lr_t = self._hyper(self._lr, "learning_rate")
        self._beta1_t = self._hyper(self._beta1, "beta1")
        self._beta2_t = self._hyper(self._beta2, "beta2")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        m = _math
        dtype = var.dtype
        beta1_power, beta2_power = self._get_beta_accumulators()
        b1p = _cast(beta1_power.value(), dtype)
        b2p = _cast(beta2_power.value(), dtype)
        lr = _cast(self._lr_t, dtype)
        beta1 = _cast(self._beta1_t, dtype)
        beta2 = _cast(self._beta2_t, dtype)
        epsilon = _cast(self._epsilon_t, dtype)
        one = convert_to_tensor(1, dtype=dtype)
        alpha = m.divide(m.multiply(lr, m.sqrt(m.subtract(one, b2p))), m.subtract(one, b1p))
        m_slot, v_slot = self.get_slot(var, "m"), self.get_slot(var, "v")
        m_t = m_slot.assign_add(m.multiply(m.subtract(grad, m_slot.value()),
                                           m.subtract(one, beta1)))
        v_t = v_slot.assign_add(m.multiply(m.subtract(m.square(grad), v_slot.value()),
                                           m.subtract(one, beta2)))
        step = m.divide(m.multiply(m_t, alpha), m.add(m.sqrt(v_t), epsilon))
        return group(var.assign_sub(step, read_value=False), name="ResourceApplyAdam")

    def _finish(self, update_ops, name_scope):
        graph = get_default_graph()
        with graph.control_dependencies(update_ops):
            beta1_power, beta2_power = self._get_beta_accumulators()
            update_beta1 = beta1_power.assign(
                _math.multiply(beta1_power.value(), _cast(self._beta1_t, beta1_power.dtype)),
                read_value=False)
            update_beta2 = beta2_power.assign(
                _math.multiply(beta2_power.value(), _cast(self._beta2_t, beta2_power.dtype)),
                read_value=False)
        return group(*update_ops, update_beta1, update_beta2, name=name_scope)


class RMSPropOptimizer(Optimizer):
    """`tf.train.RMSPropOptimizer` (TF1): the "rms" slot starts at ones;
    ms += (g*g - ms) * (1 - decay);
    mom = mom * momentum + lr * g * rsqrt(ms + epsilon)  (centered: mg += (g - mg) *
    (1 - decay) and mom = mom * momentum + lr * g / sqrt(ms + epsilon - mg*mg));
    var -= mom."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate, self._decay = learning_rate, decay
        self._momentum, self._epsilon, self._centered = momentum, epsilon, centered

    def _create_slots(self, var_list):
        # Creation order fixes the names: rms "w/RMSProp", then mg, then momentum.
        for v in var_list:
            self._slot(v, "rms", 1.0)
            if self._centered:
                self._slot(v, "mg", 0.0)
            self._slot(v, "momentum", 0.0)

    def _prepare(self) -> None:
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")
        self._decay_tensor = self._hyper(self._decay, "decay")
        self._momentum_tensor = self._hyper(self._momentum, "momentum")
        self._epsilon_tensor = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        m = _math
        dtype = var.dtype
        lr = _cast(self._learning_rate_tensor, dtype)
        rho = _cast(self._decay_tensor, dtype)
        momentum = _cast(self._momentum_tensor, dtype)
        epsilon = _cast(self._epsilon_tensor, dtype)
        one_minus_rho = m.subtract(convert_to_tensor(1, dtype=dtype), rho)
        rms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        ms_t = rms.assign_add(m.multiply(m.subtract(m.square(grad), rms.value()),
                                         one_minus_rho))
        if self._centered:
            mg = self.get_slot(var, "mg")
            mg_t = mg.assign_add(m.multiply(m.subtract(grad, mg.value()), one_minus_rho))
            denom = m.subtract(m.add(ms_t, epsilon), m.square(mg_t))
            scaled = m.divide(m.multiply(lr, grad), m.sqrt(denom))
            name = "ResourceApplyCenteredRMSProp"
        else:
            scaled = m.multiply(m.multiply(m.rsqrt(m.add(ms_t, epsilon)), lr), grad)
            name = "ResourceApplyRMSProp"
        mom_t = mom.assign(m.add(m.multiply(mom.value(), momentum), scaled))
        return group(var.assign_sub(mom_t, read_value=False), name=name)


# -- global step ---------------------------------------------------------------------------


def _assert_global_step(step) -> None:
    if not isinstance(step, (Variable, Tensor)):
        raise TypeError(f'Existing "global_step" must be a Variable or Tensor: {step}.')
    if not step.dtype.is_integer:
        raise TypeError(f'Existing "global_step" does not have integer type: {step.dtype}')
    if step.shape.rank != 0:
        raise TypeError(f'Existing "global_step" is not scalar: {step.shape}')


def get_global_step(graph=None):
    """`tf.train.get_global_step`: the global step variable of `graph`, or None."""
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) > 1:
        return None
    if not found:
        found = [v for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES)
                 if v.name == "global_step:0"]
        if not found:
            return None
    _assert_global_step(found[0])
    return found[0]


def create_global_step(graph=None) -> Variable:
    """`tf.train.create_global_step`: a scalar int64 variable "global_step" starting at 0."""
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    with graph.as_default(), graph.name_scope(None), graph.control_dependencies(None):
        return Variable(np.zeros((), np.int64), trainable=False, name="global_step",
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None) -> Variable:
    """`tf.train.get_or_create_global_step`."""
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def global_step(sess, global_step_tensor) -> int:
    """`tf.train.global_step`: the step's current value as a Python int."""
    return int(sess.run(global_step_tensor))


# -- learning-rate schedules ---------------------------------------------------------------


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None) -> Tensor:
    """`tf.train.exponential_decay`: learning_rate * decay_rate ** (global_step /
    decay_steps), the exponent floored when `staircase`."""
    if global_step is None:
        raise ValueError("global_step is required for exponential_decay.")
    graph = get_default_graph()
    with graph.name_scope(name or "ExponentialDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="learning_rate")
        dtype = lr.dtype
        steps = _cast(convert_to_tensor(decay_steps), dtype)
        rate = _cast(convert_to_tensor(decay_rate), dtype)
        p = _math.divide(_cast(convert_to_tensor(global_step), dtype), steps)
        if staircase:
            p = _math.floor(p)
        return _math.multiply(lr, _math.pow(rate, p), name=scope)


# -- more optimizers, moving averages and schedules (TF1 breadth) -------------------------


class AdagradOptimizer(Optimizer):
    """`tf.train.AdagradOptimizer` (TF's ApplyAdagrad): the "accumulator" slot starts at
    `initial_accumulator_value`; accum += g * g; var -= g * lr * rsqrt(accum)."""

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError("initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accumulator", self._initial_accumulator_value)

    def _prepare(self) -> None:
        self._learning_rate_tensor = self._hyper(self._learning_rate, "learning_rate")

    def _apply_dense(self, grad, var):
        m = _math
        lr = _cast(self._learning_rate_tensor, var.dtype)
        acc_t = self.get_slot(var, "accumulator").assign_add(m.square(grad))
        step = m.multiply(m.multiply(grad, lr), m.rsqrt(acc_t))
        return group(var.assign_sub(step, read_value=False), name="ResourceApplyAdagrad")


class AdadeltaOptimizer(Optimizer):
    """`tf.train.AdadeltaOptimizer` (TF's ApplyAdadelta), slots "accum" and
    "accum_update" start at zero: accum = accum * rho + g*g * (1 - rho);
    update = sqrt(accum_update + eps) * rsqrt(accum + eps) * g; var -= update * lr;
    accum_update = accum_update * rho + update*update * (1 - rho)."""

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-08, use_locking=False,
                 name="Adadelta"):
        super().__init__(use_locking, name)
        self._lr, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._slot(v, "accum", 0.0)
            self._slot(v, "accum_update", 0.0)

    def _prepare(self) -> None:
        self._lr_t = self._hyper(self._lr, "lr")
        self._rho_t = self._hyper(self._rho, "rho")
        self._epsilon_t = self._hyper(self._epsilon, "epsilon")

    def _apply_dense(self, grad, var):
        m = _math
        dtype = var.dtype
        lr, rho = _cast(self._lr_t, dtype), _cast(self._rho_t, dtype)
        epsilon = _cast(self._epsilon_t, dtype)
        one_minus_rho = m.subtract(convert_to_tensor(1, dtype=dtype), rho)
        accum, accum_update = self.get_slot(var, "accum"), self.get_slot(var, "accum_update")
        accum_t = accum.assign(m.add(m.multiply(accum.value(), rho),
                                     m.multiply(m.square(grad), one_minus_rho)))
        update = m.multiply(m.multiply(m.sqrt(m.add(accum_update.value(), epsilon)),
                                       m.rsqrt(m.add(accum_t, epsilon))), grad)
        update_var = var.assign_sub(m.multiply(update, lr), read_value=False)
        update_accum = accum_update.assign(
            m.add(m.multiply(accum_update.value(), rho),
                  m.multiply(m.square(update), one_minus_rho)), read_value=False)
        return group(update_var, update_accum, name="ResourceApplyAdadelta")





def _state_variable(initial_value, name: str) -> Variable:
    """A non-trainable global variable made at the root scope, outside any control
    dependencies (TF's init_scope), as TF makes slots."""
    graph = get_default_graph()
    with graph.name_scope(None), graph.control_dependencies(None):
        return Variable(initial_value, trainable=False, name=name)


def _assign_moving_average(variable: Variable, value, decay: Tensor, zero_debias: bool,
                           ) -> Tensor:
    """TF's assign_moving_average: variable -= (variable - value) * (1 - decay), or with
    `zero_debias` the bias-corrected average kept in "<variable>/biased" and
    "<variable>/local_step"."""
    graph = get_default_graph()
    with graph.name_scope("AssignMovingAvg") as scope:
        decay = _math.subtract(1.0, decay)
        decay = _cast(decay, variable.dtype)
        if not zero_debias:
            return variable.assign_sub(_math.multiply(_math.subtract(variable, value), decay),
                                       name=scope)
        prefix = variable.op.name
        biased = _state_variable(np.zeros(variable.shape.as_list(), variable.dtype.np),
                                 f"{prefix}/biased")
        local_step = _state_variable(np.zeros((), variable.dtype.np), f"{prefix}/local_step")
        update_biased = biased.assign_sub(_math.multiply(_math.subtract(biased, value), decay))
        update_local_step = local_step.assign_add(np.ones((), variable.dtype.np))
        bias_factor = _math.subtract(1.0, _math.pow(_math.subtract(1.0, decay),
                                                     update_local_step))
        return variable.assign(_math.divide(update_biased, bias_factor), name=scope)


class ExponentialMovingAverage:
    """`tf.train.ExponentialMovingAverage`: `apply(var_list)` makes a shadow variable
    "<var>/ExponentialMovingAverage" per variable (starting at the variable's initial
    value; at zero for a tensor) and returns the op that moves each shadow towards its
    variable: shadow -= (shadow - var) * (1 - decay), where decay is
    min(decay, (1 + num_updates) / (10 + num_updates)) when `num_updates` is given."""

    def __init__(self, decay, num_updates=None, zero_debias=False,
                 name="ExponentialMovingAverage"):
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages: dict = {}

    @property
    def name(self) -> str:
        return self._name

    def apply(self, var_list=None) -> Operation:
        """Creates the shadow variables (once per variable) and returns the update op."""
        graph = get_default_graph()
        if var_list is None:
            var_list = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        var_list = list(var_list)
        zero_debias: set = set()
        for var in var_list:
            if var.dtype not in _VALID_DTYPES:
                raise TypeError(f"The variables must be half, float, or double: {var.name}")
            if var in self._averages:
                continue
            if isinstance(var, Variable):
                avg = _state_variable(var.initial_value, f"{var.op.name}/{self._name}")
                graph.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, var)
            else:
                avg = _state_variable(np.zeros(var.shape.as_list(), var.dtype.np),
                                      f"{var.op.name}/{self._name}")
                if self._zero_debias:
                    zero_debias.add(avg)
            self._averages[var] = avg
        with graph.name_scope(self._name) as scope:
            decay = convert_to_tensor(self._decay, dtype=dtypes.float32, name="decay")
            if self._num_updates is not None:
                num_updates = _math.cast(self._num_updates, dtypes.float32,
                                         name="num_updates")
                decay = _math.minimum(decay, _math.divide(_math.add(1.0, num_updates),
                                                          _math.add(10.0, num_updates)))
            updates = [_assign_moving_average(self._averages[var], var, decay,
                                              self._averages[var] in zero_debias)
                       for var in var_list]
            return group(*updates, name=scope)

    def average(self, var) -> Variable | None:
        """The shadow variable of `var`, or None when `var` has none."""
        return self._averages.get(var)

    def average_name(self, var) -> str:
        """The name of `var`'s shadow variable, whether or not `apply` has made it."""
        if var in self._averages:
            return self._averages[var].op.name
        return get_default_graph().unique_name(f"{var.op.name}/{self._name}",
                                               mark_as_used=False)

    def variables_to_restore(self, moving_avg_variables=None) -> dict:
        """{restore name: variable}: averaged variables restore from their shadows' names,
        every other global variable from its own name (for `Saver(ema.variables_to_restore())`)."""
        graph = get_default_graph()
        if moving_avg_variables is None:
            moving_avg_variables = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES) + \
                graph.get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES)
        moving = list(dict.fromkeys(moving_avg_variables))
        name_map = {self.average_name(v): v for v in moving}
        moving_names = {v.name for v in moving}
        for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES):
            if v.name not in moving_names and v.op.name not in name_map:
                name_map[v.op.name] = v
        return name_map


def _need_step(global_step, what: str) -> None:
    if global_step is None:
        raise ValueError(f"global_step is required for {what}.")


def piecewise_constant(x, boundaries, values, name=None) -> Tensor:
    """`tf.train.piecewise_constant`: values[0] for x <= boundaries[0], values[i] for
    boundaries[i-1] < x <= boundaries[i], values[-1] beyond the last boundary."""
    from .graphlib.control_flow import case
    from .graphlib.graph import flatten_nested

    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of "
                         "values")
    graph = get_default_graph()
    with graph.name_scope(name or "PiecewiseConstant"):
        bounds = [convert_to_tensor(b) for b in flatten_nested(boundaries)]
        vals = [convert_to_tensor(v) for v in flatten_nested(values)]
        x = convert_to_tensor(x)
        bounds = [_cast(b, x.dtype) for b in bounds]
        pairs = [(_math.less_equal(x, bounds[0]), lambda: vals[0]),
                 (_math.greater(x, bounds[-1]), lambda: vals[-1])]
        for low, high, v in zip(bounds[:-1], bounds[1:], vals[1:-1]):
            pred = _math.logical_and(_math.greater(x, low), _math.less_equal(x, high))
            pairs.append((pred, lambda v=v: v))
        return case(pairs, lambda: vals[0], exclusive=True)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None) -> Tensor:
    """`tf.train.polynomial_decay`: (lr - end) * (1 - step / decay_steps) ** power + end,
    the step clipped to decay_steps, or with `cycle` decay_steps stretched to the next
    multiple above the step."""
    _need_step(global_step, "polynomial_decay")
    graph = get_default_graph()
    with graph.name_scope(name or "PolynomialDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dtype = lr.dtype
        end = _cast(convert_to_tensor(end_learning_rate), dtype)
        power_t = _cast(convert_to_tensor(power), dtype)
        step = _cast(convert_to_tensor(global_step), dtype)
        steps = _cast(convert_to_tensor(decay_steps), dtype)
        if cycle:
            multiplier = _math.where_v2(_math.equal(step, 0), 1.0,
                                        _math.ceil(_math.divide(step, decay_steps)))
            steps = _math.multiply(steps, multiplier)
        else:
            step = _math.minimum(step, steps)
        p = _math.divide(step, steps)
        return _math.add(_math.multiply(_math.subtract(lr, end),
                                        _math.pow(_math.subtract(1, p), power_t)),
                         end, name=scope)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None) -> Tensor:
    """`tf.train.natural_exp_decay`: lr * exp(-decay_rate * step / decay_steps) (the
    exponent floored when `staircase`), as TF: an exponential decay with rate
    exp(-decay_rate)."""
    _need_step(global_step, "natural_exp_decay")
    natural_exp_rate = _math.exp(_math.negative(decay_rate))
    return exponential_decay(learning_rate, global_step, decay_steps, natural_exp_rate,
                             staircase=staircase, name=name)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None) -> Tensor:
    """`tf.train.inverse_time_decay`: lr / (1 + decay_rate * step / decay_steps), the
    quotient floored when `staircase`."""
    _need_step(global_step, "inverse_time_decay")
    graph = get_default_graph()
    with graph.name_scope(name or "InverseTimeDecay") as scope:
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dtype = lr.dtype
        steps = _cast(convert_to_tensor(decay_steps), dtype)
        rate = _cast(convert_to_tensor(decay_rate), dtype)
        p = _math.divide(_cast(convert_to_tensor(global_step), dtype), steps)
        if staircase:
            p = _math.floor(p)
        denom = _math.add(_cast(convert_to_tensor(1), dtype), _math.multiply(rate, p))
        return _math.divide(lr, denom, name=scope)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None) -> Tensor:
    """`tf.train.cosine_decay`: lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step,
    decay_steps) / decay_steps)) + alpha)."""
    _need_step(global_step, "cosine_decay")
    graph = get_default_graph()
    with graph.name_scope(name or "CosineDecay"):
        lr = convert_to_tensor(learning_rate, name="initial_learning_rate")
        dtype = lr.dtype
        steps = _cast(convert_to_tensor(decay_steps), dtype)
        step = _math.minimum(_cast(convert_to_tensor(global_step), dtype), steps)
        completed_fraction = _math.divide(step, steps)
        cosine_decayed = _math.multiply(0.5, _math.add(1.0, _math.cos(_math.multiply(
            convert_to_tensor(np.float32(np.pi)), completed_fraction))))
        decayed = _math.add(_math.multiply(1 - alpha, cosine_decayed), alpha)
        return _math.multiply(lr, decayed)


__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "get_global_step", "create_global_step",
           "get_or_create_global_step", "global_step", "exponential_decay", "Saver",
           "latest_checkpoint", "get_checkpoint_state", "checkpoint_exists", "list_variables",
           "write_graph", "AdagradOptimizer", "AdadeltaOptimizer", "ExponentialMovingAverage",
           "piecewise_constant", "polynomial_decay", "natural_exp_decay",
           "inverse_time_decay", "cosine_decay", "Coordinator", "start_queue_runners"]
