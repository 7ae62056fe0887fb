"""Regenerates (or, with --check, verifies) the committed `*_pb2.py`/`*_pb2.pyi` files.

The protoc that generates them is pinned: grpcio-tools 1.76.0, whose gencode (protobuf
6.31.1) loads on every protobuf runtime that pyproject.toml allows (6.31 up to 7.x);
newer grpcio-tools would emit code that older runtimes refuse. Install it in a
throwaway environment, since it pulls a protobuf of its own:

    python -m venv /tmp/protoc-venv
    /tmp/protoc-venv/bin/pip install grpcio-tools==1.76.0
    /tmp/protoc-venv/bin/python graphlib/proto/regenerate.py [--check]

The .proto files are compiled under the import path `graphjit/graphlib/proto/`, so the
generated modules import each other as `graphjit.graphlib.proto.*` (never as the
standard library's `graphlib`).

May import: the standard library and grpc_tools only (it runs without graphjit).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
import tempfile

PINNED_GRPCIO_TOOLS = "1.76.0"
PROTOS = ("graph.proto", "checkpoint.proto")
HERE = os.path.dirname(os.path.abspath(__file__))


def generated_names() -> list[str]:
    names = []
    for proto in PROTOS:
        stem = proto[: -len(".proto")]
        names += [f"{stem}_pb2.py", f"{stem}_pb2.pyi"]
    return names


def generate(out_dir: str) -> None:
    """Compiles the protos into `out_dir` (flat: one file per generated module)."""
    from importlib.metadata import version

    from grpc_tools import protoc

    found = version("grpcio-tools")
    if found != PINNED_GRPCIO_TOOLS:
        raise SystemExit(f"regenerate.py needs grpcio-tools=={PINNED_GRPCIO_TOOLS}, found "
                         f"{found}: see this file's docstring")
    with tempfile.TemporaryDirectory() as tmp:
        # Lay the protos out under their import path so generated imports are absolute.
        src = os.path.join(tmp, "src", "graphjit", "graphlib", "proto")
        os.makedirs(src)
        for proto in PROTOS:
            shutil.copy(os.path.join(HERE, proto), src)
        gen = os.path.join(tmp, "gen")
        os.makedirs(gen)
        args = ["protoc", f"-I{os.path.join(tmp, 'src')}", f"--python_out={gen}",
                f"--pyi_out={gen}"]
        args += [f"graphjit/graphlib/proto/{p}" for p in PROTOS]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed")
        for name in generated_names():
            shutil.copy(os.path.join(gen, "graphjit", "graphlib", "proto", name),
                        os.path.join(out_dir, name))


def check(out_dir: str) -> list[str]:
    """Names of the committed generated files that differ from a fresh generation."""
    with tempfile.TemporaryDirectory() as fresh:
        generate(fresh)
        return [n for n in generated_names()
                if not os.path.exists(os.path.join(out_dir, n))
                or not filecmp.cmp(os.path.join(fresh, n), os.path.join(out_dir, n),
                                   shallow=False)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed files instead of writing them")
    parser.add_argument("--out", default=HERE, help="where the generated files live")
    args = parser.parse_args(argv)
    if args.check:
        stale = check(args.out)
        if stale:
            print("out of date (run graphlib/proto/regenerate.py): " + ", ".join(stale))
            return 1
        print("generated protobuf modules are up to date")
        return 0
    generate(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
