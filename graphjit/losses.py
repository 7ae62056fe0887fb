"""`gj.losses`: TF1's `tf.losses` built from graph ops: weighted reductions
(`compute_weighted_loss`, `Reduction`), `mean_squared_error`, `absolute_difference`,
`sigmoid_cross_entropy`, `softmax_cross_entropy`, `sparse_softmax_cross_entropy`, and the
LOSSES collection helpers.

As in TF, every loss casts its inputs to float32, and the default reduction
SUM_BY_NONZERO_WEIGHTS divides the weighted sum by the number of non-zero weights
(broadcast to the losses' shape), which for `weights=1.0` is the mean.

May import: graphjit.graphlib.
"""

from __future__ import annotations

from .graphlib import dtypes
from .graphlib.graph import GraphKeys, Tensor, get_default_graph
from .graphlib.ops import array as array_ops
from .graphlib.ops import math as math_ops
from .graphlib.ops import nn
from .graphlib.ops import reduce as reduce_ops
from .graphlib.ops.core import add_n, convert_to_tensor, ones_like, stop_gradient, zeros_like


class Reduction:
    """How a weighted loss tensor is reduced (TF's `tf.losses.Reduction`)."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls) -> tuple[str, ...]:
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key: str) -> None:
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key}.")


def _safe_mean(total: Tensor, count: Tensor) -> Tensor:
    """total / count, and 0 where count is 0 (TF's div_no_nan), with finite gradients."""
    empty = math_ops.equal(count, 0.0)
    safe = math_ops.where(empty, ones_like(count), count)
    return math_ops.where(empty, zeros_like(total), math_ops.divide(total, safe),
                          name="value")


def _num_present(losses: Tensor, weights: Tensor) -> Tensor:
    """How many elements of `losses` have a non-zero weight (weights broadcast)."""
    with get_default_graph().name_scope("num_present"):
        present = math_ops.where(math_ops.equal(weights, 0.0), zeros_like(weights),
                                 ones_like(weights))
        present = math_ops.multiply(present, ones_like(losses))
        return reduce_ops.reduce_sum(present)


def add_loss(loss, loss_collection=GraphKeys.LOSSES) -> None:
    """`tf.losses.add_loss`: adds `loss` to the graph's `loss_collection`."""
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES) -> list:
    """`tf.losses.get_losses`."""
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None) -> list:
    """`tf.losses.get_regularization_losses`."""
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None) -> Tensor:
    """`tf.losses.get_total_loss`: the sum of the collected losses."""
    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    if not losses:
        raise ValueError("No losses found in the LOSSES collection")
    return add_n(losses, name=name)


def compute_weighted_loss(losses, weights=1.0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`tf.losses.compute_weighted_loss`: losses * weights, reduced per `reduction`; the
    result has the losses' dtype and joins `loss_collection`."""
    Reduction.validate(reduction)
    graph = get_default_graph()
    with graph.name_scope(scope or "weighted_loss"):
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype
        losses = math_ops.cast(losses, dtypes.float32)
        weights = math_ops.cast(convert_to_tensor(weights, dtype_hint=dtypes.float32),
                                dtypes.float32)
        weighted = math_ops.multiply(losses, weights)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = reduce_ops.reduce_sum(weighted)
            if reduction == Reduction.MEAN:
                loss = _safe_mean(loss, reduce_ops.reduce_sum(
                    math_ops.multiply(ones_like(losses), weights)))
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                loss = _safe_mean(loss, _num_present(losses, weights))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _safe_mean(loss, math_ops.cast(array_ops.size(losses),
                                                      dtypes.float32))
        loss = math_ops.cast(loss, input_dtype)
        add_loss(loss, loss_collection)
        return loss


def _check_given(**values) -> None:
    for name, value in values.items():
        if value is None:
            raise ValueError(f"Argument `{name}` must not be None.")


def _float32_pair(labels, predictions) -> tuple[Tensor, Tensor]:
    predictions = math_ops.cast(convert_to_tensor(predictions), dtypes.float32)
    labels = math_ops.cast(convert_to_tensor(labels), dtypes.float32)
    if not predictions.shape.is_compatible_with(labels.shape):
        raise ValueError(f"Shapes {predictions.shape} and {labels.shape} are incompatible")
    return labels, predictions


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`tf.losses.mean_squared_error`: weighted (predictions - labels) ** 2, reduced."""
    _check_given(labels=labels, predictions=predictions)
    with get_default_graph().name_scope(scope or "mean_squared_error") as s:
        labels, predictions = _float32_pair(labels, predictions)
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`tf.losses.absolute_difference`: weighted |predictions - labels|, reduced."""
    _check_given(labels=labels, predictions=predictions)
    with get_default_graph().name_scope(scope or "absolute_difference") as s:
        labels, predictions = _float32_pair(labels, predictions)
        losses = math_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`tf.losses.sigmoid_cross_entropy`; `label_smoothing` pulls labels towards 1/2."""
    _check_given(multi_class_labels=multi_class_labels, logits=logits)
    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss") as s:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(convert_to_tensor(multi_class_labels), logits.dtype)
        if not logits.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {logits.shape} and {labels.shape} are incompatible")
        if label_smoothing > 0:
            labels = math_ops.add(math_ops.multiply(labels, 1 - label_smoothing),
                                  0.5 * label_smoothing)
        losses = nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits,
                                                      name="xentropy")
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`tf.losses.softmax_cross_entropy`; labels get no gradient; `label_smoothing` mixes
    them with the uniform distribution."""
    _check_given(onehot_labels=onehot_labels, logits=logits)
    with get_default_graph().name_scope(scope or "softmax_cross_entropy_loss") as s:
        logits = convert_to_tensor(logits)
        labels = math_ops.cast(convert_to_tensor(onehot_labels), logits.dtype)
        if not logits.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {logits.shape} and {labels.shape} are incompatible")
        if label_smoothing > 0:
            classes = math_ops.cast(array_ops.shape(labels)[-1], logits.dtype)
            labels = math_ops.add(math_ops.multiply(labels, 1.0 - label_smoothing),
                                  math_ops.divide(label_smoothing, classes))
        labels = stop_gradient(labels, name="labels_stop_gradient")
        losses = nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits,
                                                         name="xentropy")
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`tf.losses.sparse_softmax_cross_entropy`: integer labels; labels of shape
    [..., 1] are squeezed as TF does."""
    _check_given(labels=labels, logits=logits)
    with get_default_graph().name_scope(scope or "sparse_softmax_cross_entropy_loss") as s:
        logits = convert_to_tensor(logits)
        labels = convert_to_tensor(labels)
        if labels.shape.rank is not None and labels.shape.rank == logits.shape.rank \
                and labels.shape[-1] in (1, None):
            labels = array_ops.squeeze(labels, [-1])
        losses = nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                             name="xentropy")
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`tf.losses.hinge_loss`: weighted relu(1 - (2 * labels - 1) * logits) for {0, 1}
    labels, reduced."""
    _check_given(labels=labels, logits=logits)
    with get_default_graph().name_scope(scope or "hinge_loss") as s:
        labels, logits = _float32_pair(labels, logits)
        all_ones = ones_like(labels)
        labels = math_ops.subtract(math_ops.multiply(2.0, labels), all_ones)
        losses = nn.relu(math_ops.subtract(all_ones, math_ops.multiply(labels, logits)))
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`tf.losses.huber_loss`: with x = |predictions - labels|, 0.5 * x**2 where x <= delta
    and 0.5 * delta**2 + delta * (x - delta) beyond, weighted and reduced. As in TF the
    linear part is x - min(x, delta), so the gradient at x == delta is not doubled."""
    _check_given(labels=labels, predictions=predictions)
    with get_default_graph().name_scope(scope or "huber_loss") as s:
        labels, predictions = _float32_pair(labels, predictions)
        abs_error = math_ops.abs(math_ops.subtract(predictions, labels))
        quadratic = math_ops.minimum(abs_error, delta)
        linear = math_ops.subtract(abs_error, quadratic)
        losses = math_ops.add(
            math_ops.multiply(convert_to_tensor(0.5, dtype=quadratic.dtype),
                              math_ops.multiply(quadratic, quadratic)),
            math_ops.multiply(delta, linear))
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES,
             reduction=Reduction.SUM_BY_NONZERO_WEIGHTS) -> Tensor:
    """`tf.losses.log_loss`: weighted -labels * log(predictions + epsilon) - (1 - labels) *
    log(1 - predictions + epsilon), reduced."""
    _check_given(labels=labels, predictions=predictions)
    with get_default_graph().name_scope(scope or "log_loss") as s:
        labels, predictions = _float32_pair(labels, predictions)
        positive = math_ops.multiply(labels, math_ops.log(math_ops.add(predictions, epsilon)))
        negative = math_ops.multiply(
            math_ops.subtract(1.0, labels),
            math_ops.log(math_ops.add(math_ops.subtract(1.0, predictions), epsilon)))
        losses = math_ops.subtract(math_ops.negative(positive), negative)
        return compute_weighted_loss(losses, weights, s, loss_collection, reduction)



def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection=GraphKeys.LOSSES,
                    reduction=Reduction.SUM_BY_NONZERO_WEIGHTS, dim=None) -> Tensor:
    """`tf.losses.cosine_distance`: 1 - sum(labels * predictions, axis) for unit-normalized
    inputs, weighted and reduced."""
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("You must specify argument `axis`.")
    _check_given(labels=labels, predictions=predictions)
    graph = get_default_graph()
    with graph.name_scope(scope or "cosine_distance_loss") as name:
        labels, predictions = _float32_pair(labels, predictions)
        radial = math_ops.multiply(predictions, labels)
        losses = math_ops.subtract(1.0, reduce_ops.reduce_sum(radial, (axis,), keepdims=True))
        return compute_weighted_loss(losses, weights, name, loss_collection, reduction)


def get_regularization_loss(scope=None, name="total_regularization_loss") -> Tensor:
    """`tf.losses.get_regularization_loss`: the sum of REGULARIZATION_LOSSES (0.0 if
    none)."""
    losses = get_regularization_losses(scope)
    if losses:
        return add_n(losses, name=name)
    return convert_to_tensor(0.0, dtype=dtypes.float32)


__all__ = ["Reduction", "add_loss", "get_losses", "get_regularization_losses",
           "get_total_loss", "compute_weighted_loss", "mean_squared_error",
           "absolute_difference", "sigmoid_cross_entropy", "softmax_cross_entropy",
           "sparse_softmax_cross_entropy", "hinge_loss", "huber_loss", "log_loss",
           "cosine_distance", "get_regularization_loss"]
