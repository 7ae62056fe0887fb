"""Compiler scale: build + optimize graphs of 1,000, 10,000 and 100,000 ops.

Each graph is a chain with the work a real graph gives the passes: constants to fold,
`* 1` and identities to simplify, duplicate subexpressions to merge and dead branches to
drop. Reports, per size, the seconds for graph -> program (`build_program`) and for the
pass pipeline (`optimize`), and the microseconds per op; the per-op time at the largest
size should stay within 2x of the smallest (the compiler is linear).

Run: python benchmarks/compile_scale.py [--sizes 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import time

import graphjit as gj
from graphjit.compiler import build_program, optimize


def make_graph(n_ops: int):
    """A graph of about `n_ops` ops (8 per link of the chain)."""
    graph = gj.Graph()
    with graph.as_default():
        x = gj.placeholder(gj.float32, [None, 8], name="x")
        y = x
        while len(graph.get_operations()) < n_ops:
            scale = gj.constant(0.5) * 2.0          # folds to 1.0 ...
            twice = gj.tanh(y) + gj.tanh(y)         # a duplicate tanh to merge
            y = gj.identity(twice * scale)          # ... so `* scale` and identity go
            gj.exp(y)                               # dead: nothing reads it
    return graph, x, y


def measure(n_ops: int) -> dict:
    graph, x, y = make_graph(n_ops)
    ops = len(graph.get_operations())
    start = time.perf_counter()
    program = build_program([y], [], [x], [(16, 8)])
    built = time.perf_counter()
    optimized, records = optimize(program)
    done = time.perf_counter()
    return {"ops": ops, "nodes": len(program), "optimized": len(optimized),
            "build_s": built - start, "optimize_s": done - built,
            "us_per_op": (done - start) / ops * 1e6,
            "passes": {r.name: r.seconds for r in records}}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    args = parser.parse_args(argv)
    print(f"{'ops':>8} {'nodes':>8} {'optimized':>9} {'build s':>8} {'optimize s':>10} "
          f"{'us/op':>7}")
    rows = []
    for n in args.sizes:
        row = measure(n)
        rows.append(row)
        print(f"{row['ops']:>8} {row['nodes']:>8} {row['optimized']:>9} "
              f"{row['build_s']:>8.3f} {row['optimize_s']:>10.3f} {row['us_per_op']:>7.1f}")
    if len(rows) > 1:
        ratio = rows[-1]["us_per_op"] / rows[0]["us_per_op"]
        print(f"per-op time, largest / smallest: {ratio:.2f}x")


if __name__ == "__main__":
    main()
