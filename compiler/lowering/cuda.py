"""The Numba CUDA backend: `lower_cuda(program) -> CudaExecutable`.

It consumes the same optimized program as the CPU backend (the same "fused" nodes from
fuse_elementwise and the same memory plan from plan_memory) and turns each node into one
step, run in program order:

- kernels (compiler/lowering/cuda_codegen.py): fused and single elementwise ops;
  reductions with a combiner (fused ones included), sum_to_shape and l2_loss; argmax /
  argmin; softmax, log_softmax and both softmax cross-entropies over the last axis;
  matmul (batched, transposed); conv2d and its two gradients, max/avg pooling and
  their gradients (NHWC); gather (batch_dims 0) and one_hot; and the index-map ops
  (`TAKE_OPS`: transpose, slices, concat, stack, split, pad, tile, ...), whose gather
  map is computed once, at lowering, by running the op's own reference kernel on
  element ids, so they need no per-op device code;
- views: reshape, expand_dims, squeeze reshape the device array (no copy);
- state: variables live on the device between runs (compiler/lowering/cuda_state.py),
  assignments (optimizer updates included) are device kernels, and writes are committed
  only when the run succeeds;
- host fallbacks: every other op (random ops, scans, segment sums, prints, int matmul
  shapes the kernels do not cover, ...) runs its NumPy reference kernel on host copies of
  its inputs. `describe()` lists each with its reason. Copies are made lazily and once per
  run per value: a host result is uploaded only when a device step reads it.

Residency: a feed is uploaded at most once per run (when a kernel first reads it),
constants once per executable, intermediates stay on the device, and only fetched values
are downloaded. `last_transfers` holds the bytes each way of the latest run.

Launch configuration: grid-stride loops, so any size runs on a bounded grid. Under
`NUMBA_ENABLE_CUDASIM=1` (one Python thread per CUDA thread) the blocks and tiles are
small, so the simulator tests stay fast while still running several blocks.

Errors: an out-of-range gather index or sparse label sets a device flag; the flags are
read at the end of the run and the flagged op is re-run on the host, which raises the
interpreter's error naming the user op. Any failure syncs device-only variable values
to the host first (cuda_state.sync_to_host).

May import: numpy, numba, graphjit.graphlib, compiler.program, compiler.kernel_cache,
compiler.lowering.*.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numba
import numpy as np
from numba import cuda

from ...graphlib import errors, registry
from .. import kernel_cache
from ..program import Node, Program, Value
from . import codegen, cuda_codegen, cuda_state
from .reference import run_node

SIMULATOR = bool(numba.config.ENABLE_CUDASIM)


@dataclass(frozen=True)
class LaunchConfig:
    threads: int          # threads per block of grid-stride kernels
    max_blocks: int       # grid-stride kernels never launch more blocks
    reduce_threads: int   # threads per block of block reductions (a power of two)
    tile: int             # matmul tile edge
    column_min: int       # reductions with at least this many inner outputs use columns
    split_min: int        # a reduced range above this many elements per thread is split


CONFIG = LaunchConfig(32, 2, 8, 4, 4, 8) if SIMULATOR else \
    LaunchConfig(256, 16384, 256, 16, 32, 64)

# Ops lowered as an index map: which inputs carry data; the other inputs must be
# constants (after fold_constants they are) or shape-only inputs.
TAKE_OPS: dict[str, Callable[[int], Sequence[int]]] = {
    "transpose": lambda n: (0,), "strided_slice": lambda n: (0,), "slice": lambda n: (0,),
    "reverse": lambda n: (0,), "tile": lambda n: (0,), "pad": lambda n: (0,),
    "mirror_pad": lambda n: (0,), "concat": lambda n: range(n - 1),
    "stack": lambda n: range(n), "unstack": lambda n: (0,), "split": lambda n: (1,),
    "split_v": lambda n: (0,), "broadcast_to": lambda n: (0,),
    "broadcast_reduced": lambda n: (0,), "strided_slice_grad": lambda n: (4,),
    "fill": lambda n: (1,), "gather": lambda n: (0,),
}
_VIEWS = frozenset({"reshape", "expand_dims", "squeeze"})
_CONV = frozenset({"conv2d", "conv2d_backprop_input", "conv2d_backprop_filter"})
_POOL = frozenset({"max_pool", "avg_pool", "avg_pool_grad", "max_pool_grad"})
_KERNEL_DTYPES = frozenset("fdil")


def _int(value) -> np.int64:
    return np.int64(value)


def _blocks(n: int) -> int:
    return max(1, min(-(-n // CONFIG.threads), CONFIG.max_blocks))


def _spec(arg) -> tuple:
    """The type of one kernel argument: ("array", dtype char, ndim) or ("int64",)."""
    if isinstance(arg, np.integer):
        return ("int64",)
    return ("array", np.dtype(arg.dtype).char, len(arg.shape))


class Kernel:
    """One generated module's `kernel` and every argument signature it is launched with
    (recorded at lowering, so the PTX test compiles exactly what runs)."""

    def __init__(self, family: str, source: str):
        self.family = family
        self.source = source
        self.module = kernel_cache.load(f"cuda_{family}", source)
        self.function = self.module.kernel
        self.signatures: set[tuple] = set()

    @property
    def name(self) -> str:
        return self.module.__name__


class _Launch:
    """A kernel bound to one argument signature."""

    def __init__(self, kernel: Kernel, spec: tuple):
        self.kernel = kernel
        self.spec = spec
        kernel.signatures.add(spec)

    def __call__(self, grid, block, *args) -> None:
        if CHECK_SIGNATURES:
            actual = tuple(_spec(a) for a in args)
            if actual != self.spec:
                raise AssertionError(f"{self.kernel.name}: launched with {actual}, "
                                     f"recorded {self.spec}")
        self.kernel.function[grid, block](*args)


CHECK_SIGNATURES = SIMULATOR  # the simulator tests check every launch against its record


def _array_spec(dtype, ndim: int) -> tuple:
    return ("array", np.dtype(dtype).char, ndim)


_INT = ("int64",)


class _Run:
    """One run's values: device and host copies per slot, made lazily, counted."""

    def __init__(self, exe: CudaExecutable, ctx):
        n = len(exe.slot)
        self.exe = exe
        self.ctx = ctx
        self.dev: list = [None] * n
        self.host: list = [None] * n
        self.owned: set[int] = set()  # slots whose host array this run made
        self.h2d = 0
        self.d2h = 0
        self.writes: dict[str, object] = {}
        self.checks: list[tuple[Node, int, list]] = []
        self.flags = None

    def upload(self, array) -> object:
        array = np.asarray(array, order="C")  # not ascontiguousarray: it makes 0-d 1-d
        self.h2d += array.nbytes
        return cuda.to_device(array)

    def device(self, slot: int):
        d = self.dev[slot]
        if d is None:
            constant = self.exe._const_slots.get(slot)
            d = self.dev[slot] = constant(self) if constant is not None else \
                self.upload(self.host[slot])
        return d

    def value(self, slot: int):
        """The host value (downloaded once if it lives on the device)."""
        h = self.host[slot]
        if h is None:
            h = self.host[slot] = self.dev[slot].copy_to_host()
            self.d2h += h.nbytes
            self.owned.add(slot)
        return h


class _Step:
    __slots__ = ("node", "run", "label", "kernels", "fallback")

    def __init__(self, node: Node, run: Callable, label: str, kernels=(), fallback=""):
        self.node = node
        self.run = run
        self.label = label
        self.kernels = tuple(kernels)
        self.fallback = fallback


class _Unsupported(Exception):
    """This node runs on the host; the message says why."""


class CudaExecutable:
    """The lowered program; `run(ctx, feed_values)` returns the fetched arrays."""

    def __init__(self, program: Program):
        self.program = program
        self.values = dict(program.values)  # grows by the members of unfused groups
        self._next_id = max([program.next_id, *self.values]) + 1
        self._lock = threading.Lock()
        self.slot: dict[int, int] = {}
        for v in program.inputs:
            self.slot.setdefault(v.id, len(self.slot))
        for node in program.nodes:
            for v in node.outputs:
                self.slot.setdefault(v.id, len(self.slot))
        self.memory = getattr(program, "memory", None)
        self._arenas: list | None = None
        self._constants: dict[int, object] = {}  # id(host array) -> device copy
        self._const_arrays: list[np.ndarray] = []
        self._const_slots: dict[int, Callable[[_Run], object]] = {}
        self._flag_count = 0
        self._reused: dict[int, object] = {}
        self._reusable = self._fetched_buffers_to_reuse(program)
        self.steps = [self._lower(node) for node in program.nodes]
        last: dict[int, int] = {}
        for index, node in enumerate(program.nodes):
            for v in node.outputs:
                last[v.id] = index
            for i in node.inputs:
                last[i] = index
        keep = set(program.outputs)
        self._release = [[] for _ in program.nodes]
        for vid, index in last.items():
            if vid not in keep:
                self._release[index].append(self.slot[vid])
        self.last_transfers = {"h2d": 0, "d2h": 0}

    # -- helpers used while lowering ---------------------------------------------------------
    def _kernel(self, family: str, source: str, spec: Sequence[tuple]) -> _Launch:
        return _Launch(Kernel(family, source), tuple(spec))

    def _const_value(self, vid: int):
        """The value of `vid` when a const node makes it, else None."""
        producer = self.program.producers.get(vid)
        if producer is not None and producer[0].op == "const":
            return np.asarray(producer[0].attrs["value"])
        return None

    def _constant(self, array: np.ndarray) -> Callable[[_Run], object]:
        """A host array the kernels read: uploaded on first use, kept for every run."""
        array = np.asarray(array, order="C")  # keeps a 0-d array 0-d (see upload)
        self._const_arrays.append(array)
        key = id(array)

        def get(r: _Run):
            d = self._constants.get(key)
            if d is None:
                d = self._constants[key] = r.upload(array)
            return d
        return get

    @staticmethod
    def _fetched_buffers_to_reuse(program: Program) -> set[int]:
        """Fetched values whose device buffer may serve every run: they are downloaded
        before the run returns, and no view or variable keeps an alias of them."""
        keeps = _VIEWS | {"assign_variable", "assign_add_variable", "assign_sub_variable"}
        kept = {i for node in program.nodes if node.op in keeps for i in node.inputs}
        return set(program.outputs) - kept

    def _alloc(self, v: Value):
        if v.id in self._reusable:
            buffer = self._reused.get(v.id)
            if buffer is None:
                buffer = self._reused[v.id] = cuda.device_array(v.shape, v.dtype.np)
            return buffer
        if self.memory is not None and v.id in self.memory.slots:
            if self._arenas is None:
                self._arenas = [cuda.device_array(size, np.uint8)
                                for size in self.memory.slot_bytes]
            arena = self._arenas[self.memory.slots[v.id]]
            return arena[:v.nbytes].view(v.dtype.np).reshape(v.shape)
        return cuda.device_array(v.shape, v.dtype.np)

    # -- lowering one node ------------------------------------------------------------------
    def _lower(self, node: Node) -> _Step:
        op = node.op
        try:
            if op == "const":
                return self._lower_const(node)
            if op in ("var_handle", "read_variable", "assign_variable", "assign_add_variable",
                      "assign_sub_variable"):
                return self._lower_state(node)
            if op in _VIEWS:
                return self._lower_view(node)
            if not node.pure:
                raise _Unsupported("stateful or random: runs on the host")
            if op == "fused" and node.attrs["kind"] == "reduction":
                return self._lower_reduction(node)
            if op == "fused" and node.attrs["kind"] != "elementwise":
                return self._lower_members(node)
            if op == "fused" or (codegen.can_lower_elementwise(op, len(node.inputs)) and
                                 len(node.outputs) == 1):
                return self._lower_elementwise(node)
            opdef = registry.get(op)
            if (opdef.kind == "reduction" and "combiner" in opdef.attrs) or \
                    op in ("sum_to_shape", "l2_loss"):
                return self._lower_reduction(node)
            if op in ("argmax", "argmin"):
                return self._lower_arg(node)
            if op in ("softmax", "log_softmax", "softmax_cross_entropy_with_logits",
                      "sparse_softmax_cross_entropy_with_logits"):
                return self._lower_softmax(node)
            if op == "matmul":
                return self._lower_matmul(node)
            if op in _CONV or op in _POOL:
                return self._lower_window(node)
            if op == "gather" and self._const_value(node.inputs[1]) is None:
                return self._lower_gather(node)
            if op == "one_hot":
                return self._lower_one_hot(node)
            if op in TAKE_OPS:
                return self._lower_take(node)
            raise _Unsupported("no CUDA kernel for this op")
        except _Unsupported as why:
            return self._lower_host(node, str(why))

    def _lower_host(self, node: Node, why: str) -> _Step:
        ins = [self.slot[i] for i in node.inputs]
        outs = [self.slot[v.id] for v in node.outputs]
        if node.op == "fused":  # the CPU backend's op-by-op meaning of a fused body
            from .cpu import _run_body_reference as evaluate
        else:
            evaluate = run_node

        def run(r: _Run):
            args = [r.value(s) for s in ins]
            results = evaluate(node, args, r.ctx)
            for s, v, out in zip(outs, node.outputs, results):
                r.host[s] = out
                if v.dtype.np is not None and not any(out is a for a in args):
                    r.owned.add(s)
        return _Step(node, run, "host", fallback=why)

    def _lower_const(self, node: Node) -> _Step:
        (v,) = node.outputs
        value = np.asarray(node.attrs["value"], dtype=v.dtype.np).reshape(v.shape)
        slot = self.slot[v.id]
        self._const_slots[slot] = self._constant(value)

        def run(r: _Run):
            r.host[slot] = value  # its device copy is made by the first kernel reading it
        return _Step(node, run, "constant (uploaded once)")

    def _lower_view(self, node: Node) -> _Step:
        src, dst = self.slot[node.inputs[0]], self.slot[node.outputs[0].id]
        shape = node.outputs[0].shape

        def run(r: _Run):
            if r.dev[src] is not None:
                r.dev[dst] = r.dev[src].reshape(shape)
            if r.host[src] is not None:
                r.host[dst] = np.reshape(r.host[src], shape)
        return _Step(node, run, "view")

    def _lower_state(self, node: Node) -> _Step:
        op = node.op
        if op == "var_handle":
            out = self.slot[node.outputs[0].id]
            name = node.attrs["shared_name"]

            def handle(r: _Run):
                r.host[out] = r.ctx.variable_handle(name)
            return _Step(node, handle, "variable handle")
        h = self.slot[node.inputs[0]]
        out = self.slot[node.outputs[0].id]
        if op == "read_variable":
            def read(r: _Run):
                name = r.host[h]
                d = r.writes.get(name)
                if d is None:
                    d = cuda_state.for_store(r.ctx.store).read(r.ctx, name, r.upload)
                r.dev[out] = d
            return _Step(node, read, "variable read (device-resident)")
        value_slot = self.slot[node.inputs[1]]
        if op == "assign_variable":
            def assign(r: _Run):
                r.writes[r.host[h]] = r.dev[out] = r.device(value_slot)
            return _Step(node, assign, "variable write (device)")
        var = node.outputs[0]
        value = self.values[node.inputs[1]]
        step = codegen.Step("add" if op == "assign_add_variable" else "subtract", (0, 1), (),
                            var.dtype.np)
        dims, spans = codegen.coalesce(var.shape, [var.shape, value.shape])
        views = [tuple(d if s else 1 for d, s in zip(dims, span)) for span in spans]
        source = cuda_codegen.elementwise_source([step], [var.dtype.np, value.dtype.np],
                                                 spans, (0,))
        launch = self._kernel("elementwise", source, [_array_spec(var.dtype.np, len(dims)),
                                                      _array_spec(value.dtype.np, len(dims)),
                                                      _array_spec(var.dtype.np, len(dims))])
        n = var.size

        def update(r: _Run):
            name = r.host[h]
            current = r.writes.get(name)
            if current is None:
                current = cuda_state.for_store(r.ctx.store).read(r.ctx, name, r.upload)
            result = cuda.device_array(var.shape, var.dtype.np)
            if n:
                launch(_blocks(n), CONFIG.threads, current.reshape(views[0]),
                       r.device(value_slot).reshape(views[1]), result.reshape(dims))
            r.writes[name] = r.dev[out] = result
        return _Step(node, update, "variable update (device kernel)", [launch.kernel])

    def _lower_members(self, node: Node) -> _Step:
        """A fused group of a kind this backend has no single kernel for (the CPU's
        "rows" groups): each member becomes its own device step, in body order."""
        from ...graphlib.dtypes import as_dtype
        from ..program import Attrs

        shapes = node.attrs.get("member_shapes")
        body = node.attrs["body"]
        if shapes is None or len(shapes) != len(body):
            raise _Unsupported(f"fused {node.attrs['kind']} kernels")
        ids = list(node.inputs)
        steps = []
        for (op, args, dtype, origin, attrs), shape in zip(body, shapes):
            vid = self._next_id
            self._next_id += 1
            value = Value(vid, as_dtype(dtype), tuple(shape))
            self.values[vid] = value
            self.slot[vid] = len(self.slot)
            member = Node(vid, op, tuple(ids[a] for a in args), Attrs(dict(attrs)), (value,),
                          node.origins[origin:origin + 1] or node.origins)
            steps.append(self._lower(member))
            ids.append(vid)
        first = len(node.inputs)
        copies = [(self.slot[v.id], self.slot[ids[first + j]])
                  for v, j in zip(node.outputs, node.attrs["outputs"])]
        members = [self.slot[i] for i in ids[first:]]

        def run(r: _Run):
            for step in steps:
                step.run(r)
            for dst, src in copies:
                r.dev[dst], r.host[dst] = r.dev[src], r.host[src]
                if src in r.owned:
                    r.owned.add(dst)
            for s in members:
                r.dev[s] = r.host[s] = None
        hosts = [f"{st.node.op} ({st.fallback})" for st in steps if st.label == "host"]
        return _Step(node, run, f"{node.attrs['kind']} group as {len(steps)} device steps",
                     [k for st in steps for k in st.kernels],
                     fallback="; ".join(hosts) if hosts else "")

    # -- elementwise ---------------------------------------------------------------------------
    def _scalar_constants(self, node: Node) -> dict[int, object]:
        found = {}
        for k, i in enumerate(node.inputs):
            value = self._const_value(i)
            if value is not None and value.size == 1:
                found[k] = value.reshape(()).item()
        return found

    def _body(self, node: Node):
        if node.op == "fused":
            steps = [codegen.Step(op, tuple(args), (), np.dtype(dtype))
                     for op, args, dtype, _origin, *_ in node.attrs["body"]]
            return steps, tuple(node.attrs["shape"])
        out = node.outputs[0]
        return [codegen.Step(node.op, tuple(range(len(node.inputs))), (), out.dtype.np)], \
            out.shape

    def _lower_elementwise(self, node: Node) -> _Step:
        steps, shape = self._body(node)
        if any(v.dtype.np is None for v in node.outputs):
            raise _Unsupported("resource values")
        in_values = [self.values[i] for i in node.inputs]
        dims, spans = codegen.coalesce(shape, [v.shape for v in in_values])
        views = [tuple(d if s else 1 for d, s in zip(dims, span)) for span in spans]
        outputs = tuple(node.attrs["outputs"]) if node.op == "fused" else (0,)
        literals = self._scalar_constants(node)
        source = cuda_codegen.elementwise_source(
            steps, [v.dtype.np for v in in_values], spans or [(True,) * len(dims)], outputs,
            literals)
        passed = [(self.slot[i], views[k]) for k, i in enumerate(node.inputs)
                  if k not in literals]
        spec = [_array_spec(in_values[k].dtype.np, len(dims)) for k in range(len(in_values))
                if k not in literals] + [_array_spec(v.dtype.np, len(dims))
                                         for v in node.outputs]
        launch = self._kernel("elementwise", source, spec)
        outs = [(self.slot[v.id], v) for v in node.outputs]
        n = int(np.prod(dims))

        def run(r: _Run):
            xs = [r.device(s).reshape(view) for s, view in passed]
            results = []
            for s, v in outs:
                r.dev[s] = d = self._alloc(v)
                results.append(d.reshape(dims))
            if n:
                launch(_blocks(n), CONFIG.threads, *xs, *results)
        return _Step(node, run, f"elementwise[{len(steps)} ops, {len(dims)}-D]",
                     [launch.kernel])

    # -- reductions -----------------------------------------------------------------------------
    def _reduction_plan(self, node: Node):
        """(steps, shape, combiner, axes, finish) of any reduction node."""
        values = self.values
        if node.op == "fused":
            steps, shape = self._body(node)
            combiner, axes = node.attrs["combiner"], node.attrs["axes"]
        elif node.op == "sum_to_shape":
            steps, shape = [], values[node.inputs[0]].shape
            like = values[node.inputs[1]].shape
            padded = (1,) * (len(shape) - len(like)) + tuple(like)
            combiner = "sum"
            axes = tuple(d for d in range(len(shape))
                         if d < len(shape) - len(like) or (padded[d] == 1 and shape[d] != 1))
        elif node.op == "l2_loss":
            x = values[node.inputs[0]]
            steps, shape = [codegen.Step("square", (0,), (), x.dtype.np)], x.shape
            combiner, axes = "sum", tuple(range(len(shape)))
        else:
            steps, shape = [], values[node.inputs[0]].shape
            combiner, axes = registry.get(node.op).attrs["combiner"], node.attrs["axes"]
        rank = len(shape)
        axes = tuple(range(rank)) if axes is None else tuple(sorted({a % rank for a in axes})) \
            if rank else ()
        finish = {"mean": "mean"}.get(combiner, "half" if node.op == "l2_loss" else "plain")
        return steps, tuple(shape), combiner, axes, finish

    def _lower_reduction(self, node: Node) -> _Step:
        steps, shape, combiner, axes, finish = self._reduction_plan(node)
        in_values = [self.values[i] for i in node.inputs]
        if node.op == "sum_to_shape":
            in_values = in_values[:1]
        out_value = node.outputs[0]
        kernels = []
        prepare = []  # run-time producers of the reduction's inputs
        layout = codegen.reduction_layout(shape, axes, [v.shape for v in in_values])
        input_dtypes = [v.dtype.np for v in in_values]
        if layout is None:
            # Reduced axes not one block: materialize the body, move the reduced axes last.
            value_dtype = steps[-1].dtype if steps else input_dtypes[0]
            if steps:
                dims, spans = codegen.coalesce(shape, [v.shape for v in in_values])
                views = [tuple(d if s else 1 for d, s in zip(dims, span)) for span in spans]
                source = cuda_codegen.elementwise_source(steps, input_dtypes, spans,
                                                         (len(steps) - 1,))
                body = self._kernel("elementwise", source, [
                    *[_array_spec(dt, len(dims)) for dt in input_dtypes],
                    _array_spec(value_dtype, len(dims))])
                kernels.append(body.kernel)
            kept = [d for d in range(len(shape)) if d not in axes]
            perm = kept + list(axes)
            index_map = np.transpose(np.arange(1, int(np.prod(shape)) + 1).reshape(shape),
                                     perm).reshape(-1)
            take = self._kernel("take", cuda_codegen.take_source(1), [
                _array_spec(np.int64, 1), _array_spec(np.int64, 1),
                _array_spec(value_dtype, 1), _array_spec(value_dtype, 1),
                _array_spec(value_dtype, 1)])
            kernels.append(take.kernel)
            get_map = self._constant(index_map)
            get_ends = self._constant(np.array([index_map.size], np.int64))
            get_fill = self._constant(np.zeros(1, value_dtype))
            in_slots = [self.slot[v.id] for v in in_values]
            size = int(np.prod(shape))

            def permuted(r: _Run):
                if steps:
                    full = cuda.device_array(dims, value_dtype)
                    if size:
                        body(_blocks(size), CONFIG.threads,
                             *[r.device(s).reshape(v) for s, v in zip(in_slots, views)], full)
                    source_array = full.reshape(size)
                else:
                    source_array = r.device(in_slots[0]).reshape(size)
                out = cuda.device_array(size, value_dtype)
                if size:
                    take(_blocks(size), CONFIG.threads, get_map(r), get_ends(r), get_fill(r),
                         source_array, out)
                return [out]
            prepare = permuted
            red = int(np.prod([shape[a] for a in axes], dtype=np.int64))
            layout = ((int(np.prod([shape[d] for d in kept], dtype=np.int64)), red, 1),
                      ((True, True, True),))
            steps, input_dtypes = [], [value_dtype]
        dims, spans = layout
        outer, red, inner = dims
        value_dtype = steps[-1].dtype if steps else input_dtypes[0]
        acc = cuda_codegen.accumulator_dtype(combiner, value_dtype)
        out_dtype = out_value.dtype.np
        n_out = outer * inner
        column = inner >= CONFIG.column_min and n_out >= red
        parts = 1
        if not column and inner == 1 and n_out < 64 and \
                red > CONFIG.split_min * CONFIG.reduce_threads:
            parts = min(-(-red // (CONFIG.split_min * CONFIG.reduce_threads)), 1024)
        chunk = -(-red // parts)
        three = [_array_spec(dt, 3) for dt in input_dtypes]
        if parts == 1:
            source = cuda_codegen.reduction_source(
                steps, input_dtypes, spans, combiner, out_dtype, finish,
                "column" if column else "block", CONFIG.reduce_threads)
            first = self._kernel("reduction", source, [
                _INT, *three, _array_spec(out_dtype, 3), _INT, _INT])
            second = None
        else:
            source = cuda_codegen.reduction_source(
                steps, input_dtypes, spans, combiner, acc, "none", "block",
                CONFIG.reduce_threads)
            first = self._kernel("reduction", source, [
                _INT, *three, _array_spec(acc, 3), _INT, _INT])
            source2 = cuda_codegen.reduction_source(
                [], [acc], [(True, True, True)], combiner, out_dtype, finish, "block",
                CONFIG.reduce_threads)
            second = self._kernel("reduction", source2, [
                _INT, _array_spec(acc, 3), _array_spec(out_dtype, 3), _INT, _INT])
        kernels += [first.kernel] + ([second.kernel] if second else [])
        views = [tuple(d if s else 1 for d, s in zip(dims, span)) for span in spans]
        in_slots = [self.slot[v.id] for v in in_values]
        out_slot = self.slot[out_value.id]
        blocks = max(1, min(n_out * parts, CONFIG.max_blocks))

        def run(r: _Run):
            if prepare:
                xs = [x.reshape(v) for x, v in zip(prepare(r), views)]
            else:
                xs = [r.device(s).reshape(v) for s, v in zip(in_slots, views)]
            r.dev[out_slot] = out = self._alloc(out_value)
            if not n_out:
                return
            out3 = out.reshape((outer, 1, inner))
            if second is None:
                grid = _blocks(n_out) if column else blocks
                threads = CONFIG.threads if column else CONFIG.reduce_threads
                first(grid, threads, _int(red), *xs, out3, _int(red), _int(red))
                return
            partial = cuda.device_array((outer, parts, 1), acc)
            first(blocks, CONFIG.reduce_threads, _int(red), *xs, partial, _int(chunk),
                  _int(red))
            second(max(1, min(n_out, CONFIG.max_blocks)), CONFIG.reduce_threads,
                   _int(parts), partial, out3, _int(parts), _int(red))
        kind = "column" if column else f"block, {parts} parts" if parts > 1 else "block"
        return _Step(node, run, f"reduction[{combiner}, {len(steps)} fused ops, {kind}]",
                     kernels)

    def _lower_arg(self, node: Node) -> _Step:
        x = self.values[node.inputs[0]]
        axis = node.attrs["axis"] % len(x.shape)
        if x.shape[axis] == 0:
            raise _Unsupported("empty axis: the reference raises the error")
        outer = int(np.prod(x.shape[:axis], dtype=np.int64))
        inner = int(np.prod(x.shape[axis + 1:], dtype=np.int64))
        view = (outer, x.shape[axis], inner)
        out = node.outputs[0]
        source = cuda_codegen.arg_reduce_source(node.op, x.dtype.np, out.dtype.np,
                                                CONFIG.reduce_threads)
        launch = self._kernel(node.op, source, [_array_spec(x.dtype.np, 3),
                                                _array_spec(out.dtype.np, 2)])
        src, dst = self.slot[x.id], self.slot[out.id]

        def run(r: _Run):
            r.dev[dst] = d = cuda.device_array(out.shape, out.dtype.np)
            if outer * inner:
                launch(max(1, min(outer * inner, CONFIG.max_blocks)), CONFIG.reduce_threads,
                       r.device(src).reshape(view), d.reshape((outer, inner)))
        return _Step(node, run, f"{node.op}[block reduction]", [launch.kernel])

    # -- row kernels ----------------------------------------------------------------------------
    def _lower_softmax(self, node: Node) -> _Step:
        x = self.values[node.inputs[0]]
        if x.dtype.np.kind != "f" or not x.shape or x.shape[-1] == 0:
            raise _Unsupported("needs float rows")
        if node.op != "sparse_softmax_cross_entropy_with_logits" and \
                node.attrs.get("axis", -1) not in (-1, len(x.shape) - 1):
            raise _Unsupported("softmax over an axis other than the last")
        rows = int(np.prod(x.shape[:-1], dtype=np.int64))
        n = x.shape[-1]
        kind = {"softmax": "softmax", "log_softmax": "log_softmax",
                "softmax_cross_entropy_with_logits": "softmax_xent",
                "sparse_softmax_cross_entropy_with_logits": "sparse_softmax_xent"}[node.op]
        source = cuda_codegen.softmax_source(kind, x.dtype.np, CONFIG.reduce_threads)
        dt = x.dtype.np
        row2 = _array_spec(dt, 2)
        flag = None
        if kind in ("softmax", "log_softmax"):
            spec = [row2, row2]
        elif kind == "softmax_xent":
            spec = [row2, row2, _array_spec(dt, 1), row2]
        else:
            labels = self.values[node.inputs[1]]
            spec = [row2, _array_spec(labels.dtype.np, 1), _array_spec(dt, 1), row2,
                    _array_spec(np.int32, 1), _INT]
            flag = self._flag_count
            self._flag_count += 1
        launch = self._kernel(kind, source, spec)
        ins = [self.slot[i] for i in node.inputs]
        outs = [(self.slot[v.id], v) for v in node.outputs]
        blocks = max(1, min(rows, CONFIG.max_blocks))

        def run(r: _Run):
            xs = [r.device(ins[0]).reshape((rows, n))]
            if kind == "softmax_xent":
                xs.append(r.device(ins[1]).reshape((rows, n)))
            elif kind == "sparse_softmax_xent":
                xs.append(r.device(ins[1]).reshape(rows))
            results = []
            for s, v in outs:
                r.dev[s] = d = self._alloc(v) if len(outs) == 1 else \
                    cuda.device_array(v.shape, v.dtype.np)
                results.append(d.reshape((rows, n) if v.shape == x.shape else rows))
            extra = ()
            if flag is not None:
                r.checks.append((node, flag, [r.dev[s] for s in ins]))
                extra = (r.flags, _int(flag))
            if rows:
                launch(blocks, CONFIG.reduce_threads, *xs, *results, *extra)
        return _Step(node, run, f"{node.op}[row kernel]", [launch.kernel])

    # -- matmul ---------------------------------------------------------------------------------
    def _lower_matmul(self, node: Node) -> _Step:
        a, b = (self.values[i] for i in node.inputs)
        out = node.outputs[0]
        if out.dtype.np.char not in _KERNEL_DTYPES or len(a.shape) < 2 or len(b.shape) < 2:
            raise _Unsupported("matmul of this dtype or rank")
        batch = out.shape[:-2]
        nb = int(np.prod(batch, dtype=np.int64))

        def view(v: Value):
            own = v.shape[:-2]
            count = int(np.prod(own, dtype=np.int64))
            if count not in (1, nb) or (count == nb and nb > 1 and
                                        (1,) * (len(batch) - len(own)) + own != batch):
                raise _Unsupported("matmul with partially broadcast batch dimensions")
            return (count,) + v.shape[-2:]
        va, vb = view(a), view(b)
        ta, tb = bool(node.attrs["transpose_a"]), bool(node.attrs["transpose_b"])
        tile = CONFIG.tile
        source = cuda_codegen.matmul_source(out.dtype.np, ta, tb, tile)
        launch = self._kernel("matmul", source, [_array_spec(a.dtype.np, 3),
                                                 _array_spec(b.dtype.np, 3),
                                                 _array_spec(out.dtype.np, 3)])
        m, n = out.shape[-2:]
        grid = (max(1, -(-n // tile)), max(1, -(-m // tile)), max(1, min(nb, 65535)))
        sa, sb, so = self.slot[a.id], self.slot[b.id], self.slot[out.id]

        def run(r: _Run):
            r.dev[so] = d = self._alloc(out)
            if out.size:
                launch(grid, (tile, tile), r.device(sa).reshape(va), r.device(sb).reshape(vb),
                       d.reshape((nb, m, n)))
        return _Step(node, run, f"matmul[{tile}x{tile} shared-memory tiles]", [launch.kernel])

    # -- windows: convolution and pooling --------------------------------------------------------
    def _lower_window(self, node: Node) -> _Step:
        from ...graphlib.ops.nn import _geometry

        attrs = node.attrs
        if attrs.get("data_format", "NHWC") != "NHWC":
            raise _Unsupported("only NHWC")
        out = node.outputs[0]
        if out.dtype.np.kind != "f":
            raise _Unsupported("integer windows")
        op = node.op
        values = [self.values[i] for i in node.inputs]
        if op in _CONV:
            x_shape = {"conv2d": values[0].shape, "conv2d_backprop_filter": values[0].shape,
                       "conv2d_backprop_input": out.shape}[op]
            f_shape = out.shape if op == "conv2d_backprop_filter" else values[1].shape
            _, pads = _geometry(x_shape[1:3], f_shape[0:2], attrs["strides"],
                                attrs["dilations"], attrs["padding"],
                                attrs["explicit_paddings"])
            s, d = attrs["strides"], attrs["dilations"]
            geometry = (_int(s[1]), _int(s[2]), _int(d[1]), _int(d[2]), _int(pads[0][0]),
                        _int(pads[1][0]))
            data = {"conv2d": (0, 1), "conv2d_backprop_input": (1, 2),
                    "conv2d_backprop_filter": (0, 2)}[op]
            source = cuda_codegen.conv_source(op, out.dtype.np)
        else:
            x_shape = out.shape if op in ("avg_pool_grad", "max_pool_grad") else \
                values[0].shape
            k, s = attrs["ksize"], attrs["strides"]
            _, pads = _geometry(x_shape[1:3], k[1:3], s, (1, 1, 1, 1), attrs["padding"], ())
            geometry = (_int(k[1]), _int(k[2]), _int(s[1]), _int(s[2]), _int(pads[0][0]),
                        _int(pads[1][0]))
            data = {"max_pool": (0,), "avg_pool": (0,), "avg_pool_grad": (1,),
                    "max_pool_grad": (0, 2)}[op]
            source = cuda_codegen.pool_source(op, out.dtype.np)
        ins = [self.slot[node.inputs[k]] for k in data]
        launch = self._kernel(op, source, [
            *[_array_spec(values[k].dtype.np, 4) for k in data], _array_spec(out.dtype.np, 4),
            *[_INT] * 6])
        dst = self.slot[out.id]

        def run(r: _Run):
            r.dev[dst] = result = cuda.device_array(out.shape, out.dtype.np)
            if out.size:
                launch(_blocks(out.size), CONFIG.threads, *[r.device(s) for s in ins],
                       result, *geometry)
        return _Step(node, run, f"{op}[thread per output]", [launch.kernel])

    # -- indexing -------------------------------------------------------------------------------
    def _lower_gather(self, node: Node) -> _Step:
        params, indices = (self.values[i] for i in node.inputs[:2])
        axis = self._const_value(node.inputs[2])
        if axis is None or node.attrs.get("batch_dims", 0) != 0:
            raise _Unsupported("gather with batch_dims or a computed axis")
        a = int(axis.reshape(-1)[0]) % len(params.shape)
        outer = int(np.prod(params.shape[:a], dtype=np.int64))
        inner = int(np.prod(params.shape[a + 1:], dtype=np.int64))
        out = node.outputs[0]
        pview = (outer, params.shape[a], inner)
        oview = (outer, indices.size, inner)
        launch = self._kernel("gather", cuda_codegen.gather_source(), [
            _array_spec(params.dtype.np, 3), _array_spec(indices.dtype.np, 1),
            _array_spec(out.dtype.np, 3), _array_spec(np.int32, 1), _INT])
        flag = self._flag_count
        self._flag_count += 1
        sp, si, so = self.slot[params.id], self.slot[indices.id], self.slot[out.id]

        def run(r: _Run):
            p, i = r.device(sp), r.device(si)
            r.dev[so] = d = cuda.device_array(out.shape, out.dtype.np)
            r.checks.append((node, flag, [p, i, r.device(self.slot[node.inputs[2]])]))
            if out.size:
                launch(_blocks(out.size), CONFIG.threads, p.reshape(pview),
                       i.reshape(indices.size), d.reshape(oview), r.flags, _int(flag))
        return _Step(node, run, "gather[thread per output]", [launch.kernel])

    def _lower_one_hot(self, node: Node) -> _Step:
        indices = self.values[node.inputs[0]]
        out = node.outputs[0]
        depth = self._const_value(node.inputs[1])
        if depth is None:
            raise _Unsupported("computed depth")
        axis = node.attrs["axis"]
        a = len(indices.shape) if axis == -1 else axis
        outer = int(np.prod(indices.shape[:a], dtype=np.int64))
        inner = int(np.prod(indices.shape[a:], dtype=np.int64))
        d = int(depth)
        launch = self._kernel("one_hot", cuda_codegen.one_hot_source(), [
            _array_spec(indices.dtype.np, 2), _array_spec(out.dtype.np, 1),
            _array_spec(out.dtype.np, 1), _array_spec(out.dtype.np, 3)])
        si, son, soff, so = (self.slot[node.inputs[0]], self.slot[node.inputs[2]],
                             self.slot[node.inputs[3]], self.slot[out.id])

        def run(r: _Run):
            r.dev[so] = result = cuda.device_array(out.shape, out.dtype.np)
            if out.size:
                launch(_blocks(out.size), CONFIG.threads, r.device(si).reshape((outer, inner)),
                       r.device(son).reshape(1), r.device(soff).reshape(1),
                       result.reshape((outer, d, inner)))
        return _Step(node, run, "one_hot[thread per output]", [launch.kernel])

    def _lower_take(self, node: Node) -> _Step:
        opdef = registry.get(node.op)
        data = list(TAKE_OPS[node.op](len(node.inputs)))
        shape_only = set(opdef.attrs.get("shape_only_inputs", ()))
        args, offset, ends = [], 0, []
        for k, i in enumerate(node.inputs):
            v = self.values[i]
            if k in data:
                args.append(np.arange(offset + 1, offset + v.size + 1, dtype=np.int64)
                            .reshape(v.shape))
                offset += v.size
                ends.append(offset)
            elif k in shape_only:
                args.append(np.broadcast_to(np.zeros((), v.dtype.np), v.shape))
            else:
                value = self._const_value(i)
                if value is None:
                    raise _Unsupported("an index argument computed at run time")
                args.append(value)
        fill = np.zeros(1, node.outputs[0].dtype.np)
        if node.op == "pad":  # padded elements read the fill value (map entry 0)
            fill[0] = args[2].reshape(-1)[0]
            args[2] = np.zeros((), np.int64)
        try:
            with np.errstate(all="ignore"):
                maps = registry.run_reference(opdef, args, node.attrs)
        except Exception as e:  # noqa: BLE001 - the host run raises it with the op's name
            raise _Unsupported(f"index map failed ({type(e).__name__}): the host reports "
                               "it") from e
        in_slots = [self.slot[node.inputs[k]] for k in data]
        dtypes = [self.values[node.inputs[k]].dtype.np for k in data]
        launch = None
        parts = []
        get_ends = self._constant(np.array(ends or [0], np.int64))
        get_fill = self._constant(fill)
        for v, m in zip(node.outputs, maps):
            m = np.asarray(m, dtype=np.int64).reshape(-1)
            if launch is None:
                launch = self._kernel("take", cuda_codegen.take_source(len(data)), [
                    _array_spec(np.int64, 1), _array_spec(np.int64, 1),
                    _array_spec(v.dtype.np, 1), *[_array_spec(dt, 1) for dt in dtypes],
                    _array_spec(v.dtype.np, 1)])
            parts.append((self.slot[v.id], v, self._constant(m)))

        def run(r: _Run):
            xs = [r.device(s).reshape(self.values[node.inputs[k]].size)
                  for s, k in zip(in_slots, data)]
            for s, v, get_map in parts:
                r.dev[s] = result = cuda.device_array(v.shape, v.dtype.np)
                if v.size:
                    launch(_blocks(v.size), CONFIG.threads, get_map(r), get_ends(r),
                           get_fill(r), *xs, result.reshape(v.size))
        return _Step(node, run, "take[index map from the reference kernel]",
                     [launch.kernel] if launch else [])

    # -- running ----------------------------------------------------------------------------
    def run(self, ctx, feed_values: Sequence[np.ndarray]) -> list:
        with self._lock:
            r = _Run(self, ctx)
            for v, value in zip(self.program.inputs, feed_values):
                r.host[self.slot[v.id]] = value
            r.flags = None
            if self._flag_count:
                r.flags = cuda.to_device(np.zeros(self._flag_count, np.int32))
            try:
                with np.errstate(all="ignore"):
                    for step, release in zip(self.steps, self._release):
                        try:
                            step.run(r)
                        except errors.OpError:
                            raise
                        except Exception as e:  # noqa: BLE001 - named by the host re-run
                            raise _diagnose(step.node, r, e) from e
                        for s in release:
                            r.dev[s] = r.host[s] = None
                    if r.checks:
                        self._raise_flagged(r)
                    results = self._fetch(r)
            except BaseException:
                if ctx is not None and getattr(ctx, "store", None) is not None:
                    cuda_state.sync_to_host(ctx.store)
                raise
            if r.writes:
                cuda_state.for_store(ctx.store).install(ctx, r.writes)
            self.last_transfers = {"h2d": r.h2d, "d2h": r.d2h}
            return results

    def _raise_flagged(self, r: _Run) -> None:
        flags = r.flags.copy_to_host()
        for node, flag, inputs in r.checks:
            if flags[flag]:
                host = []
                for a in inputs:
                    host.append(a.copy_to_host())
                run_node(node, host, r.ctx)
                raise errors.InternalError(None, node.origin, f"{node.op}: a device check "
                                           "failed but the host kernel accepted the input")

    def _fetch(self, r: _Run) -> list:
        results, seen = [], set()
        for vid in self.program.outputs:
            s = self.slot[vid]
            value = r.value(s)
            if s in seen or s not in r.owned:
                value = np.array(value, copy=True)
            seen.add(s)
            results.append(value)
        return results

    # -- describing -------------------------------------------------------------------------
    def kernels(self) -> list[Kernel]:
        """Every distinct generated kernel (with the signatures it is launched with)."""
        found: dict[str, Kernel] = {}
        for step in self.steps:
            for k in step.kernels:
                if k.name in found:
                    found[k.name].signatures |= k.signatures
                else:
                    found[k.name] = k
        return list(found.values())

    def fallbacks(self) -> list[tuple[Node, str]]:
        return [(s.node, s.fallback) for s in self.steps if s.fallback]

    def describe(self) -> str:
        config = "simulator" if SIMULATOR else "device"
        lines = [f"lowering: numba cuda ({config}: {CONFIG.threads} threads/block, "
                 f"reductions {CONFIG.reduce_threads}, matmul tile {CONFIG.tile})"]
        for step in self.steps:
            node = step.node
            members = ""
            if node.op == "fused":
                members = " <- " + ", ".join(op for op, *_ in node.attrs["body"])
                if node.attrs["kind"] == "reduction":
                    members += f" -> reduce_{node.attrs['combiner']}"
            outs = ", ".join(str(v) for v in node.outputs) or f"^{node.id}"
            origins = "; ".join(str(o) for o in node.origins)
            label = f"host fallback ({step.fallback})" if step.label == "host" else \
                step.label + (f" (host fallback for {step.fallback})" if step.fallback else "")
            lines.append(f"  {outs} = {label} {node.op}{members}"
                         + (f"   # {origins}" if origins else ""))
        fallbacks = sorted({f"{n.op} ({why})" for n, why in self.fallbacks()})
        if fallbacks:
            lines.append("host fallbacks (inputs copied to the host, results uploaded when a "
                         "kernel reads them): " + ", ".join(fallbacks))
        if self.memory is not None:
            lines.append(f"device memory: {len(self.memory.slot_bytes)} buffers, "
                         f"{sum(self.memory.slot_bytes)} bytes allocated once")
        for k in self.kernels():
            lines.append(f"kernel {k.name}:")
            lines.extend("    " + line for line in k.source.rstrip().splitlines())
        return "\n".join(lines)


def _diagnose(node: Node, r: _Run, cause: Exception) -> errors.OpError:
    """Re-runs a failed step's op on the host; the host error names the user op."""
    try:
        args = [r.value(r.exe.slot[i]) for i in node.inputs]
        if node.op != "fused":
            run_node(node, args, r.ctx)
    except errors.OpError as e:
        return e
    except Exception:  # noqa: BLE001 - the original failure is reported below
        pass
    names = ", ".join(str(o) for o in node.origins) or node.op
    return errors.InternalError(None, node.origin, f"CUDA kernel for {names} failed: "
                                f"{type(cause).__name__}: {cause}")


def lower_cuda(program: Program) -> CudaExecutable:
    """Lowers `program` to Numba CUDA kernels (see the module docstring). Lowering
    compiles nothing and touches no device: kernels compile at their first launch."""
    return CudaExecutable(program)


__all__ = ["lower_cuda", "CudaExecutable", "Kernel", "CONFIG", "SIMULATOR", "TAKE_OPS"]
