"""The `python -m graphjit` command line: one module per subcommand.

Each subcommand module defines `add_parser(subparsers)` (which sets `func` on its parser)
and is listed in SUBCOMMANDS. Exit codes: 0 success, 1 the command failed (message on
stderr), 2 bad usage (argparse).
"""

from __future__ import annotations

import argparse
import importlib
import sys

SUBCOMMANDS = ("bench", "inspect", "run", "viz", "explain")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m graphjit",
        description="graphjit: TF1-style graphs compiled to Numba kernels.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (OSError, ValueError, KeyError, TypeError) as e:
        print(f"graphjit {args.command}: error: {e}", file=sys.stderr)
        return 1
