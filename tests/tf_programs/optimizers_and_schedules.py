"""Adagrad and Adadelta training runs whose learning rates follow TF1's schedules
(polynomial_decay with and without cycle, cosine_decay), and every schedule evaluated over
a range of fed steps: piecewise_constant, polynomial_decay, natural_exp_decay,
inverse_time_decay, cosine_decay, staircase variants."""

import numpy as np

RTOL = 1e-4


def schedules(tf):
    step = tf.placeholder(tf.int64, [], name="step")
    table = {
        "piecewise": tf.train.piecewise_constant(step, [3, 7], [1.0, 0.5, 0.1]),
        "piecewise_int_boundaries": tf.train.piecewise_constant(
            tf.cast(step, tf.int32), [2, 5, 9], [0.4, 0.3, 0.2, 0.1]),
        "polynomial": tf.train.polynomial_decay(0.1, step, 8, end_learning_rate=0.01,
                                                power=2.0),
        "polynomial_cycle": tf.train.polynomial_decay(0.1, step, 4, cycle=True),
        "natural_exp": tf.train.natural_exp_decay(0.2, step, 3, 0.5),
        "natural_exp_staircase": tf.train.natural_exp_decay(0.2, step, 3, 0.5,
                                                            staircase=True),
        "inverse_time": tf.train.inverse_time_decay(0.3, step, 2, 0.7),
        "inverse_time_staircase": tf.train.inverse_time_decay(0.3, step, 2, 0.7,
                                                              staircase=True),
        "cosine": tf.train.cosine_decay(0.5, step, 10),
        "cosine_alpha": tf.train.cosine_decay(0.5, step, 10, alpha=0.1),
    }
    with tf.Session() as sess:
        return {name: np.array([sess.run(t, {step: s}) for s in range(14)])
                for name, t in table.items()}


def train(tf, rng, make_optimizer):
    data = rng.standard_normal((32, 3)).astype(np.float32)
    target = np.tanh(data @ np.array([[0.5], [-1.0], [2.0]], np.float32))
    with tf.Graph().as_default():
        global_step = tf.train.get_or_create_global_step()
        w1 = tf.Variable(rng.normal(0, 0.5, (3, 6)).astype(np.float32), name="w1")
        w2 = tf.Variable(rng.normal(0, 0.5, (6, 1)).astype(np.float32), name="w2")
        out = tf.matmul(tf.tanh(tf.matmul(tf.constant(data), w1)), w2)
        loss = tf.reduce_mean(tf.square(out - target))
        opt = make_optimizer(tf, global_step)
        step = opt.minimize(loss, global_step=global_step)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            losses = [sess.run([step, loss])[1] for _ in range(15)]
            slots = {name: sess.run(opt.get_slot(w2, name)) for name in opt.get_slot_names()}
            names = sorted(v.op.name for v in tf.global_variables())
            return {"losses": np.array(losses), "w2": sess.run(w2), "slots": slots,
                    "step": sess.run(global_step), "names": names}


def main(tf, seed):
    rng = np.random.default_rng(seed)
    adagrad = train(tf, rng, lambda tf, gs: tf.train.AdagradOptimizer(
        tf.train.polynomial_decay(0.5, gs, 10, end_learning_rate=0.05)))
    adagrad_small_init = train(tf, rng, lambda tf, gs: tf.train.AdagradOptimizer(
        0.1, initial_accumulator_value=0.01))
    adadelta = train(tf, rng, lambda tf, gs: tf.train.AdadeltaOptimizer(
        tf.train.cosine_decay(5.0, gs, 12, alpha=0.2), rho=0.9, epsilon=1e-6))
    return {"schedules": schedules(tf), "adagrad": adagrad,
            "adagrad_small_init": adagrad_small_init, "adadelta": adadelta}
