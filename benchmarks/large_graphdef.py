"""A GraphDef past protobuf's 2 GiB wall: write ~2.5 GB of constants with
`gj.train.write_graph(..., as_text=False)`, read the file back with `gj.io.read_graph`,
import it, and check every constant bit for bit (CRC-32, shape, dtype) by fetching it.

Reports the seconds of each phase (build, write, read, import, check), the sizes of the
graph file and of its `.data` side file (docs/serialization.md, "No 2 GB wall"), write and
read throughput, and the process's peak resident memory. The original graph is dropped
before reading back, so the peak stays near one copy of the constants.

Not for CI: it needs about 2x `--gb` of free disk and memory. It refuses to start when the
folder's disk lacks 1.2x `--gb` free.

Run: python benchmarks/large_graphdef.py [--gb 2.5] [--chunks 10] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import sys
import tempfile
import time
import zlib

import numpy as np

import graphjit as gj


def build(total_bytes: int, chunks: int) -> tuple[gj.Graph, list[tuple[str, int, tuple]]]:
    """A graph of `chunks` float32 constants totalling `total_bytes`, each read by a small
    op so the graph is a real one; returns it and each constant's (name, crc32, shape)."""
    per = total_bytes // chunks // 4
    graph = gj.Graph()
    expected = []
    with graph.as_default():
        sums = []
        for i in range(chunks):
            value = np.random.default_rng(i).random(per, dtype=np.float32)
            c = gj.constant(value, name=f"weights_{i}")
            expected.append((c.op.name, zlib.crc32(value), value.shape))
            del value
            sums.append(gj.reduce_sum(c[:1000]))
        gj.add_n(sums, name="checksum")
    return graph, expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=2.5, help="constant bytes, in GB")
    parser.add_argument("--chunks", type=int, default=10, help="number of constants")
    parser.add_argument("--dir", help="folder for the files (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the files")
    args = parser.parse_args(argv)
    total = int(args.gb * 1e9)
    folder = args.dir or tempfile.mkdtemp(prefix="graphjit-large-graphdef-")
    os.makedirs(folder, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < 1.2 * total:
        print(f"error: {folder} has {free / 1e9:.1f} GB free, needs {1.2 * total / 1e9:.1f}",
              file=sys.stderr)
        return 1
    try:
        t0 = time.perf_counter()
        graph, expected = build(total, args.chunks)
        t1 = time.perf_counter()
        path = gj.train.write_graph(graph, folder, "large.pb", as_text=False)
        t2 = time.perf_counter()
        del graph
        gc.collect()
        pb_size = os.path.getsize(path)
        data_size = os.path.getsize(path + ".data") if os.path.exists(path + ".data") else 0
        t3 = time.perf_counter()
        graph_def = gj.io.read_graph(path)
        t4 = time.perf_counter()
        imported = gj.Graph()
        with imported.as_default():
            gj.import_graph_def(graph_def, name="")
        t5 = time.perf_counter()
        del graph_def
        with gj.Session(graph=imported, executor="interpreted") as sess:
            for name, crc, shape in expected:
                value = sess.run(f"{name}:0")
                if value.shape != shape or value.dtype != np.float32 or \
                        zlib.crc32(value) != crc:
                    print(f"error: constant {name} changed in the round trip",
                          file=sys.stderr)
                    return 1
            sess.run("checksum:0")
        t6 = time.perf_counter()
    finally:
        if not args.keep and args.dir:
            for leftover in ("large.pb", "large.pb.data"):
                if os.path.exists(os.path.join(folder, leftover)):
                    os.unlink(os.path.join(folder, leftover))
        elif not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    gb = total / 1e9
    print(f"constants: {gb:.2f} GB in {args.chunks} float32 arrays")
    print(f"files: graph {pb_size / 1e6:.2f} MB + side data {data_size / 1e9:.2f} GB")
    print(f"build  {t1 - t0:7.2f} s")
    print(f"write  {t2 - t1:7.2f} s  ({gb / (t2 - t1):.2f} GB/s, write_graph as_text=False)")
    print(f"read   {t4 - t3:7.2f} s  (read_graph: parse and validate)")
    print(f"import {t5 - t4:7.2f} s  ({gb / (t5 - t4):.2f} GB/s, import_graph_def: reads "
          "the side data, checks CRC-32)")
    print(f"check  {t6 - t5:7.2f} s  (fetch every constant, compare CRC-32, shape, dtype)")
    print(f"peak resident memory {peak:.2f} GiB; all {args.chunks} constants identical")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
