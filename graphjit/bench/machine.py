"""The machine a benchmark ran on: CPU, cores, load, memory, versions, BLAS and threads.

`describe()` returns plain data for the JSON file; `summary_lines(description)` the lines
printed above the table. BLAS comes from threadpoolctl when it is importable (library,
version, architecture it picked, threading layer, threads), else from
`numpy.show_config(mode="dicts")`. The environment variables that change thread counts or
BLAS kernels are recorded as set or unset.

`prepare_environment`: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE (`BLAS_OVERRIDES`) may be
set on this machine and slow NumPy's BLAS (NOTES.md). OpenBLAS reads them when NumPy
loads it, which `import graphjit` has already done, so a benchmark that is its own
process re-executes itself (same interpreter and arguments, `sys.orig_argv`) without
them, and the new process says so; an in-process call (a test) leaves them and says that.

May import: numpy, numba, llvmlite, the standard library; threadpoolctl and the peers'
packages only to read versions of what is already importable.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import platform
import sys

import numpy as np

BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_UNSET_MARK = "GRAPHJIT_BENCH_UNSET"   # in the re-executed process: what was removed
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                    "NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER", "OMP_PROC_BIND",
                    "MALLOC_MMAP_THRESHOLD_", "GRAPHJIT_CACHE_DIR", *BLAS_OVERRIDES)
_PACKAGES = ("numpy", "numba", "llvmlite", "graphjit", "tensorflow", "tensorflow-cpu", "jax",
             "jaxlib", "numexpr", "threadpoolctl", "matplotlib")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _cpu_flags() -> list[str]:
    """The SIMD extensions the kernels can use (Linux only)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f")
                            if f in flags]
    except OSError:
        pass
    return []


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def _blas() -> list[dict]:
    try:
        import threadpoolctl
    except ImportError:
        threadpoolctl = None
    if threadpoolctl is not None:
        keys = ("user_api", "internal_api", "version", "architecture", "threading_layer",
                "num_threads", "prefix")
        return [{k: info.get(k) for k in keys} for info in threadpoolctl.threadpool_info()]
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return [{"user_api": "blas", "internal_api": blas.get("name"),
                 "version": blas.get("version"), "source": "numpy.show_config"}]
    except (TypeError, KeyError):  # numpy < 1.26 has no mode="dicts"
        return []


def _numba() -> dict:
    import numba
    info = {"threads": numba.config.NUMBA_NUM_THREADS}
    try:
        info["threading_layer"] = numba.threading_layer()
    except ValueError:  # known only once a parallel kernel has run
        info["threading_layer"] = None
    return info


def describe(unset: dict[str, str] | None = None) -> dict:
    """The machine and software, as JSON-ready data; `unset` are the variables the bench
    removed from its own environment (name -> the value they had)."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    try:
        load = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        load = None
    return {
        "cpu": _cpu_model(), "cpu_flags": _cpu_flags(), "logical_cpus": os.cpu_count(),
        "usable_cpus": affinity, "load_average": load, "memory_gib": _memory_gib(),
        "platform": platform.platform(), "python_implementation": sys.implementation.name,
        "versions": _versions(), "blas": _blas(), "numba": _numba(),
        "environment": {k: os.environ.get(k) for k in THREAD_VARIABLES},
        "unset_for_this_run": dict(unset or {}),
    }


def summary_lines(d: dict) -> list[str]:
    """What the table's reader needs to know about the machine, in a few lines."""
    v = d["versions"]
    load = "" if d["load_average"] is None else \
        f", load average {d['load_average'][0]:.2f} (1 min)"
    lines = [f"machine: {d['cpu']} ({', '.join(d['cpu_flags']) or 'no SIMD flags read'}), "
             f"{d['usable_cpus']} of {d['logical_cpus']} CPUs usable{load}",
             "versions: " + ", ".join(f"{k} {v[k]}" for k in ("python", "numpy", "numba",
                                                            "llvmlite") if k in v)]
    blas = "; ".join(
        f"{b.get('internal_api')} {b.get('version')}"
        + (f" ({b['architecture']}, {b.get('threading_layer')})" if b.get("architecture")
           else "")
        + (f", {b['num_threads']} threads" if b.get("num_threads") else "")
        for b in d["blas"]) or "unknown (threadpoolctl absent and numpy did not say)"
    lines.append(f"BLAS/OpenMP: {blas}; numba {d['numba']['threads']} threads")
    env = d["environment"]
    shown = [f"{k}={env[k]}" for k in THREAD_VARIABLES if env.get(k) is not None]
    lines.append("thread/BLAS environment: " + (", ".join(shown) if shown else
                                                "no OPENBLAS_/OMP_/MKL_/NUMBA_ settings"))
    return lines


def prepare_environment(keep: bool, own_process: bool) -> tuple[dict[str, str], str | None]:
    """Re-executes this process without BLAS_OVERRIDES when they are set, `keep` is false
    and the benchmark is `own_process`; returns (the variables removed, a line saying
    what happened, or None when there was nothing to do)."""
    if _UNSET_MARK in os.environ:
        removed = json.loads(os.environ[_UNSET_MARK])
        listed = ", ".join(f"{k}={v}" for k, v in removed.items())
        return removed, (f"note: unset {listed} for this benchmark process only (they slow "
                         "NumPy's BLAS on this machine); your shell keeps them")
    present = {k: os.environ[k] for k in BLAS_OVERRIDES if k in os.environ}
    if not present:
        return {}, None
    listed = ", ".join(f"{k}={v}" for k, v in present.items())
    if keep:
        return {}, f"note: {listed} kept (--keep-blas-env)"
    if not own_process:
        return {}, f"note: {listed} left as set (benchmark called in-process)"
    env = {k: v for k, v in os.environ.items() if k not in present}
    env[_UNSET_MARK] = json.dumps(present)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], env)
    raise AssertionError("unreachable: execve returns only by raising")
