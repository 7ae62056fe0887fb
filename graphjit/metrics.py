"""`gj.metrics`: TF1's streaming metrics (`tf.metrics`), and `get_local_variable`.

Each metric keeps running totals in local variables (collections LOCAL_VARIABLES and
"metric_variables", not trainable, zeros until `local_variables_initializer()` runs, which
also resets them) and returns `(value, update_op)`: `update_op` adds one batch to the
totals and evaluates to the updated metric; `value` reads the metric from the totals
without changing them. The graphs are built as TF1's metrics_impl.py builds them (the
same ops in the same order, so the float32 results agree): accuracy, mean,
mean_absolute_error and mean_squared_error over `mean`'s total/count; precision and
recall over true/false positive/negative counts; auc over confusion matrices at
`num_thresholds` thresholds (ROC or PR curve, trapezoidal, minoring or majoring sums).

`get_local_variable` is TF's `get_variable` into LOCAL_VARIABLES, not trainable; it lives
here, next to the metrics' own local variables, because graphlib/variable_scope.py (where
TF keeps it) is not this module's to change.

May import: graphjit.graphlib and graphjit.debugging.
"""

from __future__ import annotations

from . import debugging
from .graphlib import dtypes
from .graphlib.graph import GraphKeys, Tensor, control_dependencies, get_default_graph
from .graphlib.ops import array as array_ops
from .graphlib.ops import math as math_ops
from .graphlib.ops import reduce as reduce_ops
from .graphlib.ops.core import constant, convert_to_tensor, identity
from .graphlib.ops.extra import div_no_nan
from .graphlib.ops.state import Variable, assign_add
from .graphlib.variable_scope import get_variable, variable_scope

METRIC_VARIABLES = GraphKeys.METRIC_VARIABLES


def get_local_variable(name: str, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, caching_device=None,
                       partitioner=None, validate_shape=True, use_resource=None,
                       custom_getter=None, constraint=None, synchronization=None,
                       aggregation=None) -> Variable:
    """`tf.get_local_variable`: `get_variable` with the variable in LOCAL_VARIABLES (and
    `collections`), never trainable."""
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape=shape, dtype=dtype, initializer=initializer,
                        regularizer=regularizer, trainable=False, collections=collections,
                        caching_device=caching_device, partitioner=partitioner,
                        validate_shape=validate_shape, custom_getter=custom_getter,
                        constraint=constraint)


def metric_variable(shape, dtype, validate_shape=True, name=None) -> Variable:
    """A zero-initialized local variable for a metric's running totals (TF's
    metrics_impl.metric_variable)."""
    return Variable(lambda: array_ops.zeros(shape, dtype), trainable=False,
                    collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES],
                    validate_shape=validate_shape, name=name)


# -- shapes and weights -------------------------------------------------------------------


def _remove_squeezable_dimensions(predictions, labels, weights):
    """TF's rule: a trailing size-1 axis is squeezed from whichever of predictions and
    labels has one axis more; weights are squeezed or expanded to predictions' rank."""
    predictions = convert_to_tensor(predictions)
    if labels is not None:
        labels = convert_to_tensor(labels)
        p_rank, l_rank = predictions.shape.rank, labels.shape.rank
        if p_rank is not None and l_rank is not None:
            if p_rank - l_rank == 1 and predictions.shape[-1] in (None, 1):
                predictions = array_ops.squeeze(predictions, [-1])
            elif p_rank - l_rank == -1 and labels.shape[-1] in (None, 1):
                labels = array_ops.squeeze(labels, [-1])
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {predictions.shape} and {labels.shape} are "
                             "incompatible")
    if weights is None:
        return predictions, labels, None
    weights = convert_to_tensor(weights)
    w_rank, p_rank = weights.shape.rank, predictions.shape.rank
    if w_rank == 0 or w_rank is None or p_rank is None:
        return predictions, labels, weights
    if w_rank - p_rank == 1:
        weights = array_ops.squeeze(weights, [-1])
    elif p_rank - w_rank == 1:
        weights = array_ops.expand_dims(weights, -1)
    return predictions, labels, weights


def _broadcast_weights(weights: Tensor, values: Tensor) -> Tensor:
    """TF's broadcast_weights: the weights as they are when their static shape is the
    values', else weights * ones_like(values)."""
    with get_default_graph().name_scope("broadcast_weights") as scope:
        weights = convert_to_tensor(weights, dtype=values.dtype, name="weights")
        if weights.shape.is_fully_defined() and values.shape.is_fully_defined() and \
                weights.shape.is_compatible_with(values.shape):
            return weights
        return math_ops.multiply(weights, array_ops.ones_like(values), name=scope)


def _maybe_collect(collections, value) -> None:
    if collections:
        get_default_graph().add_to_collections(collections, value)


# -- mean and the metrics over it -----------------------------------------------------------


def mean(values, weights=None, metrics_collections=None, updates_collections=None,
         name=None) -> tuple[Tensor, Tensor]:
    """`tf.metrics.mean`: the (weighted) mean of every value seen since the reset."""
    with variable_scope(name, "mean", (values, weights)):
        values = math_ops.cast(values, dtypes.float32)
        total = metric_variable([], dtypes.float32, name="total")
        count = metric_variable([], dtypes.float32, name="count")
        if weights is None:
            num_values = math_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            values, _, weights = _remove_squeezable_dimensions(values, None, weights)
            weights = _broadcast_weights(math_ops.cast(weights, dtypes.float32), values)
            values = math_ops.multiply(values, weights)
            num_values = reduce_ops.reduce_sum(weights)
        update_total_op = assign_add(total, reduce_ops.reduce_sum(values))
        with control_dependencies([values]):
            update_count_op = assign_add(count, num_values)
        mean_t = div_no_nan(total, math_ops.maximum(count, 0.0), name="value")
        _maybe_collect(metrics_collections, mean_t)
        update_op = div_no_nan(update_total_op, math_ops.maximum(update_count_op, 0.0),
                               name="update_op")
        _maybe_collect(updates_collections, update_op)
        return mean_t, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None) -> tuple[Tensor, Tensor]:
    """`tf.metrics.accuracy`: how often predictions equal labels."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    if labels.dtype != predictions.dtype:
        predictions = math_ops.cast(predictions, labels.dtype)
    is_correct = math_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections,
                name or "accuracy")


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None,
                        updates_collections=None, name=None) -> tuple[Tensor, Tensor]:
    """`tf.metrics.mean_absolute_error`: the mean of |predictions - labels|."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    absolute_errors = math_ops.abs(math_ops.subtract(predictions, labels))
    return mean(absolute_errors, weights, metrics_collections, updates_collections,
                name or "mean_absolute_error")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                       updates_collections=None, name=None) -> tuple[Tensor, Tensor]:
    """`tf.metrics.mean_squared_error`: the mean of (labels - predictions)^2."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    squared_error = math_ops.squared_difference(labels, predictions)
    return mean(squared_error, weights, metrics_collections, updates_collections,
                name or "mean_squared_error")


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None) -> tuple[Tensor, Tensor]:
    """`tf.metrics.root_mean_squared_error`: sqrt of the streaming mean squared error."""
    predictions, labels, weights = _remove_squeezable_dimensions(predictions, labels, weights)
    mse, update_mse_op = mean_squared_error(labels, predictions, weights, None, None,
                                            name or "root_mean_squared_error")
    rmse = math_ops.sqrt(mse)
    _maybe_collect(metrics_collections, rmse)
    update_rmse_op = math_ops.sqrt(update_mse_op)
    _maybe_collect(updates_collections, update_rmse_op)
    return rmse, update_rmse_op


# -- counts: precision and recall -----------------------------------------------------------


def _count_condition(values, weights=None, metrics_collections=None,
                     updates_collections=None) -> tuple[Tensor, Tensor]:
    count = metric_variable([], dtypes.float32, name="count")
    values = math_ops.cast(values, dtypes.float32)
    if weights is not None:
        values = math_ops.multiply(values, math_ops.cast(weights, dtypes.float32))
    value_tensor = identity(count)
    _maybe_collect(metrics_collections, value_tensor)
    update_op = assign_add(count, reduce_ops.reduce_sum(values))
    _maybe_collect(updates_collections, update_op)
    return value_tensor, update_op


def _bool_inputs(labels, predictions, weights):
    return _remove_squeezable_dimensions(math_ops.cast(predictions, dtypes.bool_),
                                         math_ops.cast(labels, dtypes.bool_), weights)


def _counter(kind: str, label_value: bool, prediction_value: bool):
    def metric(labels, predictions, weights=None, metrics_collections=None,
               updates_collections=None, name=None) -> tuple[Tensor, Tensor]:
        with variable_scope(name, kind, (predictions, labels, weights)):
            predictions, labels, weights = _bool_inputs(labels, predictions, weights)
            condition = math_ops.logical_and(math_ops.equal(labels, label_value),
                                             math_ops.equal(predictions, prediction_value))
            return _count_condition(condition, weights, metrics_collections,
                                    updates_collections)
    metric.__name__ = kind
    metric.__doc__ = (f"`tf.metrics.{kind}`: the (weighted) count of labels == "
                      f"{label_value} where predictions == {prediction_value}.")
    return metric


true_positives = _counter("true_positives", True, True)
false_positives = _counter("false_positives", False, True)
false_negatives = _counter("false_negatives", True, False)
true_negatives = _counter("true_negatives", False, False)


def _ratio(kind: str, other):
    def compute(tp, other_count, name):
        total = math_ops.add(tp, other_count)
        return math_ops.where(math_ops.greater(total, 0.0), math_ops.div(tp, total),
                              constant(0.0), name=name)

    def metric(labels, predictions, weights=None, metrics_collections=None,
               updates_collections=None, name=None) -> tuple[Tensor, Tensor]:
        with variable_scope(name, kind, (predictions, labels, weights)):
            predictions, labels, weights = _bool_inputs(labels, predictions, weights)
            tp, tp_update = true_positives(labels, predictions, weights)
            count, count_update = other(labels, predictions, weights)
            value = compute(tp, count, "value")
            _maybe_collect(metrics_collections, value)
            update_op = compute(tp_update, count_update, "update_op")
            _maybe_collect(updates_collections, update_op)
            return value, update_op
    return metric


precision = _ratio("precision", false_positives)
precision.__doc__ = "`tf.metrics.precision`: tp / (tp + fp), 0 before any positive."
recall = _ratio("recall", false_negatives)
recall.__doc__ = "`tf.metrics.recall`: tp / (tp + fn), 0 before any positive label."


# -- auc ------------------------------------------------------------------------------------


def _confusion_matrix_at_thresholds(labels, predictions, thresholds, weights):
    """Running tp, fn, tn and fp counts at each threshold (TF's helper of the same name)."""
    predictions = convert_to_tensor(predictions)
    in_range = [
        debugging.assert_greater_equal(predictions, math_ops.cast(0.0, predictions.dtype),
                                       message="predictions must be in [0, 1]"),
        debugging.assert_less_equal(predictions, math_ops.cast(1.0, predictions.dtype),
                                    message="predictions must be in [0, 1]")]
    with control_dependencies(in_range):
        predictions, labels, weights = _remove_squeezable_dimensions(
            math_ops.cast(predictions, dtypes.float32), math_ops.cast(labels, dtypes.bool_),
            weights)
    num_thresholds = len(thresholds)
    predictions_2d = array_ops.reshape(predictions, [-1, 1])
    labels_2d = array_ops.reshape(math_ops.cast(labels, dtypes.bool_), [1, -1])
    num_predictions = predictions_2d.shape[0]
    if num_predictions is None:
        num_predictions = array_ops.shape(predictions_2d)[0]
    thresh_tiled = array_ops.tile(
        array_ops.expand_dims(constant(thresholds, dtype=dtypes.float32), 1),
        array_ops.stack([1, num_predictions]))
    preds_tiled = array_ops.tile(array_ops.transpose(predictions_2d), [num_thresholds, 1])
    pred_is_pos = math_ops.greater(preds_tiled, thresh_tiled)
    label_is_pos = array_ops.tile(labels_2d, [num_thresholds, 1])
    pred_is_neg = math_ops.logical_not(pred_is_pos)
    label_is_neg = math_ops.logical_not(label_is_pos)
    weights_tiled = None
    if weights is not None:
        weights = _broadcast_weights(math_ops.cast(weights, dtypes.float32), predictions)
        weights_tiled = array_ops.tile(array_ops.reshape(weights, [1, -1]),
                                       [num_thresholds, 1])
    values, update_ops = {}, {}
    for key, name, label_is, pred_is in (
            ("tp", "true_positives", label_is_pos, pred_is_pos),
            ("fn", "false_negatives", label_is_pos, pred_is_neg),
            ("tn", "true_negatives", label_is_neg, pred_is_neg),
            ("fp", "false_positives", label_is_neg, pred_is_pos)):
        variable = metric_variable([num_thresholds], dtypes.float32, name=name)
        hits = math_ops.cast(math_ops.logical_and(label_is, pred_is), dtypes.float32)
        if weights_tiled is not None:
            hits = math_ops.multiply(hits, weights_tiled)
        update_ops[key] = assign_add(variable, reduce_ops.reduce_sum(hits, 1))
        values[key] = variable
    return values, update_ops


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal",
        thresholds=None) -> tuple[Tensor, Tensor]:
    """`tf.metrics.auc`: the area under the ROC (or PR) curve, from counts at
    `num_thresholds` thresholds spread evenly over [0, 1] (predictions must lie there)."""
    if summation_method not in ("trapezoidal", "minoring", "majoring"):
        raise ValueError(f"graphjit's auc supports summation_method trapezoidal, minoring "
                         f"or majoring, got {summation_method!r}")
    if curve not in ("ROC", "PR"):
        raise ValueError(f"curve must be 'ROC' or 'PR', got {curve!r}")
    with variable_scope(name, "auc", (labels, predictions, weights)):
        if thresholds is not None:
            thresholds = sorted(float(t) for t in thresholds)
            num_thresholds = len(thresholds) + 2
            thresholds = [0.0 - 1e-7] + thresholds + [1.0 + 1e-7]
        else:
            if num_thresholds < 2:
                raise ValueError("num_thresholds must be > 1.")
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
            thresholds = [0.0 - 1e-7] + thresholds + [1.0 + 1e-7]
        values, update_ops = _confusion_matrix_at_thresholds(labels, predictions, thresholds,
                                                             weights)
        epsilon = 1.0e-6

        def compute_auc(tp, fn, tn, fp, name):
            rec = math_ops.divide(math_ops.add(tp, epsilon),
                                  math_ops.add(math_ops.add(tp, fn), epsilon))
            if curve == "ROC":
                x = math_ops.divide(fp, math_ops.add(math_ops.add(fp, tn), epsilon))
                y = rec
            else:
                x = rec
                y = math_ops.divide(math_ops.add(tp, epsilon),
                                    math_ops.add(math_ops.add(tp, fp), epsilon))
            widths = math_ops.subtract(x[:num_thresholds - 1], x[1:])
            if summation_method == "trapezoidal":
                heights = math_ops.divide(math_ops.add(y[:num_thresholds - 1], y[1:]), 2.0)
            elif summation_method == "minoring":
                heights = math_ops.minimum(y[:num_thresholds - 1], y[1:])
            else:
                heights = math_ops.maximum(y[:num_thresholds - 1], y[1:])
            return reduce_ops.reduce_sum(math_ops.multiply(widths, heights), name=name)

        auc_value = compute_auc(values["tp"], values["fn"], values["tn"], values["fp"],
                                "value")
        _maybe_collect(metrics_collections, auc_value)
        update_op = compute_auc(update_ops["tp"], update_ops["fn"], update_ops["tn"],
                                update_ops["fp"], "update_op")
        _maybe_collect(updates_collections, update_op)
        return auc_value, update_op


__all__ = ["accuracy", "mean", "mean_absolute_error", "mean_squared_error",
           "root_mean_squared_error", "precision", "recall", "auc", "true_positives",
           "false_positives", "false_negatives", "true_negatives", "get_local_variable",
           "metric_variable", "METRIC_VARIABLES"]
