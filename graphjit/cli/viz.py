"""`python -m graphjit viz FILE.pb -o out.svg|out.png|out.pdf|out.dot`: draw a saved graph.

Without `-o` the DOT text goes to stdout. Rendering needs Graphviz's `dot` (exit code 4
with a message naming the package when it is missing; .dot output never needs it).
`--fetch` draws only what those fetches need; `--plan` draws the optimized program
(with `--feed NAME=SHAPE` as for `explain`); `--collapse SCOPE` draws a scope as one box.

May import: graphjit (viz), graphjit.graphlib, graphjit.cli.
"""

from __future__ import annotations

import argparse
import sys

from .. import viz
from .explain import shaped_feeds
from .inspect import load_graph, resolve

EXIT_NO_GRAPHVIZ = 4


def run(args: argparse.Namespace) -> int:
    graph = load_graph(args.file)
    fetches = [resolve(graph, name) for name in args.fetch]
    if args.plan:
        if not fetches:
            raise ValueError("--plan needs at least one --fetch")
        dot = viz.to_dot(fetches, shaped_feeds(graph, args.feed, fetches), plan=True,
                         rankdir=args.rankdir)
    else:
        if args.feed:
            raise ValueError("--feed is used only with --plan")
        dot = viz.to_dot(fetches or graph, collapse=args.collapse, rankdir=args.rankdir)
    if not args.output:
        sys.stdout.write(dot)
        return 0
    try:
        viz.render(dot, args.output)
    except viz.GraphvizNotFound as e:
        print(f"graphjit viz: {e}", file=sys.stderr)
        return EXIT_NO_GRAPHVIZ
    except RuntimeError as e:
        print(f"graphjit viz: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "viz", help="draw a serialized graph (DOT, SVG, PNG, PDF)",
        description="Draw a GraphDef file with Graphviz: name scopes as clusters, shapes on "
                    "edges. Exit codes: 0 ok, 1 bad input, 2 usage, 4 Graphviz's dot "
                    "is not installed.")
    parser.add_argument("file", metavar="FILE", help="a GraphDef file, binary or text")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="output file: .dot/.gv (text), .svg, .png or .pdf (needs "
                             "Graphviz); default: DOT on stdout")
    parser.add_argument("--fetch", action="append", default=[], metavar="NAME",
                        help="draw only the ops these fetches need (repeatable)")
    parser.add_argument("--collapse", action="append", default=[], metavar="SCOPE",
                        help="draw this name scope as one box, e.g. gradients (repeatable)")
    parser.add_argument("--plan", action="store_true",
                        help="draw the optimized program for --fetch/--feed instead")
    parser.add_argument("--feed", action="append", default=[], metavar="NAME=SHAPE[:DTYPE]",
                        help="with --plan: a fed tensor's shape")
    parser.add_argument("--rankdir", choices=("TB", "LR"), default="TB",
                        help="layout direction (default: top to bottom)")
    parser.set_defaults(func=run)
