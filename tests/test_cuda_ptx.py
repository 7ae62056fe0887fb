"""Every kernel the CUDA backend generates for the shared cases (tests/cuda_cases.py and
a training step) compiles to PTX for compute capability 9.0, with exactly the argument
types it is launched with, and `ptxas` assembles that PTX for sm_90 where it exists.

Needs Numba's CUDA compiler (numba-cuda with NVVM, e.g. the `cuda` extra) but no GPU;
skips where `compile_ptx` is unavailable, and under NUMBA_ENABLE_CUDASIM=1 (the simulator
has no compiler, so this never shares a process with the simulator tests).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest

CC = (9, 0)


def _compiler():
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        pytest.skip("the CUDA simulator has no PTX compiler")
    try:
        import numba
        from numba import cuda

        @cuda.jit(device=True, inline=True)
        def one(x):
            return x + 1.0

        def probe(a):
            a[0] = one(a[0])

        # an (inlined, as in cuda_math) device function call without a GPU needs
        # numba-cuda: numba's own numba.cuda asks the driver for the compute capability
        cuda.compile_ptx(probe, (numba.types.float32[::1],), cc=CC)
    except Exception as e:  # noqa: BLE001 - any missing piece of the toolkit skips
        pytest.skip(f"no CUDA PTX compiler here ({type(e).__name__}: {e})")
    return numba, cuda


def _ptxas() -> str | None:
    return shutil.which("ptxas") or next(
        (p for p in ("/usr/local/cuda/bin/ptxas",) if os.path.exists(p)), None)


def _signature(numba, spec: tuple):
    args = []
    for item in spec:
        if item[0] == "int64":
            args.append(numba.types.int64)
        else:
            _, char, ndim = item
            args.append(numba.types.Array(numba.from_dtype(np.dtype(char)), ndim, "C"))
    return tuple(args)


def _all_kernels():
    import graphjit as gj
    from tests.cuda_cases import CASES, mlp_training

    kernels = {}
    for case in CASES:
        graph = gj.Graph()
        with graph.as_default():
            fetches, feeds = case.build(gj)
            plan = gj.compile(fetches, feeds, device="cuda")
        for k in plan.executable.kernels():
            kernels.setdefault(k.name, k).signatures |= k.signatures
    graph = gj.Graph()
    with graph.as_default():
        loss, train, feeds, _ = mlp_training(gj)
        plan = gj.compile([loss, train], feeds, device="cuda")
    for k in plan.executable.kernels():
        kernels.setdefault(k.name, k).signatures |= k.signatures
    return list(kernels.values())


def test_every_generated_kernel_compiles_to_ptx_and_assembles(tmp_path):
    numba, cuda = _compiler()
    from graphjit.compiler.lowering import cuda as backend

    assert not backend.SIMULATOR and backend.CONFIG.tile == 16
    kernels = _all_kernels()
    families = {k.family for k in kernels}
    assert {"elementwise", "reduction", "argmax", "argmin", "softmax", "log_softmax",
            "softmax_xent", "sparse_softmax_xent", "matmul", "conv2d",
            "conv2d_backprop_input", "conv2d_backprop_filter", "max_pool", "avg_pool",
            "max_pool_grad", "gather", "one_hot", "take"} <= families, families
    ptxas = _ptxas()
    compiled = 0
    for k in kernels:
        assert k.signatures, k.name
        for spec in sorted(k.signatures):
            ptx, _ = cuda.compile_ptx(k.function.py_func, _signature(numba, spec), cc=CC)
            assert ".entry" in ptx and ".target sm_90" in ptx, k.name
            compiled += 1
            if ptxas is None:
                continue
            path = tmp_path / f"{k.family}_{compiled}.ptx"
            path.write_text(ptx)
            done = subprocess.run([ptxas, "-arch=sm_90", str(path), "-o",
                                   str(path.with_suffix(".cubin"))],
                                  capture_output=True, text=True)
            assert done.returncode == 0, f"{k.name} {spec}:\n{done.stderr}"
    assert compiled >= len(kernels)
