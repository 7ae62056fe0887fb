"""Benchmark W1: y = tanh(x*a + b) * sigmoid(x) - exp(-x*x) on float32 vectors.

Columns, in one run and one process: NumPy op by op (written by hand), graphjit's
interpreted executor, graphjit compiled (fused Numba kernel, with the fusion and memory
passes applied explicitly in case the pipeline does not list them yet), TensorFlow 1
graph mode and JAX `jit` when importable. Medians of `--repeat` runs after a warm-up.

Usage: python benchmarks/w1.py [--sizes 1e5 1e6 1e7] [--repeat 15]
(unset OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE for the benchmark command only, NOTES.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

A, B = np.float32(0.5), np.float32(0.1)


def timed(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_w1(x):
    return np.tanh(x * A + B) * (1 / (1 + np.exp(-x))) - np.exp(-x * x)


def graphjit_runners(x):
    import graphjit as gj
    from graphjit.compiler import build_program, optimize
    from graphjit.compiler.lowering.cpu import lower_cpu
    from graphjit.compiler.passes.fuse_elementwise import fuse_elementwise
    from graphjit.compiler.passes.plan_memory import plan_memory
    from graphjit.runtime.context import RunContext, VariableStore

    graph = gj.Graph()
    with graph.as_default():
        xp = gj.placeholder(gj.float32, [None], name="x")
        y = gj.tanh(xp * A + B) * gj.sigmoid(xp) - gj.exp(-xp * xp)
    interpreted = gj.Session(graph=graph, executor="interpreted")
    program, _ = optimize(build_program([y], [], [xp], [x.shape]))
    executable = lower_cpu(plan_memory(fuse_elementwise(program)))
    ctx = RunContext(VariableStore())
    compiled_session = gj.Session(graph=graph)
    return {
        "interpreted": lambda: interpreted.run(y, {xp: x}),
        "compiled": lambda: executable.run(ctx, [x])[0],
        "compiled Session.run": lambda: compiled_session.run(y, {xp: x}),
    }


def tensorflow_runner(x):
    try:
        import tensorflow.compat.v1 as tf
    except ImportError:
        return None
    tf.disable_eager_execution()
    graph = tf.Graph()
    with graph.as_default():
        xp = tf.placeholder(tf.float32, [None])
        y = tf.tanh(xp * A + B) * tf.sigmoid(xp) - tf.exp(-xp * xp)
    sess = tf.Session(graph=graph)
    return lambda: sess.run(y, {xp: x})


def jax_runner(x):
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    f = jax.jit(lambda v: jnp.tanh(v * A + B) * jax.nn.sigmoid(v) - jnp.exp(-v * v))
    return lambda: np.asarray(f(x))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    import numba
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"numba {numba.__version__} ({numba.get_num_threads()} threads), "
          f"numpy {np.__version__}, Python {platform.python_version()}")
    header = ["n", "numpy", "interpreted", "compiled", "compiled Session.run",
              "tensorflow", "jax", "interp/compiled", "numpy/compiled", "max abs err"]
    print(" | ".join(header))
    for size in args.sizes:
        n = int(size)
        x = np.random.default_rng(0).standard_normal(n).astype(np.float32)
        row = {"numpy": timed(lambda x=x: numpy_w1(x), args.repeat)}
        runners = graphjit_runners(x)
        for name, fn in runners.items():
            row[name] = timed(fn, args.repeat)
        for name, make in (("tensorflow", tensorflow_runner), ("jax", jax_runner)):
            fn = make(x)
            row[name] = timed(fn, args.repeat) if fn is not None else None
        exact = numpy_w1(x.astype(np.float64))
        err = float(np.max(np.abs(runners["compiled"]() - exact)))
        cells = [f"{n:.0e}"] + [
            "-" if row[k] is None else f"{row[k] * 1e3:.2f} ms" for k in header[1:7]] + [
            f"{row['interpreted'] / row['compiled']:.1f}x",
            f"{row['numpy'] / row['compiled']:.1f}x", f"{err:.1e}"]
        print(" | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
