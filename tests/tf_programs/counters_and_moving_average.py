"""State idioms: a step counter, an exponential moving average written by hand with
control_dependencies, tf.group of several assigns, and reads ordered after writes."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    stream = rng.uniform(0, 10, (12, 3)).astype(np.float32)

    value = tf.placeholder(tf.float32, [3])
    counter = tf.Variable(0, name="counter")
    total = tf.Variable(tf.zeros([3]), name="total")
    average = tf.Variable(tf.zeros([3]), trainable=False, name="ema")
    decay = 0.9

    increment = tf.assign_add(counter, 1)
    with tf.control_dependencies([increment]):
        # Bias-corrected EMA: reads of `counter` here see the incremented value.
        corrected = 1.0 - tf.pow(decay, tf.cast(counter.read_value(), tf.float32))
        update_ema = average.assign(average * decay + (1 - decay) * value)
    accumulate = total.assign_add(value)
    step = tf.group(update_ema, accumulate, name="step")
    with tf.control_dependencies([step]):
        debiased = tf.identity(average / corrected, name="debiased")

    reset = tf.variables_initializer([counter, total])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        trace = [sess.run(debiased, {value: v}) for v in stream[:8]]
        mid_count, mid_total = sess.run([counter, total])
        sess.run(reset)
        for v in stream[8:]:
            sess.run(step, {value: v})
        end = sess.run({"counter": counter, "total": total, "ema": average})
    return {"trace": np.array(trace), "mid_count": mid_count, "mid_total": mid_total,
            "end": end, "op_names": [step.name, debiased.name, increment.op.name]}
