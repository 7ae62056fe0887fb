"""A training loop that logs summaries as TF1 scripts do: scalars (one in a family),
a weight histogram, merge_all and a merge of a custom collection, run every step.

graphjit's summary tensors are int32 byte vectors (no string dtype); `parse` turns either
framework's fetched value into the Summary's tags and values (float values to tolerance:
the loss may differ by an ulp; constants' summaries must agree byte for byte)."""

import numpy as np
from tensorboard.compat.proto import summary_pb2


def as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else np.asarray(value).astype(np.uint8).tobytes()


def parse(value) -> dict:
    out = {}
    for v in summary_pb2.Summary.FromString(as_bytes(value)).value:
        if v.HasField("histo"):
            h = v.histo
            out[v.tag] = {"stats": np.array([h.min, h.max, h.num, h.sum, h.sum_squares]),
                          "limits": np.array(h.bucket_limit), "counts": np.array(h.bucket)}
        else:
            out[v.tag] = np.float32(v.simple_value)
    return out


def main(tf, seed):
    rng = np.random.default_rng(seed)
    x_data = rng.standard_normal((16, 3)).astype(np.float32)
    y_data = (x_data @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)

    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    w = tf.Variable(rng.standard_normal((3, 1)).astype(np.float32), name="w")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

    with tf.name_scope("metrics"):
        loss_summary = tf.summary.scalar("loss", loss)
        tf.summary.scalar("w_norm", tf.norm(w), family="weights")
    tf.summary.histogram("w", w)
    tf.summary.scalar("lr", tf.constant(0.1), collections=["custom"])
    merged = tf.summary.merge_all()
    custom = tf.summary.merge(tf.get_collection("custom"), name="custom_merge")

    logs = []
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(3):
            # not fetched with `train`: the variable read would race with its update
            logs.append(parse(sess.run(merged, {x: x_data, y: y_data})))
            sess.run(train, {x: x_data, y: y_data})
        only_loss = parse(sess.run(loss_summary, {x: x_data, y: y_data}))
        custom_value = as_bytes(sess.run(custom))
    return {"logs": logs, "only_loss": only_loss, "custom": custom_value,
            "names": [merged.name, custom.name, loss_summary.name],
            "collection": [t.name for t in tf.get_collection(tf.GraphKeys.SUMMARIES)]}
