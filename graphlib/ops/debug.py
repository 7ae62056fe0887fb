"""Debugging ops: `check_numerics`, `print` (TF2's `tf.print`) and `Print` (TF1's `tf.Print`).

All three are side-effect ops (`stateful=True`): constant folding, common-subexpression
elimination and dead-node elimination keep them, and since they are not elementwise they
stay out of fused kernels, so they check and print in both executors exactly where the
user put them. Their family is "debug" in spirit; they lower as kind "opaque" (the
reference kernel runs as it is).

Printed text follows TensorFlow's kernels byte for byte: floats in the shortest of %.6g
or %.9g (float32) / %.15g or %.17g (float64) that round-trips, booleans as 1/0,
`tf.print`'s numpy-like summary (`summarize` items at each end of every dimension) and
`tf.Print`'s flat summary (the first `summarize` elements, then "...").

May import: graphlib core modules (dtypes, errors, graph, registry), ops.core.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

import numpy as np

from .. import errors
from ..graph import Operation, Tensor
from ..registry import OpDef, register
from ._util import graph_of, same
from .core import convert_to_tensor

# -- element and tensor formatting (TensorFlow's SummarizeArray) ---------------------------


def format_element(value) -> str:
    """One element as TensorFlow prints it (FloatToBuffer/DoubleToBuffer for floats)."""
    if isinstance(value, np.bool_ | bool):
        return "1" if value else "0"
    if isinstance(value, np.floating):
        if not np.isfinite(value):
            return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
        short, long = (6, 9) if value.dtype == np.float32 else (15, 17)
        text = f"{float(value):.{short}g}"
        return text if value.dtype.type(text) == value else f"{float(value):.{long}g}"
    return str(value)


def summarize_v1(array: np.ndarray, summarize: int) -> str:
    """`tf.Print`'s summary: the first `summarize` elements in nested brackets, then "..."."""
    flat = array.reshape(-1)
    limit = flat.size if summarize < 0 else min(summarize, flat.size)
    if array.ndim == 0:
        return format_element(flat[0]) if limit else ""
    out: list[str] = []
    index = 0

    # Mirrors TF's PrintOneDim (recursive on the rank, which is small).
    def one_dim(dim: int) -> None:
        nonlocal index
        if index >= limit:
            return
        if dim == array.ndim - 1:
            for i in range(array.shape[dim]):
                if index >= limit:
                    if dim != 0:
                        out.append("...")
                    return
                if i > 0:
                    out.append(" ")
                out.append(format_element(flat[index]))
                index += 1
            return
        for _ in range(array.shape[dim]):
            opened = index < limit
            if opened:
                out.append("[")
            one_dim(dim + 1)
            if index < limit or opened:
                out.append("]")

    one_dim(0)
    if flat.size > limit:
        out.append("...")
    return "".join(out)


def summarize_v2(array: np.ndarray, summarize: int) -> str:
    """`tf.print`'s summary: `summarize` items at each end of every dimension."""
    if array.ndim == 0:
        return format_element(array[()])
    out: list[str] = []

    def spacing(dim: int) -> None:
        if dim == array.ndim - 1:
            out.append(" ")
        else:
            out.append("\n" * (array.ndim - dim - 1) + " " * (dim + 1))

    def one_dim(dim: int, sub: np.ndarray) -> None:
        if dim == array.ndim:
            out.append(format_element(sub[()]))
            return
        count = sub.shape[0]
        shown = count if summarize < 0 else summarize
        start_of_end = max(shown, count - shown)
        out.append("[")
        i = 0
        while i < count:
            if i > 0:
                spacing(dim)
            if i < shown or i >= start_of_end:
                one_dim(dim + 1, sub[i])
                i += 1
            else:
                out.append("...")
                i = start_of_end
        out.append("]")

    one_dim(0, array)
    return "".join(out)


def _stream(output_stream: str):
    if output_stream == "stdout":
        return sys.stdout
    if output_stream == "stderr":
        return sys.stderr
    return None


def _write(output_stream: str, text: str) -> None:
    stream = _stream(output_stream)
    if stream is not None:
        stream.write(text)
        stream.flush()
        return
    with open(output_stream[len("file://"):], "a", encoding="utf-8") as f:
        f.write(text)


# -- check_numerics -----------------------------------------------------------------------


def _check_numerics_infer(x, *, message):
    if not x.dtype.is_floating:
        raise TypeError(f"check_numerics needs a floating-point tensor, got {x.dtype.name}")
    return same(x)


def _check_numerics_reference(x, *, message):
    nan = bool(np.isnan(x).any())
    inf = bool(np.isinf(x).any())
    if nan or inf:
        what = "Inf and NaN" if nan and inf else ("NaN" if nan else "Inf")
        raise errors.InvalidArgumentError(None, None, f"{message} : Tensor had {what} values")
    return x


def _check_numerics_gradient(op: Operation, grad: Tensor) -> list:
    return [check_numerics(grad, "Not a number (NaN) or infinity (Inf) values detected in "
                           "gradient. " + op.attrs["message"])]


register(OpDef(
    name="check_numerics", infer=_check_numerics_infer,
    reference=_check_numerics_reference, gradient=_check_numerics_gradient,
    stateful=True, kind="opaque",
    doc="Passes its input through; fails with InvalidArgumentError naming `message` when "
        "the input holds NaN or Inf. Stateful so that no pass removes or merges it."))


def check_numerics(tensor, message: str, name: str | None = None) -> Tensor:
    """`tf.debugging.check_numerics`: `tensor`, failing at run time if it has NaN or Inf."""
    x = convert_to_tensor(tensor)
    if not isinstance(message, str):
        raise TypeError(f"check_numerics: message must be a str, got {type(message).__name__}")
    return x.graph.create_op("check_numerics", [x], {"message": message},
                             name=name or "CheckNumerics").outputs[0]


# -- tf.print (PrintV2) -------------------------------------------------------------------


def _print_reference(*arrays, template, summarize, output_stream, end):
    texts = [summarize_v2(np.asarray(a), summarize) for a in arrays]
    _write(output_stream, template.format(*texts) + end)
    return ()


register(OpDef(
    name="print", infer=lambda *specs, **attrs: [], reference=_print_reference,
    no_gradient="print has no outputs", stateful=True, kind="opaque",
    doc="Formats its inputs into `template` (one {} per tensor) and writes it to "
        "`output_stream` (stderr, stdout or file://PATH)."))


def _template_piece(item, tensors: list) -> str:
    """The template text for one argument of `print`; tensors become {} and are collected."""
    if isinstance(item, Tensor) or hasattr(item, "_to_tensor"):
        tensors.append(convert_to_tensor(item))
        return "{}"
    if isinstance(item, list | tuple):
        inner = ", ".join(_template_piece(v, tensors) for v in item)
        if isinstance(item, list):
            return f"[{inner}]"
        return f"({inner},)" if len(item) == 1 else f"({inner})"
    if isinstance(item, Mapping):
        inner = ", ".join(f"{k!r}: {_template_piece(v, tensors)}" for k, v in item.items())
        return "{{" + inner + "}}"
    return str(item).replace("{", "{{").replace("}", "}}")


def _stream_name(output_stream) -> str:
    if output_stream in (sys.stdout, sys.__stdout__) or output_stream == "stdout":
        return "stdout"
    if output_stream is None or output_stream in (sys.stderr, sys.__stderr__) or \
            output_stream == "stderr":
        return "stderr"
    if isinstance(output_stream, str) and output_stream.startswith("file://"):
        return output_stream
    raise ValueError(f"print: unsupported output_stream {output_stream!r}; use sys.stdout, "
                     "sys.stderr or 'file://PATH'")


def print(*inputs, output_stream=None, summarize: int = 3, sep: str = " ",  # noqa: A001
          end: str = "\n", name: str | None = None) -> Operation:
    """`tf.print`: an op that prints `inputs` when it runs; in graph mode run it as a fetch
    or a control dependency. Non-tensor inputs are printed with `str`. `output_stream`:
    sys.stderr (the default, also None), sys.stdout, or "file://PATH"."""
    tensors: list[Tensor] = []
    template = sep.replace("{", "{{").replace("}", "}}").join(
        _template_piece(item, tensors) for item in inputs)
    attrs = {"template": template, "summarize": -1 if summarize is None else int(summarize),
             "output_stream": _stream_name(output_stream), "end": end}
    graph = graph_of(*tensors)
    return graph.create_op("print", tensors, attrs, name=name or "PrintV2")


# -- tf.Print (v1): prints as a side effect of passing its first input through ------------


def _print_v1_infer(x, *data, message, first_n, summarize, counter):
    return same(x)


def _print_v1_reference(ctx, x, *data, message, first_n, summarize, counter):
    if first_n >= 0 and ctx is not None:
        # The count lives with the session's state, as TF keeps it in the kernel instance.
        counts = vars(ctx.store).setdefault("print_counts", {})
        seen = counts.get(counter, 0)
        counts[counter] = seen + 1
        if seen >= first_n:
            return x
    text = message + "".join(f"[{summarize_v1(np.asarray(d), summarize)}]" for d in data)
    _write("stderr", text + "\n")
    return x


register(OpDef(
    name="print_v1", infer=_print_v1_infer, reference=_print_v1_reference,
    gradient=lambda op, grad: [grad] + [None] * (len(op.inputs) - 1),
    stateful=True, uses_context=True, kind="opaque",
    doc="TF1's Print: returns its first input; prints `message` and the summaries of the "
        "other inputs to stderr, the first `first_n` times per session (-1: always). "
        "`counter` keys that count (the op's name when built)."))


def Print(input_, data, message: str | None = None, first_n: int | None = None,  # noqa: N802
          summarize: int | None = None, name: str | None = None) -> Tensor:
    """`tf.Print` (TF1): `input_`, printing `message` and `data` each time it is computed."""
    x = convert_to_tensor(input_)
    values = [convert_to_tensor(d) for d in data]
    graph = x.graph
    op_name = graph.unique_name(name or "Print")
    attrs = {"message": message or "", "first_n": -1 if first_n is None else int(first_n),
             "summarize": 3 if summarize is None else int(summarize), "counter": op_name}
    return graph.create_op("print_v1", [x, *values], attrs, name=op_name + "/").outputs[0]


__all__ = ["check_numerics", "print", "Print", "format_element", "summarize_v1",
           "summarize_v2"]
