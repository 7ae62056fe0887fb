"""Name scopes and tensor names (unique suffixes, nested scopes, lookups by name), and the
fetch structures Session.run accepts: dicts, namedtuples, nested lists, name strings and
operations."""

import collections

import numpy as np

Outputs = collections.namedtuple("Outputs", ["total", "scaled"])


def main(tf, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((2, 3)).astype(np.float32)

    x = tf.placeholder(tf.float32, [2, 3], name="input")
    with tf.name_scope("layer"):
        w = tf.constant(np.arange(6, dtype=np.float32).reshape(3, 2), name="w")
        y = tf.matmul(x, w)
        y2 = tf.matmul(x, w)
        with tf.name_scope("inner"):
            z = tf.add(y, y2, name="sum")
    with tf.name_scope("layer"):
        again = tf.identity(z)
    a = tf.constant(1.0, name="a")
    a_1 = tf.constant(2.0, name="a")
    a_2 = tf.add(a, a_1, name="a")
    init = tf.no_op(name="init")
    graph = tf.get_default_graph()
    looked_up = graph.get_tensor_by_name("layer/inner/sum:0")
    op = graph.get_operation_by_name("layer/MatMul_1")

    with tf.Session() as sess:
        fetched = sess.run({
            "pair": (y, y2),
            "named": Outputs(total=tf.reduce_sum(z), scaled=again * 0.5),
            "nested": [[a, a_1], {"sum": a_2}],
            "by_name": "layer/inner/sum:0",
            "op": init,
            "lookup": looked_up,
        }, feed_dict={"input:0": data})
    named = fetched["named"]
    return {
        "names": [x.name, w.name, y.name, y2.name, z.name, again.name, a.name, a_1.name,
                  a_2.name, op.name, op.type.lower() == "matmul"],
        "inputs": [t.name for t in op.inputs],
        "pair": fetched["pair"], "named_is_tuple": type(named).__name__,
        "named": (named.total, named.scaled), "nested": fetched["nested"],
        "by_name": fetched["by_name"], "op": fetched["op"], "lookup": fetched["lookup"],
    }
