"""Benchmark W1: y = tanh(x*a + b) * sigmoid(x) - exp(-x*x) on float32 vectors.

Columns, in one run and one process: graphjit interpreted and compiled (`Session.run`),
NumPy op by op (written by hand), TensorFlow 1 graph mode, JAX `jit` and numexpr when
importable; medians of `--repeat` samples after a warm-up, results checked for agreement
first. The workload and the measurement are graphjit.bench's (`python -m graphjit bench
--workloads w1 --peers` runs the same at one size).

Usage: python benchmarks/w1.py [--sizes 1e5 1e6 1e7] [--repeat 15] [--keep-blas-env]
"""

from __future__ import annotations

import argparse
import sys

from graphjit.bench import machine, report
from graphjit.bench.runner import BenchMismatch, run_workload
from graphjit.bench.workloads import PEERS, WORKLOADS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e5, 1e6, 1e7])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep-blas-env", action="store_true")
    args = parser.parse_args(argv)
    removed, note = machine.prepare_environment(args.keep_blas_env, own_process=True)
    for line in machine.summary_lines(machine.describe(removed)) + ([note] if note else []):
        print(line)
    results = []
    for size in args.sizes:
        try:
            results.append(run_workload(WORKLOADS["w1"], "custom", args.repeat, peers=PEERS,
                                        min_sample_s=0.05, params={"n": int(size)}))
        except BenchMismatch as e:
            print(f"error: results disagree, nothing was timed: {e}", file=sys.stderr)
            return 1
        print(report.progress_line(results[-1]), flush=True)
    print(report.format_table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
