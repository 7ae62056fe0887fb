"""Compile latency, measured in fresh processes: cold (empty kernel cache) and warm (the
cache the cold process filled).

`measure_compile(workload, size)` starts two child Pythons, one after the other, with
`GRAPHJIT_CACHE_DIR` pointing at a new empty directory: the first compiles every kernel,
the second finds them on disk and should compile nothing. Each child is a `python -c`
that reads the clock before it imports graphjit (`python -m graphjit.bench.probe` would
import graphjit first) and then calls `probe`, which times `import graphjit`, building the
graph, opening a compiled Session (including running the variable initializers), the
first step (where the plan is built and compiled) and a second step (a plan that exists);
the parent adds the whole process's wall time, interpreter start-up included. Each child
has a time limit, so a stuck compile ends the benchmark with an error instead of hanging.

May import: graphjit (the child imports graphjit.bench.workloads), the standard library.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

PROBE_TIMEOUT_S = 300.0
# `python -m graphjit.bench.probe` would import graphjit before the clock starts.
_CHILD = ("import json, sys, time; start = time.perf_counter(); "
          "from graphjit.bench.probe import probe; "
          "print(json.dumps(probe(start, *sys.argv[1:3])))")


def probe(start: float, workload: str, size: str) -> dict:
    """The child's figures; `start` is the clock read before `import graphjit`."""
    import graphjit as gj
    imported = time.perf_counter()
    from graphjit.bench.workloads import WORKLOADS
    inst = WORKLOADS[workload].instance(size)
    built = time.perf_counter()
    sess = gj.Session(graph=inst.graph)
    if inst.init:
        sess.run(inst.init)
    opened = time.perf_counter()
    sess.run(inst.fetches, inst.feed)
    first = time.perf_counter()
    sess.run(inst.fetches, inst.feed)
    second = time.perf_counter()
    return {"import_s": imported - start, "build_s": built - imported,
            "open_s": opened - built, "first_step_s": first - opened,
            "second_step_s": second - first, "to_first_step_s": first - built,
            "label": inst.label}


def _run_child(workload: str, size: str, env: dict, timeout: float) -> dict:
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, workload, size], env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"compile probe for {workload} did not finish in {timeout:.0f} s"
                           ) from None
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"compile probe for {workload} failed (exit {done.returncode}):\n"
                           f"{done.stderr.strip()[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process_wall_s"] = wall
    return result


def measure_compile(workload: str, size: str, timeout: float = PROBE_TIMEOUT_S) -> dict:
    """{"workload", "size", "label", "cache_dir", "cold": {...}, "warm": {...}}: the probe's
    figures for a process with an empty kernel cache, then one with the cache filled."""
    with tempfile.TemporaryDirectory(prefix="graphjit-bench-cache-") as cache:
        env = dict(os.environ, GRAPHJIT_CACHE_DIR=cache)
        cold = _run_child(workload, size, env, timeout)
        warm = _run_child(workload, size, env, timeout)
    return {"workload": workload, "size": size, "label": cold.pop("label"),
            "cold": cold, "warm": {k: v for k, v in warm.items() if k != "label"}}
