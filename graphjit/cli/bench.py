"""`python -m graphjit bench`: compiled vs interpreted on a suite of workloads, with the
peers as extra columns, a results table, `--json` and `--plot`.

The workloads, measurement and output live in graphjit/bench/; this module parses the
options, prepares the process (`machine.prepare_environment`: re-executes itself without
OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE when it is the program being run, unless
`--keep-blas-env`) and prints.

Exit codes: 0 done; 1 a result disagreed (BenchMismatch), a compile probe failed or an
output could not be written; 2 bad usage.

May import: graphjit.bench, graphjit.cli, the standard library.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ..bench import machine, report
from ..bench.probe import measure_compile
from ..bench.runner import BenchMismatch, run_workload, select
from ..bench.workloads import PEERS, SIZES, WORKLOADS

_REPEAT = {"tiny": 2, "small": 5, "medium": 7, "large": 9}
_MIN_SAMPLE_S = {"tiny": 0.002, "small": 0.02, "medium": 0.05, "large": 0.1}


def add_parser(subparsers) -> None:
    names = ", ".join([*WORKLOADS, "compile"])
    p = subparsers.add_parser(
        "bench", help="benchmark compiled vs interpreted execution",
        description="Times each workload interpreted (NumPy reference kernels, op by op) "
                    "and compiled (fused Numba kernels), after checking that both agree; "
                    "prints progress, then a table with medians, spread, speedup, warm-up, "
                    "GB/s and GFLOP/s; and the cold/warm compile latency measured in "
                    f"fresh processes. Workloads: {names}.")
    p.add_argument("--size", choices=SIZES, default="small",
                   help="problem sizes (default: small, about a minute on 2 cores; tiny is a "
                        "smoke test of a few seconds)")
    p.add_argument("--workloads", metavar="A,B",
                   help="comma-separated subset of the workloads (default: all)")
    p.add_argument("--repeat", type=int, metavar="N",
                   help="timed samples per column (default: 2 tiny, 5 small, 7 medium, 9 large)")
    p.add_argument("--peers", action="store_true",
                   help=f"add columns for the peers that import: {', '.join(PEERS)}")
    p.add_argument("--json", metavar="FILE", help="write every figure and the machine's "
                                                  "description to FILE")
    p.add_argument("--plot", metavar="FILE.png", help="draw speedups as a bar chart "
                                                      "(needs matplotlib)")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--compile-workload", choices=list(WORKLOADS), default="mlp_train",
                   help="the workload whose cold/warm compile is measured "
                        "(default: mlp_train)")
    p.add_argument("--keep-blas-env", action="store_true",
                   help="do not remove OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    p.set_defaults(func=run)


def _is_program() -> bool:
    """Whether this process is `python -m graphjit bench` (or the `graphjit` script)."""
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    return (getattr(spec, "name", None) == "graphjit.__main__"
            or os.path.basename(sys.argv[0]) == "graphjit")


def _list() -> int:
    for w in WORKLOADS.values():
        sizes = "; ".join(f"{s}: " + ", ".join(f"{k}={v}" for k, v in w.sizes[s].items())
                          for s in SIZES)
        print(f"{w.name:12} {w.title}\n{'':12} limited by {w.limit}\n{'':12} {sizes}")
    print(f"{'compile':12} cold and warm compile of --compile-workload in fresh processes")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    removed, env_note = machine.prepare_environment(args.keep_blas_env, _is_program())
    names = select(args.workloads)
    repeat = args.repeat if args.repeat is not None else _REPEAT[args.size]
    if repeat < 1:
        raise ValueError("--repeat must be at least 1")
    if args.plot:
        try:
            report.check_plotting()
        except ImportError as e:
            print(f"graphjit bench: error: {e}", file=sys.stderr)
            return 1
    description = machine.describe(removed)
    print(f"graphjit bench --size {args.size}: {', '.join(names)}; {repeat} timed samples "
          f"per column{', with peers' if args.peers else ''}", flush=True)
    for line in machine.summary_lines(description):
        print(line)
    if env_note:
        print(env_note)
    load = description["load_average"]
    if load and load[0] > description["usable_cpus"]:
        print(f"warning: load average {load[0]:.1f} on {description['usable_cpus']} CPUs: "
              "other processes compete, timings are inflated and noisy")
        if any((b.get("num_threads") or 1) > 1 for b in description["blas"]
               if b.get("user_api") == "blas"):
            print("warning: multi-threaded BLAS on a loaded machine can run GEMMs 10-25x "
                  "slower (docs/performance.md); compare with OPENBLAS_NUM_THREADS=1")
    started = time.perf_counter()
    workloads = [n for n in names if n != "compile"]
    results = []
    for i, name in enumerate(workloads, 1):
        params = ", ".join(f"{k}={v:,}" for k, v in WORKLOADS[name].sizes[args.size].items())
        print(f"[{i}/{len(workloads)}] {name} ({params}) ...", flush=True)
        try:
            result = run_workload(WORKLOADS[name], args.size, repeat,
                                  peers=PEERS if args.peers else (),
                                  min_sample_s=_MIN_SAMPLE_S[args.size])
        except BenchMismatch as e:
            print(f"graphjit bench: error: results disagree, nothing was timed: {e}",
                  file=sys.stderr)
            return 1
        results.append(result)
        print(report.progress_line(result), flush=True)
        for peer, why in result.unavailable.items():
            print(f"      {peer}: {why}")
    compiled = None
    if "compile" in names:
        print(f"compile: {args.compile_workload} in two fresh processes (empty kernel "
              "cache, then filled) ...", flush=True)
        try:
            compiled = measure_compile(args.compile_workload, args.size)
        except RuntimeError as e:
            print(f"graphjit bench: error: {e}", file=sys.stderr)
            return 1
    print()
    if results:
        print(report.format_table(results, markdown=args.markdown))
        print("median ±half the interquartile range; speedup = interpreted / compiled; "
              "warm-up = first compiled call (compiling), excluded from the timings; "
              "GB/s and GFLOP/s: compiled, against the compulsory bytes and FLOPs")
        if args.peers:
            print("peer columns: median (peer / compiled; above 1x the compiled plan is "
                  "faster)")
    if compiled is not None:
        print(report.compile_line(compiled))
    print(f"done in {time.perf_counter() - started:.1f} s")
    description = machine.describe(removed)  # the threading layer is known only now
    if args.json:
        settings = {"size": args.size, "repeat": repeat, "peers": args.peers,
                    "workloads": names, "compile_workload": args.compile_workload,
                    "min_sample_s": _MIN_SAMPLE_S[args.size], "argv": sys.argv[1:]}
        with open(args.json, "w") as f:
            json.dump(report.to_json(results, compiled, description, settings), f, indent=1)
        print(f"wrote {args.json}")
    if args.plot and results:
        title = (f"graphjit bench --size {args.size} on {description['cpu']}, "
                 f"{description['usable_cpus']} CPUs")
        report.plot(results, args.plot, title)
        print(f"wrote {args.plot}")
    return 0
