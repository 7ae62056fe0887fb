"""A training loop that logs summaries as TF1 scripts do: scalars (one in a family),
a weight histogram, merge_all and a merge of a custom collection, run every step; with the
small APIs such scripts call: a make_template model, colocate_with, container, a
Coordinator with start_queue_runners, py_function, switch_case and hessians.

graphjit's summary tensors are int32 byte vectors (no string dtype); `parse` turns either
framework's fetched value into the Summary's tags and values (float values to tolerance:
the loss may differ by an ulp; constants' summaries must agree byte for byte)."""

import numpy as np

REQUIRES = ("tensorboard",)  # its Summary proto parses the fetched summaries


def as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else np.asarray(value).astype(np.uint8).tobytes()


def parse(value) -> dict:
    from tensorboard.compat.proto import summary_pb2
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
    w0 = rng.standard_normal((3, 1)).astype(np.float32)

    def model(inputs, scale):
        w = tf.get_variable("w", initializer=w0)
        return tf.matmul(inputs, w) * scale, w

    net = tf.make_template("net", model, scale=1.0)
    pred, w = net(x)
    again, w_again = net(x * 2.0)
    with tf.colocate_with(w), tf.container("experiment"):
        loss = tf.reduce_mean(tf.square(pred - y))
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    doubled = tf.py_function(lambda t: t.numpy() * 2, [loss], tf.float32)
    which = tf.placeholder(tf.int32, [], name="which")
    branch = tf.switch_case(which, [lambda: loss, lambda: 2 * loss, lambda: -loss])
    (hessian,) = tf.hessians(tf.reduce_sum(tf.square(pred)), [w])

    with tf.name_scope("metrics"):
        loss_summary = tf.summary.scalar("loss", loss)
        tf.summary.scalar("w_norm", tf.norm(w), family="weights")
    tf.summary.histogram("w", w)
    tf.summary.scalar("lr", tf.constant(0.1), collections=["custom"])
    merged = tf.summary.merge_all()
    custom = tf.summary.merge(tf.get_collection("custom"), name="custom_merge")

    logs, feed = [], {x: x_data, y: y_data}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess=sess, coord=coord)
        step = 0
        with coord.stop_on_exception():
            while not coord.should_stop():
                # not fetched with `train`: the variable read would race with its update
                logs.append(parse(sess.run(merged, feed)))
                sess.run(train, feed)
                step += 1
                if step == 3:
                    coord.request_stop()
        coord.join(threads)
        extras = sess.run({"doubled": doubled, "again": again, "hessian": hessian}, feed)
        extras["branches"] = [sess.run(branch, {**feed, which: i}) for i in (0, 1, 2, 7)]
        only_loss = parse(sess.run(loss_summary, {x: x_data, y: y_data}))
        custom_value = as_bytes(sess.run(custom))
    return {"logs": logs, "extras": extras, "threads": threads,
            "template_vars": [v.name for v in tf.trainable_variables()],
            "shared": w_again.name == w.name,
            "names2": [pred.name, again.name], "only_loss": only_loss, "custom": custom_value,
            "names": [merged.name, custom.name, loss_summary.name],
            "collection": [t.name for t in tf.get_collection(tf.GraphKeys.SUMMARIES)]}
