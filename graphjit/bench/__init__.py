"""The benchmark as a product: `python -m graphjit bench` (graphjit/cli/bench.py) and the
scripts in benchmarks/ measure the same workloads through this package.

- workloads.py: each workload as a graphjit graph plus NumPy by hand and the peers;
- runner.py: agreement check, then interleaved timed repeats;
- probe.py: cold and warm compile latency in fresh processes;
- machine.py: the machine, versions, BLAS and thread settings;
- report.py: progress lines, the results table, JSON and the speedup plot.

May import: graphjit (the public API), numpy, the standard library; peers and matplotlib
only lazily.
"""
