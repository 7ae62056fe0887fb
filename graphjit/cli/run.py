"""`python -m graphjit run FILE.pb --feed name=file.npy --fetch name`: run a saved graph.

Feeds come from .npy files (or a Python literal such as `x=[[1,2]]`); fetched values are
printed, or saved with `-o` (.npy for one fetch, .npz keyed by tensor name for any).
Variables are initialized first unless `--no-init`. `--debug` runs the NaN/Inf hunter
(Session(debug=True)). Exit codes: 0 success, 1 bad input (file, names, feeds), 2 bad
usage, 3 the graph failed while running (the message names the op and its line).

May import: graphjit.graphlib, graphjit.runtime, graphjit.cli.
"""

from __future__ import annotations

import argparse
import ast
import os
import sys

import numpy as np

from ..graphlib import errors
from ..graphlib.graph import Operation
from ..graphlib.ops.state import global_variables, global_variables_initializer
from ..runtime import Session
from .inspect import load_graph, resolve

EXIT_RUN_FAILED = 3


def load_feed_value(text: str) -> np.ndarray:
    """A feed's value: a .npy file, or a Python literal."""
    if text.endswith(".npy") or os.path.exists(text):
        try:
            return np.load(text, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise ValueError(f"cannot load feed file {text!r}: {e}") from None
    try:
        return np.asarray(ast.literal_eval(text))
    except (ValueError, SyntaxError):
        raise ValueError(f"feed value {text!r} is neither a .npy file nor a Python "
                         "literal") from None


def split_assignment(item: str, what: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name or not value:
        raise ValueError(f"{what} {item!r} must look like NAME=VALUE")
    return name, value


def _save(path: str, fetches: list, values: list) -> None:
    if path.endswith(".npy"):
        if len(values) != 1:
            raise ValueError(f"-o {path}: a .npy file holds one array; use .npz for "
                             f"{len(values)} fetches")
        np.save(path, np.asarray(values[0]))
        return
    if not path.endswith(".npz"):
        raise ValueError(f"-o {path}: use a .npy or .npz file name")
    np.savez(path, **{f.name: np.asarray(v) for f, v in zip(fetches, values)
                      if not isinstance(f, Operation)})


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args.file)
    fetches = [resolve(graph, name) for name in args.fetch]
    feeds = {}
    for item in args.feed:
        name, value = split_assignment(item, "--feed")
        target = resolve(graph, name)
        if isinstance(target, Operation):
            raise ValueError(f"--feed {name}: {name!r} has no output to feed")
        feeds[target] = load_feed_value(value)
    with Session(graph=graph, executor=args.executor, debug=args.debug) as sess:
        try:
            with graph.as_default():
                if not args.no_init and global_variables():
                    sess.run(global_variables_initializer())
            values = sess.run(fetches, feeds)
        except errors.OpError as e:
            print(f"graphjit run: the graph failed: {type(e).__name__}: {e}", file=sys.stderr)
            return EXIT_RUN_FAILED
    if args.output:
        _save(args.output, fetches, values)
        return 0
    with np.printoptions(threshold=args.threshold, linewidth=100):
        for fetch, value in zip(fetches, values):
            if isinstance(fetch, Operation):
                print(f"{fetch.name}: ran")
                continue
            array = np.asarray(value)
            print(f"{fetch.name}: {array.dtype.name}{list(array.shape)}")
            print(np.array2string(array))
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="run a serialized graph on fed values",
        description="Run a GraphDef file: feed tensors from .npy files, print or save the "
                    "fetched values. Exit codes: 0 ok, 1 bad input, 2 usage, 3 the graph "
                    "failed while running.")
    parser.add_argument("file", metavar="FILE", help="a GraphDef file, binary or text")
    parser.add_argument("--feed", action="append", default=[], metavar="NAME=FILE.npy",
                        help="feed a tensor (repeatable); the value may also be a Python "
                             "literal such as [[1, 2]]")
    parser.add_argument("--fetch", action="append", required=True, metavar="NAME",
                        help="tensor (op:0) or op name to fetch (repeatable)")
    parser.add_argument("-o", "--output", metavar="OUT.npz|OUT.npy",
                        help="save the fetched values instead of printing them")
    parser.add_argument("--executor", choices=("compiled", "interpreted"),
                        default="compiled", help="how to run (default: compiled)")
    parser.add_argument("--debug", action="store_true",
                        help="check every intermediate for NaN/Inf and name the first op "
                             "that makes one")
    parser.add_argument("--no-init", action="store_true",
                        help="do not run the variable initializers first")
    parser.add_argument("--threshold", type=int, default=1000,
                        help="print arrays with more elements than this summarized")
    parser.set_defaults(func=run)
