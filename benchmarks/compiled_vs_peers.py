"""Issue 4, item 6: compiled vs interpreted vs NumPy by hand, with TensorFlow 1 graph mode,
JAX `jit` and numexpr columns when they import, as ratios in one run; then the issue's
targets, each with its measured figure and whether it was met.

Rows: W1 at 1e5, 1e6 and 1e7 elements; row softmax and layer norm on (4096, 1024); the
MLP training step (batch 256, 784-512-512-10, ReLU, softmax cross-entropy, SGD) next to
its 8 GEMMs alone in NumPy (the floor); the dispatch overhead of `z = x + y` on 4 fed
floats; cold and warm compile of that MLP step, each in a fresh process. The workloads,
the agreement check (before any timing) and the measurement are graphjit.bench's, the
same as `python -m graphjit bench`'s.

Run: python benchmarks/compiled_vs_peers.py [--repeat 9] [--json FILE] [--markdown]
(OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are removed for this process by re-executing it,
unless --keep-blas-env.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

from graphjit.bench import machine, report
from graphjit.bench.probe import measure_compile
from graphjit.bench.runner import BenchMismatch, run_workload
from graphjit.bench.workloads import PEERS, WORKLOADS

ROWS = (("w1", {"n": 100_000}), ("w1", {"n": 1_000_000}), ("w1", {"n": 10_000_000}),
        ("softmax", {"rows": 4096, "cols": 1024}), ("layernorm", {"rows": 4096, "cols": 1024}),
        ("mlp_train", {"batch": 256}), ("dispatch", {"n": 4}))


def gemm_floor(batch: int, repeat: int) -> float:
    """Median seconds of the MLP step's 8 GEMMs alone in NumPy (3 forward, 3 weight
    gradients, 2 input gradients), on float32 operands of the step's shapes."""
    rng = np.random.default_rng(0)

    def m(*shape):
        return rng.standard_normal(shape).astype(np.float32)
    pairs = [(m(batch, 784), m(784, 512)), (m(batch, 512), m(512, 512)),
             (m(batch, 512), m(512, 10)), (m(784, batch), m(batch, 512)),
             (m(512, batch), m(batch, 512)), (m(512, batch), m(batch, 10)),
             (m(batch, 10), m(10, 512)), (m(batch, 512), m(512, 512))]
    times = []
    for _ in range(repeat + 1):
        start = time.perf_counter()
        for a, b in pairs:
            a @ b
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def targets(results: dict, floor: float, compiled: dict) -> list[tuple[str, str, bool]]:
    """(target, what was measured, met) for each of issue 4's targets."""
    def t(key, column):
        timing = results[key].timings.get(column)
        return None if timing is None else timing.median

    out = []

    def check(name, value, reference, factor, what):
        if value is None or reference is None:
            out.append((name, f"{what}: not measured (peer missing)", False))
        else:
            ratio = reference / value
            out.append((name, f"{what}: {ratio:.2f}x", ratio >= factor))

    w1_big, w1_small = "w1 n=10,000,000", "w1 n=100,000"
    check("W1 1e7: compiled >= 8x interpreted", t(w1_big, "compiled"),
          t(w1_big, "interpreted"), 8, "interpreted / compiled")
    check("W1 1e7: compiled faster than JAX jit", t(w1_big, "compiled"), t(w1_big, "jax"),
          1, "jax / compiled")
    check("W1 1e5: compiled faster than NumPy", t(w1_small, "compiled"),
          t(w1_small, "numpy"), 1, "numpy / compiled")
    sm, ln = "softmax 4096x1024", "layernorm 4096x1024"
    check("softmax: compiled >= 5x interpreted", t(sm, "compiled"), t(sm, "interpreted"), 5,
          "interpreted / compiled")
    check("softmax: compiled faster than JAX jit", t(sm, "compiled"), t(sm, "jax"), 1,
          "jax / compiled")
    check("layer norm: compiled >= 8x interpreted", t(ln, "compiled"), t(ln, "interpreted"),
          8, "interpreted / compiled")
    step = t("mlp_train batch 256", "compiled")
    out.append(("MLP step within 1.1x of its 8 GEMMs in NumPy",
                f"step {report.seconds(step)}, GEMMs {report.seconds(floor)}: "
                f"{step / floor:.2f}x", step <= 1.1 * floor))
    d = "dispatch 4 floats, fed"
    check("dispatch: Session.run no slower than a JAX jit call", t(d, "compiled"),
          t(d, "jax"), 1, "jax / compiled")
    cold, warm = compiled["cold"], compiled["warm"]
    out.append(("cold compile of the MLP step under 2 s",
                f"{report.seconds(cold['to_first_step_s'])} graph to first step",
                cold["to_first_step_s"] < 2))
    out.append(("second process: first step within 1 s after imports",
                f"{report.seconds(warm['to_first_step_s'])}", warm["to_first_step_s"] < 1))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--json", metavar="FILE")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--keep-blas-env", action="store_true")
    args = parser.parse_args(argv)
    removed, note = machine.prepare_environment(args.keep_blas_env, own_process=True)
    description = machine.describe(removed)
    for line in machine.summary_lines(description) + ([note] if note else []):
        print(line)
    results = {}
    for i, (name, params) in enumerate(ROWS, 1):
        print(f"[{i}/{len(ROWS)}] {name} {params} ...", flush=True)
        try:
            r = run_workload(WORKLOADS[name], "custom", args.repeat, peers=PEERS,
                             min_sample_s=0.05, params=params)
        except BenchMismatch as e:
            print(f"error: results disagree, nothing was timed: {e}", file=sys.stderr)
            return 1
        results[f"{name} {r.label}"] = r
        print(report.progress_line(r), flush=True)
    floor = gemm_floor(256, args.repeat)
    print("compile: mlp_train batch 256 in two fresh processes ...", flush=True)
    compiled = measure_compile("mlp_train", "medium")
    print()
    print(report.format_table(list(results.values()), markdown=args.markdown))
    print("peer columns: median (peer / compiled; above 1x the compiled plan is faster)")
    print(f"MLP step's 8 GEMMs alone in NumPy: {report.seconds(floor)}")
    print(report.compile_line(compiled))
    print("\ntargets (issue 4):")
    checked = targets(results, floor, compiled)
    for name, measured, met in checked:
        print(f"  [{'met' if met else 'NOT met'}] {name}: {measured}")
    if args.json:
        doc = report.to_json(list(results.values()), compiled, machine.describe(removed),
                             {"script": "benchmarks/compiled_vs_peers.py",
                              "repeat": args.repeat, "rows": [list(r) for r in ROWS]})
        doc["gemm_floor_s"] = floor
        doc["targets"] = [{"target": n, "measured": m, "met": ok} for n, m, ok in checked]
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
