"""MLP regression trained with Nesterov momentum and a global step."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(-1, 1, (32, 3)).astype(np.float32)
    targets = np.sin(inputs.sum(1, keepdims=True)).astype(np.float32)

    x = tf.placeholder(tf.float32, shape=(None, 3))
    t = tf.placeholder(tf.float32, shape=(None, 1))
    w1 = tf.Variable(rng.normal(0, 0.5, (3, 10)).astype(np.float32))
    b1 = tf.Variable(np.zeros(10, np.float32))
    w2 = tf.Variable(rng.normal(0, 0.5, (10, 1)).astype(np.float32))
    hidden = tf.tanh(tf.matmul(x, w1) + b1)
    prediction = tf.matmul(hidden, w2)
    loss = tf.reduce_mean(tf.square(prediction - t))

    global_step = tf.train.get_or_create_global_step()
    optimizer = tf.train.MomentumOptimizer(0.05, momentum=0.9, use_nesterov=True)
    train = optimizer.minimize(loss, global_step=global_step)

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        history = [sess.run([train, loss], {x: inputs, t: targets})[1] for _ in range(25)]
        step, w2_value = sess.run([global_step, w2])
        slot = sess.run(optimizer.get_slot(w2, "momentum"))
    return {"history": np.array(history), "global_step": step, "w2": w2_value,
            "momentum_slot": slot, "step_dtype": str(np.asarray(step).dtype)}
