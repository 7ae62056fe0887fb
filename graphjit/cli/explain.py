"""`python -m graphjit explain FILE.pb --fetch NAME --feed NAME=SHAPE[:DTYPE]`: the
optimized plan for a saved graph, as `gj.compile(...)` explains it (per-pass statistics,
the program, fused kernels with their origins, generated source, planned memory).

Shapes are written `32,784` (or `32x784`, `[32,784]`, `scalar`); a placeholder whose
static shape is fully known may be left out.

May import: graphjit.graphlib, graphjit.compiler, graphjit.cli.
"""

from __future__ import annotations

import argparse
import re

import numpy as np

from ..graphlib.dtypes import as_dtype
from ..graphlib.graph import Graph, Operation, Tensor
from ..graphlib.traversal import required_ops
from .inspect import load_graph, resolve
from .run import split_assignment


def parse_shape(text: str) -> tuple[int, ...]:
    """`32,784`, `32x784`, `[32, 784]` or `scalar` -> (32, 784)."""
    text = text.strip().strip("[]()").strip()
    if text in ("", "scalar"):
        return ()
    try:
        dims = tuple(int(d) for d in re.split(r"[,x\s]+", text) if d)
    except ValueError:
        raise ValueError(f"bad shape {text!r}: write dimensions like 32,784") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"bad shape {text!r}: dimensions must be >= 0")
    return dims


def shaped_feeds(graph: Graph, items: list[str], fetches: list) -> dict[Tensor, np.ndarray]:
    """Zero arrays standing for the feeds (only their shapes and dtypes matter)."""
    feeds: dict[Tensor, np.ndarray] = {}
    for item in items:
        name, spec = split_assignment(item, "--feed")
        target = resolve(graph, name)
        if isinstance(target, Operation):
            raise ValueError(f"--feed {name}: {name!r} has no output to feed")
        shape_text, _, dtype_text = spec.partition(":")
        dtype = as_dtype(dtype_text) if dtype_text else target.dtype
        shape = parse_shape(shape_text)
        if not target.shape.is_compatible_with(shape):
            raise ValueError(f"--feed {name}: shape {list(shape)} does not fit "
                             f"{target.name}'s static shape {target.shape}")
        feeds[target] = np.zeros(shape, dtype.np)
    tensors = [f for f in fetches if isinstance(f, Tensor)]
    targets = [f for f in fetches if isinstance(f, Operation)]
    for op in required_ops(tensors, targets, list(feeds)):
        if op.type != "placeholder":
            continue
        t = op.outputs[0]
        if not t.shape.is_fully_defined():
            raise ValueError(f"placeholder {t.name} has shape {t.shape}: give its shape "
                             f"with --feed {op.name}=SHAPE")
        feeds[t] = np.zeros(t.shape.as_list(), t.dtype.np)
    return feeds


def run(args: argparse.Namespace) -> int:
    from ..compiler import compile as compile_plan

    graph = load_graph(args.file)
    fetches = [resolve(graph, name) for name in args.fetch]
    feeds = shaped_feeds(graph, args.feed, fetches)
    plan = compile_plan(fetches, feeds, device=args.device,
                        dump_after=args.dump_after or ())
    print(plan)
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "explain", help="show the optimized plan of a serialized graph",
        description="Compile a GraphDef file for the given fetches and feed shapes and print "
                    "the plan: what each pass did, the optimized program, the kernels.")
    parser.add_argument("file", metavar="FILE", help="a GraphDef file, binary or text")
    parser.add_argument("--fetch", action="append", required=True, metavar="NAME",
                        help="tensor (op:0) or op name to fetch (repeatable)")
    parser.add_argument("--feed", action="append", default=[], metavar="NAME=SHAPE[:DTYPE]",
                        help="a fed tensor's shape, e.g. x=32,784 or x=32,784:float64 "
                             "(repeatable)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--dump-after", action="append", metavar="PASS",
                        help="also print the program after this pass ('all' for every pass)")
    parser.set_defaults(func=run)
