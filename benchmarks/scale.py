"""Per-op cost of each stage at growing graph sizes: build, gradients, optimize, compile
(and first run), interpreted run, serialize, import and DOT export of an elementwise chain
with its gradient (the shape of a deep model's graph, and the worst case for recursion).

    python benchmarks/scale.py                      # 1k, 10k, 100k ops
    python benchmarks/scale.py --sizes 1000,3000 --compile-max-ops 10000

Prints one row per (size, stage): seconds, microseconds per op, and the process's RSS
after the stage. Stages whose cost grows about linearly show a flat us/op column.
Optimize and compile can be skipped above --compile-max-ops (default: never).

May import: graphjit, numpy, the standard library.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import graphjit as gj  # noqa: E402
import graphjit.viz  # noqa: E402,F401
from graphjit.compiler import build_program, optimize  # noqa: E402


def rss_mib() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return float("nan")


def chain(n: int):
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float64, [16], name="x")
        y = x
        for i in range((n - 2) // 3):
            y = gj.tanh(y) if i % 2 else y * 1.0001
            y = y + 0.001
        loss = gj.reduce_sum(y, name="loss")
    return graph, x, loss


def measure(n: int, compile_max_ops: int) -> list[tuple[str, int, float | None]]:
    rows = []
    value = np.linspace(-1, 1, 16)

    def stage(name, fn, ops):
        start = time.perf_counter()
        result = fn()
        rows.append((name, ops() if callable(ops) else ops, time.perf_counter() - start,
                     rss_mib()))
        return result

    built: list = []
    graph, x, loss = stage("build", lambda: built.append(chain(n)) or built[0],
                           lambda: len(built[0][0].get_operations()))
    forward = len(graph.get_operations())

    def grads():
        with graph.as_default():
            return gj.gradients(loss, [x])[0]

    # the gradients row counts the ops that gradients() added
    grad = stage("gradients", grads, lambda: len(graph.get_operations()) - forward)
    ops = len(graph.get_operations())

    def interpret():
        with gj.Session(graph=graph, executor="interpreted") as sess:
            return sess.run([loss, grad], {x: value})

    stage("run interpreted", interpret, ops)
    if ops <= compile_max_ops:
        program = build_program([loss, grad], [], [x], [value.shape])
        stage("optimize", lambda: optimize(program), ops)

        def compiled():
            with gj.Session(graph=graph) as sess:
                first = sess.run([loss, grad], {x: value})
                return first

        stage("compile + first run", compiled, ops)
    else:
        rows.append(("optimize", ops, None, rss_mib()))
        rows.append(("compile + first run", ops, None, rss_mib()))
    graph_def = stage("as_graph_def", graph.as_graph_def, ops)
    data = stage("serialize to bytes", graph_def.SerializeToString, ops)

    def reimport():
        imported = gj.Graph()
        parsed = gj.io.GraphDef()
        parsed.ParseFromString(data)
        with imported.as_default():
            gj.import_graph_def(parsed, name="")
        return imported

    stage("parse + import", reimport, ops)
    with tempfile.TemporaryDirectory() as folder:
        stage("write_graph + read_graph", lambda: (
            gj.train.write_graph(graph_def, folder, "g.pb", as_text=False),
            gj.io.read_graph(os.path.join(folder, "g.pb"))), ops)
    stage("DOT export", lambda: gj.viz.to_dot(graph), ops)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="comma-separated chain lengths (forward ops)")
    parser.add_argument("--compile-max-ops", type=int, default=10**9,
                        help="skip optimize/compile for graphs with more ops than this")
    args = parser.parse_args(argv)
    print(f"{'chain':>11} {'stage':<26} {'ops':>9} {'seconds':>9} "
          f"{'us/op':>8} {'RSS MiB':>8}")
    for n in (int(s) for s in args.sizes.split(",")):
        for name, ops, seconds, rss in measure(n, args.compile_max_ops):
            if seconds is None:
                print(f"{n:>11} {name:<26} {ops:>9} {'skipped':>9} {'':>8} {rss:>8.0f}")
            else:
                print(f"{n:>11} {name:<26} {ops:>9} {seconds:>9.3f} "
                      f"{seconds / ops * 1e6:>8.1f} {rss:>8.0f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
