"""GPU check and benchmark for the CUDA backend, in ONE call on a machine with a GPU.

1. the CUDA tests on the card (tests/cuda_sim_cases.py with GRAPHJIT_CUDA_DEVICE_TESTS=1,
   then tests/test_cuda_ptx.py), each in its own process;
2. the card's measured device-to-device copy bandwidth;
3. W1 (y = tanh(x*a+b) * sigmoid(x) - exp(-x*x), float32) at 1e7 and 1e8: the fused
   kernel alone (device arrays in and out: achieved GB/s, % of copy bandwidth), the whole
   `sess.run` with device="cuda" (feed up, fetch down), the CPU plan, and CuPy / PyTorch
   on the same card when importable;
4. the MLP training step (784-512-512-10, Adam) at batch 256 and 4096: device="cuda"
   (variables stay on the GPU; only the batch goes up and the loss comes back) vs the CPU
   plan vs PyTorch;
5. row softmax of (4096, 1024) float32: kernel alone (GB/s) and sess.run, vs the CPU plan,
   vs CuPy / PyTorch.

Prints a table with the card's name and the date, and writes it as JSON to
`$OUT/gpu_bench.json` when $OUT is set. `--quick` uses tiny sizes (a smoke test that runs
under NUMBA_ENABLE_CUDASIM=1 too). Usage, on the device machine from the repo root:

    PYTHONPATH=.. python benchmarks/gpu_bench.py          # (or pip install -e . first)
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
A, B = np.float32(0.5), np.float32(0.1)


def _sync():
    from numba import cuda
    cuda.synchronize()


def timed(fn, repeat: int, sync=None) -> float:
    """Median seconds of `fn` after one warm-up call (which also compiles)."""
    fn()
    if sync:
        sync()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        if sync:
            sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_tests() -> list[dict]:
    rows = []
    for name, args, env in [
            ("cuda tests on the card", ["tests/cuda_sim_cases.py"],
             {"GRAPHJIT_CUDA_DEVICE_TESTS": "1"}),
            ("PTX for sm_90 + ptxas", ["tests/test_cuda_ptx.py"], {})]:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               *args], cwd=ROOT, env=dict(os.environ, **env),
                              capture_output=True, text=True, timeout=400)
        tail = (done.stdout.strip().splitlines() or ["(no output)"])[-1]
        print(f"[{name}] rc={done.returncode} {tail} ({time.perf_counter() - start:.0f} s)")
        if done.returncode:
            print(done.stdout[-4000:], done.stderr[-2000:])
        rows.append({"check": name, "rc": done.returncode, "summary": tail})
    return rows


def copy_bandwidth(n: int, repeat: int) -> float:
    """Device-to-device copy GB/s, counting the bytes read and written."""
    from numba import cuda
    src = cuda.to_device(np.ones(n, np.float32))
    dst = cuda.device_array(n, np.float32)
    seconds = timed(lambda: dst.copy_to_device(src), repeat, _sync)
    return 2 * 4 * n / seconds / 1e9


def _session(build, device: str):
    import graphjit as gj
    graph = gj.Graph()
    with graph.as_default():
        fetches, feeds, init = build(gj)
    sess = gj.Session(graph=graph, device=device)
    if init is not None:
        sess.run(init)
    return sess, fetches, feeds


def _kernel_only(sess, fetches, feeds, repeat: int) -> float:
    """Seconds of the plan's device work alone: every step run against device-resident
    feeds, with nothing copied back (the CUDA executable's steps, synchronized). For
    plans without device error checks (gather, sparse labels)."""
    from graphjit.compiler.lowering.cuda import _Run
    from graphjit.runtime.context import RunContext
    exe = list(sess._plans.values())[-1].executable
    ctx = RunContext(sess._store)
    uploaded = [_device(v) for v in feeds.values()]

    def once():
        r = _Run(exe, ctx)
        for v, d in zip(exe.program.inputs, uploaded):
            r.dev[exe.slot[v.id]] = d
        for step in exe.steps:
            step.run(r)
    return timed(once, repeat, _sync)


def _device(array):
    from numba import cuda
    return cuda.to_device(np.ascontiguousarray(array))


def w1(n: int, repeat: int) -> list[dict]:
    x = np.random.default_rng(0).standard_normal(n).astype(np.float32)

    def build(gj):
        p = gj.placeholder(gj.float32, [None])
        return gj.tanh(p * A + B) * gj.sigmoid(p) - gj.exp(-p * p), {p: x}, None

    rows = []
    sess, y, feeds = _session(build, "cuda")
    expected = np.tanh(x * A + B) * (1 / (1 + np.exp(-x))) - np.exp(-x * x)
    err = float(np.max(np.abs(sess.run(y, feeds) - expected)))
    kernel = _kernel_only(sess, y, feeds, repeat)
    rows.append(_row(f"W1 {n:.0e}", "graphjit cuda kernel", kernel, 8 * n, err))
    rows.append(_row(f"W1 {n:.0e}", "graphjit cuda sess.run (feed+fetch)",
                     timed(lambda: sess.run(y, feeds), repeat), 8 * n))
    cpu, yc, fc = _session(build, "cpu")
    rows.append(_row(f"W1 {n:.0e}", "graphjit cpu plan", timed(lambda: cpu.run(yc, fc),
                                                              max(3, repeat // 4)), 8 * n))
    rows += _peers_w1(x, repeat)
    return rows


def _peers_w1(x, repeat: int) -> list[dict]:
    rows = []
    try:
        import cupy as cp
        d = cp.asarray(x)
        rows.append(_row(f"W1 {x.size:.0e}", "cupy (device arrays, op by op)", timed(
            lambda: cp.tanh(d * A + B) * (1 / (1 + cp.exp(-d))) - cp.exp(-d * d), repeat,
            cp.cuda.Device().synchronize), 8 * x.size))
    except Exception as e:  # noqa: BLE001 - a missing peer is a note, not a failure
        print(f"cupy: {type(e).__name__}: {e}")
    try:
        import torch
        d = torch.from_numpy(x).cuda()
        rows.append(_row(f"W1 {x.size:.0e}", "pytorch (device tensors, op by op)", timed(
            lambda: torch.tanh(d * 0.5 + 0.1) * torch.sigmoid(d) - torch.exp(-d * d), repeat,
            torch.cuda.synchronize), 8 * x.size))
    except Exception as e:  # noqa: BLE001
        print(f"torch: {type(e).__name__}: {e}")
    return rows


def mlp(batch: int, repeat: int, sizes=(784, 512, 512, 10)) -> list[dict]:
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    ys = rng.integers(0, sizes[-1], batch)

    def build(gj):
        x = gj.placeholder(gj.float32, [None, sizes[0]])
        y = gj.placeholder(gj.int64, [None])
        h = x
        for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            w = gj.Variable(gj.random_normal([fan_in, fan_out], stddev=0.05, seed=k))
            b = gj.Variable(gj.zeros([fan_out]))
            h = gj.matmul(h, w) + b
            if k < len(sizes) - 2:
                h = gj.nn.relu(h)
        loss = gj.reduce_mean(gj.nn.sparse_softmax_cross_entropy_with_logits(labels=y,
                                                                             logits=h))
        train = gj.train.AdamOptimizer(1e-3).minimize(loss)
        return [loss, train], {x: xs, y: ys}, gj.global_variables_initializer()

    rows = []
    label = f"MLP step b={batch}"
    sess, fetches, feeds = _session(build, "cuda")
    rows.append(_row(label, "graphjit cuda sess.run", timed(lambda: sess.run(fetches, feeds),
                                                            repeat)))
    plan = list(sess._plans.values())[-1]
    hosts = sorted({n.op for n, _ in plan.executable.fallbacks()})
    print(f"{label}: transfers of the last run {plan.executable.last_transfers}, "
          f"host steps {hosts}")
    cpu, fc, fd = _session(build, "cpu")
    rows.append(_row(label, "graphjit cpu plan", timed(lambda: cpu.run(fc, fd),
                                                       max(3, repeat // 4))))
    try:
        import torch
        torch.manual_seed(0)
        layers = []
        for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(torch.nn.Linear(fan_in, fan_out))
            if k < len(sizes) - 2:
                layers.append(torch.nn.ReLU())
        model = torch.nn.Sequential(*layers).cuda()
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        tx, ty = torch.from_numpy(xs), torch.from_numpy(ys)

        def step():  # the batch goes up and the loss comes back, as in sess.run
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(tx.cuda()), ty.cuda())
            loss.backward()
            opt.step()
            return loss.item()
        rows.append(_row(label, "pytorch (batch up, loss down)", timed(step, repeat)))
    except Exception as e:  # noqa: BLE001
        print(f"torch: {type(e).__name__}: {e}")
    return rows


def softmax(rows_n: int, cols: int, repeat: int) -> list[dict]:
    x = np.random.default_rng(2).standard_normal((rows_n, cols)).astype(np.float32)

    def build(gj):
        p = gj.placeholder(gj.float32, [None, cols])
        return gj.nn.softmax(p), {p: x}, None

    label = f"softmax {rows_n}x{cols}"
    sess, y, feeds = _session(build, "cuda")
    e = np.exp(x - x.max(1, keepdims=True))
    err = float(np.max(np.abs(sess.run(y, feeds) - e / e.sum(1, keepdims=True))))
    out = [_row(label, "graphjit cuda kernel", _kernel_only(sess, y, feeds, repeat),
                8 * x.size, err),
           _row(label, "graphjit cuda sess.run", timed(lambda: sess.run(y, feeds), repeat),
                8 * x.size)]
    cpu, yc, fc = _session(build, "cpu")
    out.append(_row(label, "graphjit cpu plan", timed(lambda: cpu.run(yc, fc), repeat),
                    8 * x.size))
    try:
        import torch
        d = torch.from_numpy(x).cuda()
        out.append(_row(label, "pytorch (device tensor)", timed(
            lambda: torch.softmax(d, dim=1), repeat, torch.cuda.synchronize), 8 * x.size))
    except Exception as e:  # noqa: BLE001
        print(f"torch: {type(e).__name__}: {e}")
    return out


def _row(workload: str, runner: str, seconds: float, nbytes: int | None = None,
         error: float | None = None) -> dict:
    row = {"workload": workload, "runner": runner, "ms": seconds * 1e3}
    if nbytes:
        row["GB/s"] = nbytes / seconds / 1e9
    if error is not None:
        row["max_abs_err"] = error
    print(f"  {workload:<20} {runner:<40} {seconds * 1e3:10.3f} ms"
          + (f" {row['GB/s']:8.1f} GB/s" if nbytes else ""), flush=True)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    from numba import cuda
    if cuda.is_available() and hasattr(cuda, "get_current_device"):
        card = cuda.get_current_device().name
        card = card.decode() if isinstance(card, bytes) else str(card)
    else:
        card = "CUDA simulator" if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" else "none"
    date = datetime.date.today().isoformat()
    print(f"card: {card}; date: {date}; numba {__import__('numba').__version__}")
    report = {"card": card, "date": date, "tests": [], "rows": []}
    if not args.skip_tests:
        report["tests"] = run_tests()
    repeat = 2 if args.quick else args.repeat
    sizes = [1000] if args.quick else [10**7, 10**8]
    copy_n = 1000 if args.quick else 10**8
    report["copy_GBps"] = bw = copy_bandwidth(copy_n, repeat)
    print(f"device-to-device copy: {bw:.1f} GB/s (read + write)")
    rows = report["rows"]
    for n in sizes:
        rows += w1(n, repeat)
    for batch in ([4] if args.quick else [256, 4096]):
        rows += mlp(batch, repeat, (8, 6, 6, 3) if args.quick else (784, 512, 512, 10))
    rows += softmax(*((4, 8) if args.quick else (4096, 1024)), repeat)
    print(f"\n{card}, {date}; copy bandwidth {bw:.1f} GB/s")
    print(f"| {'workload':<20} | {'runner':<40} | {'ms':>10} | {'GB/s':>7} | {'% copy':>6} |")
    print(f"|{'-' * 22}|{'-' * 42}|{'-' * 12}|{'-' * 9}|{'-' * 8}|")
    for row in rows:
        gbps = row.get("GB/s")
        print(f"| {row['workload']:<20} | {row['runner']:<40} | {row['ms']:10.3f} | "
              + (f"{gbps:7.1f} | {100 * gbps / bw:5.0f}% |" if gbps else f"{'':>7} | "
                 f"{'':>6} |"))
    out = os.environ.get("OUT")
    if out:
        Path(out, "gpu_bench.json").write_text(json.dumps(report, indent=1))
    return 1 if any(t["rc"] for t in report["tests"]) else 0


if __name__ == "__main__":
    sys.exit(main())
