"""The boilerplate around a TF1 training script: a ConfigProto with GPUOptions,
GraphOptions/OptimizerOptions and device counts, RunOptions and RunMetadata passed to
Session.run, tf.logging verbosity, an InteractiveSession-free `with tf.Session(config=...)`
block, a GRUCell stepped by hand with zero_state, and a static_rnn."""

import numpy as np


def main(tf, seed):
    rng = np.random.default_rng(seed)
    tf.logging.set_verbosity(tf.logging.WARN)
    gpu_options = tf.GPUOptions(per_process_gpu_memory_fraction=0.3, allow_growth=True)
    config = tf.ConfigProto(gpu_options=gpu_options, allow_soft_placement=True,
                            device_count={"GPU": 0})
    config.graph_options.optimizer_options.global_jit_level = tf.OptimizerOptions.OFF
    config.intra_op_parallelism_threads = 1
    run_options = tf.RunOptions(trace_level=tf.RunOptions.NO_TRACE)
    run_metadata = tf.RunMetadata()

    inputs = rng.standard_normal((2, 3, 4)).astype(np.float32)
    x = tf.placeholder(tf.float32, [2, 3, 4])
    cell = tf.nn.rnn_cell.GRUCell(3, kernel_initializer=tf.constant_initializer(0.1),
                                  bias_initializer=tf.constant_initializer(0.2))
    state = cell.zero_state(2, tf.float32)
    stepped = []
    for t in range(3):
        output, state = cell(x[:, t], state)
        stepped.append(output)
    static_cell = tf.nn.rnn_cell.BasicRNNCell(
        2, activation=tf.nn.relu, name="relu_rnn")
    static_outputs, static_state = tf.nn.static_rnn(
        static_cell, tf.unstack(x, axis=1), initial_state=tf.ones([2, 2]))

    with tf.Session(config=config) as sess:
        sess.run(tf.global_variables_initializer(), options=run_options,
                 run_metadata=run_metadata)
        for v in static_cell.trainable_variables:
            sess.run(v.assign(np.linspace(-1, 1, v.shape.num_elements(), dtype=np.float32)
                              .reshape(v.shape.as_list())))
        values = sess.run([stepped, state, static_outputs, static_state], {x: inputs},
                          options=run_options, run_metadata=run_metadata)
    return {"values": values, "names": [v.name for v in tf.global_variables()],
            "config": str(config), "verbosity": tf.logging.get_verbosity(),
            "zero_name": cell.zero_state(2, tf.float32).name,
            "state_size": [cell.state_size, static_cell.output_size]}
