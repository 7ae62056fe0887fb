"""The Numba CPU backend: `lower_cpu(program) -> CpuExecutable`.

Each node becomes one step of a flat list, run in program order over a list of value
slots:

- "fused" nodes (compiler/passes/fuse_elementwise.py) and single elementwise nodes with a
  scalar expression run a generated elementwise kernel; "fused" reductions and single
  reductions with a combiner run a generated reduction kernel; "fused" rows groups
  (reductions over trailing axes with their producers and consumers) run a rows kernel,
  one row at a time (codegen.py);
- softmax, log_softmax and the dense and sparse softmax cross-entropies over the last
  axis run the rows kernel of their decomposition (codegen.row_op_kernel);
- matmul runs NumPy's BLAS `np.matmul` into a preallocated output;
- every other node (conv2d, gather, state, random, ...) runs its reference kernel and is
  listed as such by `describe()`.

Kernels are shape-generic modules loaded through the kernel cache, so equal kernels are
generated and compiled once per process and loaded from disk by later processes. Each
step runs the serial variant, or, above `PARALLEL_MIN_ELEMENTS` elements in a plan with
no BLAS step and while the machine has idle cores, the `prange` one (see `_Kernel`);
Numba compiles a variant only when first used.

Memory: when the program carries a memory plan (`program.memory`, from the plan_memory
pass), planned values live in buffers allocated once per executable and reused by every
run; fetched values are fresh arrays, except that last run's array is reused when the
caller no longer holds it (its reference count says so); other values are fresh arrays.
Fetched values and values read by ops that may keep them (variable assignments) are
never planned. An optimizer's update writes the variable's next value into one of two
arrays of its own and stages it; when the gradient is a matmul's output read only by
the update, the update writes over that gradient instead (it was just written, so it is
in cache) and the gradient comes from two arrays of its own rather than the arena. Runs
hold a lock, since the buffers are shared.

Errors: a failing kernel is re-run op by op on the reference kernels, and the first
failing user op is reported (`errors.OpError` naming it and its line).

May import: numpy, numba, graphjit.graphlib, compiler.program, compiler.kernel_cache,
compiler.lowering.*.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Sequence

import numba
import numpy as np

from ...graphlib import errors, registry
from ...graphlib.dtypes import as_dtype
from .. import kernel_cache
from ..program import Attrs, Node, Origin, Program, Value
from . import codegen, cpu_conv
from .reference import run_node

PARALLEL_MIN_ELEMENTS = 1 << 16
_UNREFERENCED = 3  # sys.getrefcount of an array held by one dict entry and one local
_MATMUL_DTYPES = frozenset("fd")
# Producers whose lowering writes their output into `_out`'s array: a donated gradient.
_DONATING_OPS = frozenset({"matmul", "sum_to_shape"})
_UNINITIALIZED = np.empty(0)  # the "current value" of a variable not yet assigned
_STATE_OPS = frozenset({"var_handle", "read_variable", "assign_variable",
                        "assign_add_variable", "assign_sub_variable"})


# Ops whose kernels run on NumPy's multithreaded BLAS. OpenBLAS's threads and Numba's
# OpenMP threads both spin-wait after their work: a plan that interleaves the two made
# each wait for the other's spinning threads (an MLP step took 250 ms instead of 10 ms),
# so such plans run their generated kernels serially.
_BLAS_OPS = frozenset({"matmul", "conv2d", "conv2d_backprop_input",
                       "conv2d_backprop_filter", "sum_to_shape"})


def _parallel_pays(elements: int, threads: bool = True) -> bool:
    return threads and elements >= PARALLEL_MIN_ELEMENTS and numba.get_num_threads() > 1


def _body_of(node: Node, program: Program):
    """(steps, shape, per-step origins) of a fused node, or of a one-op elementwise body."""
    if node.op == "fused":
        steps = [codegen.Step(op, tuple(args), (), np.dtype(dtype))
                 for op, args, dtype, _origin, *_ in node.attrs["body"]]
        return steps, tuple(node.attrs["shape"])
    out = node.outputs[0]
    return ([codegen.Step(node.op, tuple(range(len(node.inputs))), (), out.dtype.np)],
            out.shape)


class _Kernel:
    """A generated module's serial/parallel pair. Kernels too small for threads always
    run serially; larger ones run the `prange` variant while the machine has idle cores
    (`_cores_idle`): on a busy machine an OpenMP worker waits for a time slice and a
    1 ms kernel took 12 ms."""

    def __init__(self, name: str, source: str, elements: int, threads: bool = True):
        self.name = name
        self.source = source
        self.module = kernel_cache.load(name, source)
        if _parallel_pays(elements, threads):
            self.variant = "parallel when cores are idle"
            self.function = self._pick
        else:
            self.variant = "serial"
            self.function = self.module.serial

    def _pick(self, *args):
        variant = self.module.parallel if _cores_idle() else self.module.serial
        return variant(*args)


# (monotonic time and this process's CPU time at the last reading, idle cores then)
_LOAD = [0.0, 0.0, True]


def _cores_idle() -> bool:
    """Whether other processes leave a core idle: the load average less the cores this
    process kept busy since the last reading (its own threads, BLAS's, a benchmark's
    peers), read at most once a second."""
    now = time.monotonic()
    if now - _LOAD[0] > 1.0:
        cpu = time.process_time()
        own = (cpu - _LOAD[1]) / (now - _LOAD[0]) if _LOAD[0] else 0.0
        try:
            others = os.getloadavg()[0] - own
        except OSError:
            others = 0.0
        _LOAD[:] = now, cpu, others < (os.cpu_count() or 1) - 0.5
    return _LOAD[2]


class _Step:
    __slots__ = ("node", "inputs", "outputs", "run", "label", "kernel")

    def __init__(self, node: Node, inputs, outputs, run: Callable, label: str,
                 kernel: _Kernel | None = None):
        self.node = node
        self.inputs = inputs
        self.outputs = outputs
        self.run = run
        self.label = label
        self.kernel = kernel


class CpuExecutable:
    """The lowered program; `run(ctx, feed_values)` returns the fetched arrays."""

    def __init__(self, program: Program):
        self.program = program
        self._lock = threading.Lock()
        self._slot = {}
        for v in program.inputs:
            self._slot.setdefault(v.id, len(self._slot))
        for node in program.nodes:
            for v in node.outputs:
                self._slot.setdefault(v.id, len(self._slot))
        memory = getattr(program, "memory", None)
        self.memory = memory
        self._buffers: dict[int, np.ndarray] = {}
        self._fetched = set(program.outputs)
        self._returned: dict[int, np.ndarray] = {}
        if memory is not None:
            arenas = [np.empty(size, np.uint8) for size in memory.slot_bytes]
            values = program.values
            for vid, slot in memory.slots.items():
                v = values[vid]
                self._buffers[vid] = arenas[slot][:v.nbytes].view(v.dtype.np).reshape(v.shape)
        self._threads = not any(node.op in _BLAS_OPS for node in program.nodes)
        self._merged, self._absorbed, self._donors = _plan_merges(program)
        # A donated gradient (see _plan_merges) gets arrays of its own, never the arena's:
        # the update kernel turns it into the variable's next value, which the store keeps.
        self._recycled = {}
        for vid in self._donors.values():
            self._buffers.pop(vid, None)
            value = program.values[vid]
            self._recycled[vid] = _Recycler(value.shape, value.dtype.np)
        self.steps = [self._lower(node) for node in program.nodes]
        self._input_slots = [self._slot[v.id] for v in program.inputs]
        self._output_slots = [self._slot[i] for i in program.outputs]
        producers = program.producers
        self._copy_out = [i > 0 and vid in program.outputs[:i] or
                          (vid in producers and producers[vid][0].op == "const")
                          for i, vid in enumerate(program.outputs)]
        # What run() iterates: steps that do something (an absorbed node's step is done
        # by its partner's), in the order _hoist_updates gives, each with its slots and
        # the slots it is the last user of.
        order = _hoist_updates([step for step in self.steps
                                if step.node.id not in self._absorbed], set(self._merged))
        last: dict[int, int] = {}  # slot -> the last step writing or reading it
        for index, step in enumerate(order):
            for slot in step.outputs + step.inputs:
                last[slot] = index
        keep = set(self._output_slots)
        release: list[list[int]] = [[] for _ in order]
        for slot, index in last.items():
            if slot not in keep:
                release[index].append(slot)
        self._schedule = [(step.run, step.inputs, step.outputs, tuple(free), step)
                          for step, free in zip(order, release)]
        self._env_size = len(self._slot)
        self._copies = any(self._copy_out)

    # -- lowering one node ------------------------------------------------------------------
    def _out(self, v: Value) -> np.ndarray:
        buffer = self._buffers.get(v.id)
        if buffer is not None:
            return buffer
        take = self._recycled.get(v.id)
        if take is not None:
            return take()
        if v.id not in self._fetched:
            return np.empty(v.shape, v.dtype.np)
        # A fetched array goes to the caller; when the caller has dropped last run's
        # array (only this dict, `previous` and getrefcount's argument refer to it),
        # reusing it spares the page faults of a fresh large array (NOTES.md).
        previous = self._returned.get(v.id)
        if previous is not None and sys.getrefcount(previous) <= _UNREFERENCED:
            return previous
        out = self._returned[v.id] = np.empty(v.shape, v.dtype.np)
        return out

    def _lower(self, node: Node) -> _Step:
        inputs = tuple(self._slot[i] for i in node.inputs)
        outputs = tuple(self._slot[v.id] for v in node.outputs)
        lowered = None
        if node.id in self._absorbed:
            return _Step(node, (), (), lambda args, ctx: (),
                         f"computed by the step of %{self._absorbed[node.id]}")
        partner = self._merged.get(node.id)
        if partner is not None:
            run, label, kernel = self._update(node, partner)
            inputs = inputs[:1] + tuple(self._slot[i] for i in partner.inputs)
            return _Step(node, inputs, outputs, run, label, kernel)
        if node.op == "fused" and node.attrs["kind"] == "reduction":
            lowered = self._reduction(node)
        elif node.op == "fused" and node.attrs["kind"] == "rows":
            lowered = self._rows(node)
        elif node.op == "fused" or (codegen.can_lower_elementwise(node.op, len(node.inputs))
                                    and node.pure and len(node.outputs) == 1):
            lowered = self._elementwise(node)
        elif registry.get(node.op).kind == "reduction" and node.pure and \
                "combiner" in registry.get(node.op).attrs and "axes" in node.attrs:
            lowered = self._reduction(node)
        elif node.op in ("softmax", "log_softmax", "softmax_cross_entropy_with_logits",
                         "sparse_softmax_cross_entropy_with_logits"):
            lowered = self._row_op(node)
        elif node.op == "matmul":
            lowered = self._matmul(node)
        elif node.op in cpu_conv.OPS:
            lowered = cpu_conv.lower(node, self.program, self._out)
        elif node.op == "sum_to_shape":
            lowered = self._sum_to_shape(node)
        elif node.op == "broadcast_reduced":
            lowered = self._broadcast_reduced(node)
        elif node.op in _STATE_OPS:
            lowered = self._state(node)
        if lowered is None:
            return _Step(node, inputs, outputs, self._reference(node), "reference")
        run, label, kernel = lowered
        return _Step(node, inputs, outputs, run, label, kernel)

    def _reference(self, node: Node):
        """The node's reference kernel(s). A planned value is copied into its buffer, as
        a kernel would have written it: a later kernel may write over that buffer in
        place (`_written_over`)."""
        if node.op == "const" and not node.after:
            # Evaluated once: its value never changes, and fetches of it are copied.
            values = run_node(node, [], None)
            return lambda args, ctx: values
        compute = (lambda args, ctx: _run_body_reference(node, args, ctx)) \
            if node.op == "fused" else (lambda args, ctx: run_node(node, args, ctx))
        buffers = [self._buffers.get(v.id) for v in node.outputs]
        if not any(b is not None for b in buffers):
            return compute

        def run(args, ctx):
            outs = compute(args, ctx)
            for b, o in zip(buffers, outs):
                if b is not None:
                    np.copyto(b, o)
            return tuple(b if b is not None else o for b, o in zip(buffers, outs))
        return run

    def _elementwise(self, node: Node):
        steps, shape = _body_of(node, self.program)
        values = self.program.values
        in_shapes = [values[i].shape for i in node.inputs]
        dims, spans = codegen.coalesce(shape, in_shapes)
        in_views = [tuple(d if s else 1 for d, s in zip(dims, span)) for span in spans]
        if not node.inputs:
            spans = ()
        outputs = tuple(node.attrs["outputs"]) if node.op == "fused" else (0,)
        literals = self._scalar_constants(node)
        in_place = self._written_over(node, literals)
        source = codegen.elementwise_source(
            steps, [values[i].dtype.np for i in node.inputs], spans or [(True,) * len(dims)],
            outputs, literals, in_place)
        kernel = _Kernel("elementwise", source, int(np.prod(dims)), self._threads)
        passed = [(k, view) for k, view in enumerate(in_views) if k not in literals]
        run = self._driver(kernel.function, passed, [(v, dims) for v in node.outputs],
                           in_place=set(in_place))
        where = ", in place" if in_place else ""
        return run, (f"elementwise[{len(steps)} ops, {len(dims)}-D{where}, "
                     f"{kernel.variant}]"), kernel

    def _written_over(self, node: Node, literals) -> dict[int, int]:
        """{output j: input k} for outputs the memory plan puts in the buffer of an
        input dying at this node: the kernel then writes through that input's argument,
        since two arguments that alias defeat vectorization (LLVM's overlap check fails
        and it runs the scalar loop: 2.5-4x slower here)."""
        memory = self.memory
        if memory is None or not memory.in_place:
            return {}
        found = {}
        for j, v in enumerate(node.outputs):
            if v.id not in memory.in_place:
                continue
            slot = memory.slots[v.id]
            k = next((k for k, i in enumerate(node.inputs) if k not in literals and
                      memory.slots.get(i) == slot and k not in found.values()), None)
            if k is not None:
                found[j] = k
        return found

    def _driver(self, function, inputs, outputs, lead=None, in_place=frozenset()
                ) -> Callable:
        """`run(args, ctx)` calling `function([lead,] *inputs, *outputs)`, generated as
        Python source so that a tiny plan's step costs one call and no loops.

        `inputs`: (k, view) per kernel input: op input k made C-contiguous and viewed
        as `view`, or (array, view) for an array the step supplies itself. `outputs`:
        (value, view) per output: its planned buffer (viewed once, here) or `_out`'s
        array, passed as `view`, except outputs in `in_place` (the kernel writes them
        through an input: their buffer is that input's). Returns the outputs' arrays."""
        namespace = {"function": function, "asc": np.ascontiguousarray, "lead": lead}
        lines, call = ["def run(args, ctx):"], ([] if lead is None else ["lead"])
        for j, (k, view) in enumerate(inputs):
            if isinstance(k, np.ndarray):
                namespace[f"c{j}"] = k.reshape(view)
                call.append(f"c{j}")
                continue
            namespace[f"v{j}"] = view
            call.append(f"asc(args[{k}]).reshape(v{j})")
        results = []
        for j, (value, view) in enumerate(outputs):
            buffer = self._buffers.get(value.id)
            if buffer is not None:
                namespace[f"b{j}"], namespace[f"bv{j}"] = buffer, buffer.reshape(view)
                if j not in in_place:
                    call.append(f"bv{j}")
                results.append(f"b{j}")
                continue
            namespace[f"value{j}"], namespace[f"w{j}"] = value, view
            namespace["new"] = self._out
            lines.append(f"    r{j} = new(value{j})")
            call.append(f"r{j}" if tuple(value.shape) == tuple(view) else
                        f"r{j}.reshape(w{j})")
            results.append(f"r{j}")
        lines.append(f"    function({', '.join(call)})")
        lines.append(f"    return ({', '.join(results)},)")
        exec("\n".join(lines), namespace)  # noqa: S102 - source built above from names
        return namespace["run"]

    def _scalar_constants(self, node: Node) -> dict[int, object]:
        """Inputs that are one-element constants, compiled into the kernel as literals."""
        found = {}
        for k, i in enumerate(node.inputs):
            producer = self.program.producers.get(i)
            if producer is not None and producer[0].op == "const" and \
                    self.program.values[i].size == 1:
                found[k] = np.asarray(producer[0].attrs["value"]).reshape(()).item()
        return found

    def _reduction(self, node: Node):
        """A generated reduction of the node's body (or input), or None when the reduced
        axes are not one block."""
        values = self.program.values
        if node.op == "fused":
            steps, shape = _body_of(node, self.program)
            combiner = node.attrs["combiner"]
        else:
            steps, shape = [], values[node.inputs[0]].shape
            combiner = registry.get(node.op).attrs["combiner"]
        inputs = node.inputs
        layout = codegen.reduction_layout(shape, tuple(node.attrs["axes"]),
                                          [values[i].shape for i in inputs])
        if layout is None:
            return None
        dims, spans = layout
        in_views = [tuple(d if s else 1 for d, s in zip(dims, span)) for span in spans]
        out_value = node.outputs[0]
        source = codegen.reduction_source(
            steps, [values[i].dtype.np for i in inputs], spans, combiner,
            out_value.dtype.np, columns=dims[2] > 1)
        kernel = _Kernel("reduction", source, int(np.prod(dims)), self._threads)
        run = self._driver(kernel.function, list(enumerate(in_views)),
                           [(out_value, (dims[0], dims[2]))], lead=dims)
        label = f"reduction[{combiner}, {len(steps)} fused ops, {kernel.variant}]"
        return run, label, kernel

    def _sum_to_shape(self, node: Node):
        """The broadcast-gradient sum (a bias gradient's column sum). Summing leading axes
        of floats is a BLAS matrix-vector product with a ones vector into the output
        buffer (at (256, 512) 6.5 us against NumPy's sum's 14.6; a conv bias gradient,
        (12544, 16), 13.5 against 265); other axes use NumPy's sum into the buffer. (A
        generated column-sum kernel was as fast but cost 0.2 s of cold compile.)"""
        values = self.program.values
        shape, like = values[node.inputs[0]].shape, values[node.inputs[1]].shape
        if tuple(shape) == tuple(like):
            return self._numpy_copy(node, shape, "sum_to_shape[no axes: copy]")
        lead = len(shape) - len(like)
        axes = tuple(d for d in range(len(shape))
                     if d < lead or (like[d - lead] == 1 and shape[d] != 1))
        kept = tuple(1 if d in axes else n for d, n in enumerate(shape))
        out_value = node.outputs[0]
        dtype = out_value.dtype.np
        if axes == tuple(range(len(axes))) and dtype.char in _MATMUL_DTYPES:
            rows = int(np.prod(shape[:len(axes)], dtype=np.int64))
            columns = int(np.prod(shape[len(axes):], dtype=np.int64))
            ones = np.ones(rows, dtype)

            def gemv(args, ctx):
                out = self._out(out_value)
                np.matmul(ones, np.ascontiguousarray(args[0]).reshape(rows, columns),
                          out=out.reshape(columns))
                return (out,)
            return gemv, "sum_to_shape[BLAS product with ones]", None

        def run(args, ctx):
            out = self._out(out_value)
            np.sum(args[0], axis=axes, dtype=dtype, keepdims=True, out=out.reshape(kept))
            return (out,)
        return run, "sum_to_shape[NumPy sum into the buffer]", None

    def _broadcast_reduced(self, node: Node):
        """A reduction's gradient spread back over the reduced axes: a broadcasting copy
        from the keepdims view of the value into the output buffer."""
        values = self.program.values
        like = values[node.outputs[0].id].shape
        rank = len(like)
        axes = {a % rank for a in node.attrs["axes"]} if rank else set()
        kept = tuple(1 if d in axes else n for d, n in enumerate(like))
        if values[node.inputs[0]].size != int(np.prod(kept, dtype=np.int64)):
            return None
        return self._numpy_copy(node, kept, "broadcast_reduced[copy]")

    def _numpy_copy(self, node: Node, source_shape, label: str):
        """Output 0 of `node` := input 0 viewed as `source_shape`, broadcast."""
        out_value = node.outputs[0]

        def run(args, ctx):
            out = self._out(out_value)
            np.copyto(out, np.reshape(args[0], source_shape))
            return (out,)
        return run, label, None

    def _state(self, node: Node):
        """Variable handles, reads and assignments without the reference kernels' checks
        and copies. An assignment writes the new value into one of two buffers of its
        own and stages it (`RunContext.stage`): the store commits it with the run, and a
        failed run leaves the committed value, the other buffer, untouched. A buffer is
        reused only while nothing else holds it (the store, a caller, a later read)."""
        op = node.op
        if op == "var_handle":
            name = node.attrs["shared_name"]
            return (lambda args, ctx: (ctx.variable_handle(name),)), "variable handle", None
        if op == "read_variable":
            def read(args, ctx):
                try:
                    return (ctx.read_variable(args[0]),)
                except errors.OpError:  # re-raised by the reference, naming the op
                    return run_node(node, args, ctx)
            return read, "variable read", None
        out_value = node.outputs[0]
        dtype, shape = out_value.dtype.np, tuple(out_value.shape)
        if dtype is None:
            return None
        update = {"assign_variable": None, "assign_add_variable": np.add,
                  "assign_sub_variable": np.subtract}[op]
        target = _Recycler(shape, dtype)

        def run(args, ctx):
            name, value = args
            current = ctx.current(name)
            if current is None and update is None:
                current = _UNINITIALIZED
            elif current is None or current.shape != shape or current.dtype != dtype or \
                    np.shape(value) != shape:
                return run_node(node, args, ctx)  # its errors, or a broadcast update
            out = target(current)
            if update is None:
                np.copyto(out, value)
            else:
                update(current, value, out=out)
            ctx.stage(name, out)
            return (out,)
        return run, "variable write (double-buffered, staged)", None

    def _update(self, node: Node, producer: Node):
        """assign_add/assign_sub of the value of the elementwise `producer` (an optimizer's
        `lr * grad`) as one kernel `var -/+ body(...)` writing the staged buffer: the
        product is never stored. When the gradient is donated (_plan_merges), the kernel
        overwrites the gradient's array (just written, so in cache) with the new value
        and stages that array, rather than writing a third array."""
        values = self.program.values
        steps, _ = _body_of(producer, self.program)
        n = len(producer.inputs)
        out_member = producer.attrs["outputs"][0] if producer.op == "fused" else 0
        steps = [codegen.Step(st.op, tuple(a if a < n else a + 1 for a in st.args),
                              st.attrs, st.dtype) for st in steps]
        final = codegen.Step("add" if node.op == "assign_add_variable" else "subtract",
                             (n, n + 1 + out_member), (), node.outputs[0].dtype.np)
        out_value = node.outputs[0]
        dtype, shape = out_value.dtype.np, tuple(out_value.shape)
        in_shapes = [values[i].shape for i in producer.inputs] + [shape]
        dims, spans = codegen.coalesce(shape, in_shapes)
        views = [tuple(d if s else 1 for d, s in zip(dims, span)) for span in spans]
        literals = self._scalar_constants(producer)
        donor = self._donors.get(node.id)
        donated = None if donor is None else producer.inputs.index(donor)
        source = codegen.elementwise_source(
            steps + [final], [values[i].dtype.np for i in producer.inputs] + [dtype],
            spans, (len(steps),), literals, None if donated is None else {0: donated})
        kernel = _Kernel("elementwise", source, int(np.prod(dims)), self._threads)
        function = kernel.function
        passed = [(k, views[k]) for k in range(n) if k not in literals]
        target = _Recycler(shape, dtype)
        owns = self._recycled[donor].owns if donated is not None else None

        def run(args, ctx):
            name, operands = args[0], args[1:]
            current = ctx.current(name)
            if current is None or current.shape != shape or current.dtype != dtype:
                return reference(name, operands, ctx)  # its errors, or a broadcast
            if donated is None:
                out = target(current)
                tail = (current.reshape(views[n]), out.reshape(dims))
            else:
                out = operands[donated]
                if not owns(out):  # made by a fallback kernel: work on a copy of our own
                    out = target(current)
                    np.copyto(out, operands[donated])
                    operands = (*operands[:donated], out, *operands[donated + 1:])
                tail = (current.reshape(views[n]),)
            try:
                function(*[np.ascontiguousarray(operands[k]).reshape(view)
                           for k, view in passed], *tail)
            except Exception:  # noqa: BLE001 - the reference names the failing op
                return reference(name, operands, ctx)
            ctx.stage(name, out)
            return (out,)

        def reference(name, operands, ctx):
            (value,) = _run_producer(producer, operands, ctx)
            return run_node(node, [name, value], ctx)
        how = "staged" if donated is None else "in the donated gradient, staged"
        label = f"variable update[{len(steps) + 1} ops fused, {how}, {kernel.variant}]"
        return run, label, kernel

    def _rows(self, node: Node):
        """A fused rows group: reductions over trailing axes with their producers and
        consumers, one row at a time."""
        values = self.program.values
        shape = tuple(node.attrs["shape"])
        axes = {a % len(shape) for a in node.attrs["axes"]}
        rows = int(np.prod([d for k, d in enumerate(shape) if k not in axes], dtype=np.int64))
        n = int(np.prod([d for k, d in enumerate(shape) if k in axes], dtype=np.int64))
        members = []
        for (op, args, dtype, _origin, _attrs), member_shape in zip(
                node.attrs["body"], node.attrs["member_shapes"]):
            opdef = registry.get(op)
            combiner = opdef.attrs.get("combiner") if opdef.kind == "reduction" else None
            members.append(codegen.RowMember(codegen.Step(op, tuple(args), (), np.dtype(dtype)),
                                             tuple(member_shape) == shape, combiner))
        spans = [_row_spans(values[i].shape, shape, axes) for i in node.inputs]
        literals = self._scalar_constants(node)
        source = codegen.rows_source(members, [values[i].dtype.np for i in node.inputs],
                                     spans, node.attrs["outputs"], literals,
                                     short_rows=codegen.is_short_row(n))
        full_outputs = [tuple(s) == shape for s in
                        (node.attrs["member_shapes"][j] for j in node.attrs["outputs"])]
        reductions = sum(m.combiner is not None for m in members)
        return self._row_kernel(node, source, rows, n, spans, literals, full_outputs,
                                f"rows[{len(members)} ops, {reductions} reductions")

    def _row_op(self, node: Node):
        """softmax, log_softmax and the softmax cross-entropies over the last axis."""
        values = self.program.values
        x = values[node.inputs[0]]
        axis = node.attrs.get("axis", -1)
        sparse = node.op == "sparse_softmax_cross_entropy_with_logits"
        if x.dtype.np.kind != "f" or not x.shape or axis not in (-1, len(x.shape) - 1) or \
                x.size == 0 or (not sparse and any(values[i].shape != x.shape
                                                   for i in node.inputs)):
            return None
        labels_dtype = values[node.inputs[1]].dtype.np if sparse else None
        form = codegen.row_op_kernel(node.op, x.dtype.np, labels_dtype, x.shape[-1])
        if form is None:
            return None
        n = x.shape[-1]
        rows = x.size // n
        full_outputs = [len(v.shape) == len(x.shape) for v in node.outputs]
        columns = np.arange(n, dtype=labels_dtype).reshape(1, n) if sparse else None
        step = self._row_kernel(node, form.source, rows, n, form.spans, form.literals,
                                full_outputs, f"{node.op}[row kernel", form.sources, columns)
        if not sparse:
            return step
        run, label, kernel = step

        def checked(args, ctx):
            labels = args[1]
            if labels.min() < 0 or labels.max() >= n:
                return run_node(node, args, ctx)  # raises InvalidArgumentError naming them
            return run(args, ctx)
        return checked, label, kernel

    def _row_kernel(self, node, source, rows, n, spans, literals, full_outputs, label,
                    sources=None, columns=None):
        """`sources[k]`: which op input kernel input k is (default: the k-th), or
        "columns" for the `columns` array."""
        kernel = _Kernel("rows", source, rows * n, self._threads)
        views = [(rows if outer else 1, n if inner else 1) for outer, inner in spans]
        sources = sources or range(len(spans))
        passed = [(columns if source == "columns" else source, view)
                  for k, (source, view) in enumerate(zip(sources, views)) if k not in literals]
        out_views = [(rows, n) if is_full else (rows, 1) for is_full in full_outputs]
        run = self._driver(kernel.function, passed, list(zip(node.outputs, out_views)),
                           lead=n)
        return run, f"{label}, {kernel.variant}]", kernel

    def _matmul(self, node: Node):
        out_value = node.outputs[0]
        if out_value.dtype.np.char not in _MATMUL_DTYPES:
            return None
        ta, tb = bool(node.attrs["transpose_a"]), bool(node.attrs["transpose_b"])

        def run(args, ctx):
            a, b = args
            a = np.swapaxes(a, -1, -2) if ta else a
            b = np.swapaxes(b, -1, -2) if tb else b
            out = self._out(out_value)
            np.matmul(a, b, out=out)
            return (out,)
        return run, "matmul[BLAS]", None

    # -- running ---------------------------------------------------------------------------
    def run(self, ctx, feed_values: Sequence[np.ndarray]) -> list:
        env: list = [None] * self._env_size
        for slot, value in zip(self._input_slots, feed_values):
            env[slot] = value
        with self._lock:  # reference kernels set their own errstate; kernels do not warn
            for run, inputs, outputs, release, step in self._schedule:
                try:
                    outs = run([env[i] for i in inputs], ctx)
                except errors.OpError:
                    raise
                except Exception as e:  # noqa: BLE001 - named by the op-by-op re-run
                    raise _diagnose(step.node, [env[i] for i in inputs], ctx, e) from e
                for slot, out in zip(outputs, outs):
                    env[slot] = out
                for slot in release:
                    env[slot] = None
            results = [env[s] for s in self._output_slots]
        if not self._copies:
            return results
        return [np.array(r, copy=True) if copy else r
                for r, copy in zip(results, self._copy_out)]

    def describe(self) -> str:
        lines = ["lowering: numba cpu"]
        kernels: dict[str, _Kernel] = {}
        fallbacks = []
        for step in self.steps:
            node = step.node
            members = ""
            if node.op == "fused":
                members = " <- " + ", ".join(f"{op}" for op, *_ in node.attrs["body"])
                if node.attrs["kind"] == "reduction":
                    members += f" -> reduce_{node.attrs['combiner']}"
            origins = "; ".join(str(o) for o in node.origins)
            outs = ", ".join(str(v) for v in node.outputs) or f"^{node.id}"
            lines.append(f"  {outs} = {step.label} {node.op}{members}"
                         + (f"   # {origins}" if origins else ""))
            if step.kernel is not None:
                kernels.setdefault(step.kernel.module.__name__, step.kernel)
            elif step.label == "reference":
                fallbacks.append(node.op)
        if fallbacks:
            lines.append("reference kernels (no generated code): " +
                         ", ".join(sorted(set(fallbacks))))
        memory = self.memory
        if memory is not None:
            lines.append(f"memory: {len(memory.slot_bytes)} buffers, "
                         f"{sum(memory.slot_bytes)} bytes allocated once, "
                         f"peak {memory.peak_bytes} bytes live")
        for name, kernel in kernels.items():
            lines.append(f"kernel {name}:")
            lines.extend("    " + line for line in kernel.source.rstrip().splitlines())
        return "\n".join(lines)


def _lowers_elementwise(node: Node) -> bool:
    if node.op == "fused":
        return node.attrs["kind"] == "elementwise"
    return codegen.can_lower_elementwise(node.op, len(node.inputs)) and node.pure and \
        len(node.outputs) == 1


def _plan_merges(program: Program
                 ) -> tuple[dict[int, Node], dict[int, int], dict[int, int]]:
    """Neighbouring nodes lowered as one step: an assign_add/assign_sub right after the
    elementwise node that makes its value, read nowhere else (an optimizer's `lr * grad`):
    the update kernel computes that value too. Adjacent only, so that the memory plan's
    liveness holds for the merged step.

    A merged update's gradient is donated when it is the output of a matmul or a
    sum_to_shape (a weight's or a bias's gradient) of the variable's shape and float dtype
    that only the merged node reads: the update then writes the variable's next value
    over it (see CpuExecutable._update).

    Returns ({id of the update: the elementwise node}, {id of the elementwise node: id of
    the update}, {id of the update: id of the donated value})."""
    merged: dict[int, Node] = {}
    absorbed: dict[int, int] = {}
    donors: dict[int, int] = {}
    uses, fetched, producers = program.use_counts, set(program.outputs), program.producers
    for before, node in zip(program.nodes, program.nodes[1:]):
        if node.op not in ("assign_add_variable", "assign_sub_variable") or \
                not _lowers_elementwise(before) or len(before.outputs) != 1:
            continue
        value = before.outputs[0]
        if node.inputs[1] == value.id and uses.get(value.id) == 1 and \
                value.id not in fetched and value.shape == node.outputs[0].shape and \
                value.dtype == node.outputs[0].dtype and value.dtype.np is not None:
            merged[node.id], absorbed[before.id] = before, node.id
            for vid in before.inputs:
                producer = producers.get(vid)
                candidate = program.values[vid]
                if producer is not None and producer[0].op in _DONATING_OPS and \
                        candidate.dtype.np.char in _MATMUL_DTYPES and \
                        uses.get(vid) == before.inputs.count(vid) == 1 and \
                        vid not in fetched and candidate.shape == value.shape and \
                        candidate.dtype == value.dtype:
                    donors[node.id] = vid
                    break
    return merged, absorbed, donors


class _Recycler:
    """`take(avoid=None)`: one of two arrays that is not `avoid` (a variable's value now)
    and is held nowhere else, replaced by a new one when both are held (by the store, a
    caller, a later read). `owns(array)`: whether `take` handed it out."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype
        self.pair: list = [None, None]

    def __call__(self, avoid=None):
        pair = self.pair
        for buffer in pair:
            # held by `pair`, `buffer` and getrefcount's argument only
            if buffer is not None and buffer is not avoid and \
                    sys.getrefcount(buffer) <= _UNREFERENCED:
                return buffer
        k = 0 if pair[0] is avoid or pair[0] is None else 1
        pair[k] = np.empty(self.shape, self.dtype)
        return pair[k]

    def owns(self, array) -> bool:
        return any(array is buffer for buffer in self.pair)


def _hoist_updates(steps: list, updates: set[int]) -> list:
    """The steps in order, with each merged optimizer update (node ids in `updates`) moved up
    to just after the last step it depends on: the steps making its inputs, every
    earlier step on the same variable handle, and the steps with effects that its
    `after` edges name. Its gradient was just written and the variable just read by the
    backward matmul, so both are still in cache (the 512x512 update of an MLP step ran
    in 40 us there, 110 us at the end of the plan).

    Why `after` edges to pure steps may be passed: they order an update after the
    gradients (optimizers gate every update on every gradient, so that no gradient reads
    a new value), and a staged update changes no array that a pure step reads; only a
    later read of the same variable would see it, and every step on that variable that
    came before the update still does. An update only reads values, so the memory plan's
    liveness holds (env slots are released by this order's last readers). Constants
    (computed once, no inputs) go first, so that a learning rate made late does not hold
    an update."""
    constant = [step for step in steps if step.node.op == "const" and not step.node.after]
    steps = constant + [step for step in steps if step not in constant]
    placed: list = []
    made_at: dict[int, int] = {}    # slot -> index in `placed` of the step writing it
    node_at: dict[int, int] = {}    # node id -> index in `placed`
    handle_at: dict[int, int] = {}  # handle slot -> index of the last step using it
    effects: set[int] = set()       # ids of nodes with effects (state, random, print)
    for step in steps:
        inputs, outputs, node = step.inputs, step.outputs, step.node
        if node.id in updates:
            after = [made_at.get(slot, -1) for slot in inputs]
            after.append(handle_at.get(inputs[0], -1))
            after.extend(node_at.get(i, -1) for i in node.after if i in effects)
            at = max(after) + 1
        else:
            at = len(placed)
        if at < len(placed):  # an update moved up: the steps past it move down one
            for table in (made_at, node_at, handle_at):
                for key, index in table.items():
                    if index >= at:
                        table[key] = index + 1
        placed.insert(at, step)
        for slot in outputs:
            made_at[slot] = at
        node_at[node.id] = at
        state = node.op != "fused" and node.opdef.kind == "state"
        if not node.pure or state:
            effects.add(node.id)
        if state and inputs:  # a variable op: its first input is the handle
            handle_at[inputs[0]] = max(handle_at.get(inputs[0], -1), at)
    return placed


def _run_producer(node: Node, args: Sequence, ctx) -> tuple:
    if node.op == "fused":
        return _run_body_reference(node, args, ctx)
    return run_node(node, args, ctx)


def _row_spans(shape, full, axes) -> tuple[bool, bool]:
    """Whether a value of `shape` broadcast to `full` varies along the rows and along the
    reduced block (fusion guarantees each block is all-varying or all-broadcast)."""
    padded = (1,) * (len(full) - len(shape)) + tuple(shape)
    outer = any(padded[d] == full[d] != 1 for d in range(len(full)) if d not in axes)
    inner = any(padded[d] == full[d] != 1 for d in range(len(full)) if d in axes)
    return outer, inner


def _run_body_reference(node: Node, args: Sequence, ctx) -> tuple:
    """A fused node evaluated op by op with the reference kernels."""
    body = node.attrs["body"]
    shape = tuple(node.attrs["shape"])
    shapes = node.attrs.get("member_shapes") or (shape,) * len(body)
    values = list(args)
    for (op, step_args, dtype, origin, attrs), member_shape in zip(body, shapes):
        out_value = Value(-1, as_dtype(dtype), tuple(member_shape))
        member = Node(-1, op, (), Attrs(attrs), (out_value,), _origin(node, origin))
        (out,) = run_node(member, [values[i] for i in step_args], ctx)
        values.append(out)
    if node.attrs["kind"] == "reduction":
        source = values[-1]
        reduce_op = next(name for name, d in registry.all_ops().items()
                         if d.attrs.get("combiner") == node.attrs["combiner"]
                         and d.kind == "reduction")
        (out,) = registry.run_reference(registry.get(reduce_op), [source],
                                        {"axes": node.attrs["axes"],
                                         "keepdims": node.attrs["keepdims"]})
        return (np.asarray(out).astype(node.outputs[0].dtype.np, copy=False),)
    first = len(args)
    return tuple(values[first + j] for j in node.attrs["outputs"])


def _origin(node: Node, index: int) -> tuple[Origin, ...]:
    return node.origins[index:index + 1] if index < len(node.origins) else node.origins


def _diagnose(node: Node, args: Sequence, ctx, cause: Exception) -> errors.OpError:
    """Re-runs a failed kernel op by op; the first failing user op names the error."""
    if node.op == "fused":
        try:
            _run_body_reference(node, args, ctx)
        except errors.OpError as e:
            return e
    else:
        try:
            run_node(node, args, ctx)
        except errors.OpError as e:
            return e
    names = ", ".join(str(o) for o in node.origins) or node.op
    return errors.InternalError(None, node.origin, f"compiled kernel for {names} failed: "
                                f"{type(cause).__name__}: {cause}")


def lower_cpu(program: Program) -> CpuExecutable:
    """Lowers `program` to Numba CPU kernels (see the module docstring)."""
    return CpuExecutable(program)


__all__ = ["lower_cpu", "CpuExecutable", "PARALLEL_MIN_ELEMENTS"]
