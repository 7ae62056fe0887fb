"""Presenting results: progress lines, the results table (text or Markdown), the compile
line, the JSON document and the speedup bar chart.

Table columns: interpreted and compiled medians with their spread (+- half the
interquartile range, as a percentage of the median); speedup = interpreted / compiled;
warm-up = opening a compiled Session and its first step (plan building and compilation,
excluded from the timings); GB/s and GFLOP/s of the compiled column against the
workload's compulsory bytes and FLOPs; then, with --peers, one column per peer holding
its median and, in parentheses, peer time / compiled time (above 1x: compiled is faster).

May import: graphjit.bench.runner, graphjit.bench.workloads, the standard library;
matplotlib lazily, for `plot` only.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from .runner import EXECUTORS, WorkloadResult
from .workloads import PEERS

SCHEMA = "graphjit-bench/1"


def seconds(s: float) -> str:
    """A duration in the unit that keeps 3 significant figures readable."""
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} us"


def _rate(value: float) -> str:
    return f"{value:.3g}"


def progress_line(r: WorkloadResult) -> str:
    """The line printed when a workload is done (under its "[i/n] name ..." line)."""
    interpreted, compiled = r.timings["interpreted"], r.timings["compiled"]
    gbs, gflops = r.rate("compiled")
    peers = "".join(f", {p} {seconds(r.timings[p].median)}" for p in PEERS
                    if p in r.timings)
    return (f"      {r.label}: interpreted {seconds(interpreted.median)}, compiled "
            f"{seconds(compiled.median)} "
            f"-> {r.speedup:.1f}x; warm-up {seconds(compiled.warmup_s)}; "
            f"{_rate(gbs)} GB/s, {_rate(gflops)} GFLOP/s{peers}")


def _peer_columns(results: Sequence[WorkloadResult]) -> list[str]:
    return [p for p in PEERS if any(p in r.timings for r in results)]


def table_rows(results: Sequence[WorkloadResult]) -> list[list[str]]:
    peers = _peer_columns(results)
    rows = [["workload", "size", "interpreted", "compiled", "speedup", "warm-up", "GB/s",
             "GFLOP/s", *peers]]
    for r in results:
        cells = [r.workload.name, r.label]
        for column in EXECUTORS:
            t = r.timings[column]
            cells.append(f"{seconds(t.median)} ±{t.spread * 100:.0f}%")
        gbs, gflops = r.rate("compiled")
        cells += [f"{r.speedup:.1f}x", seconds(r.timings["compiled"].warmup_s), _rate(gbs),
                  _rate(gflops)]
        compiled = r.timings["compiled"].median
        for p in peers:
            t = r.timings.get(p)
            cells.append("-" if t is None else
                         f"{seconds(t.median)} ({t.median / compiled:.1f}x)")
        rows.append(cells)
    return rows


def format_table(results: Sequence[WorkloadResult], markdown: bool = False) -> str:
    rows = table_rows(results)
    if markdown:
        lines = ["| " + " | ".join(rows[0]) + " |",
                 "|" + "|".join("---" for _ in rows[0]) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows[1:]])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    text = ["  ".join(c.ljust(w) if i < 2 else c.rjust(w)
                      for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    text.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(text)


def compile_line(c: dict) -> str:
    cold, warm = c["cold"], c["warm"]
    return (f"compile ({c['workload']}, {c['label']}, fresh processes): cold "
            f"{seconds(cold['to_first_step_s'])} from graph to first step with an empty "
            f"kernel cache; warm {seconds(warm['to_first_step_s'])} with the cache filled "
            f"(imports {seconds(cold['import_s'])} / {seconds(warm['import_s'])}; process "
            f"wall {seconds(cold['process_wall_s'])} / {seconds(warm['process_wall_s'])})")


def _timing_json(r: WorkloadResult, column: str) -> dict:
    t = r.timings[column]
    q1, q3 = t.quartiles()
    gbs, gflops = r.rate(column)
    return {"median_s": t.median, "min_s": min(t.samples), "max_s": max(t.samples),
            "q1_s": q1, "q3_s": q3, "spread": t.spread, "samples_s": t.samples,
            "calls_per_sample": t.calls, "warmup_s": t.warmup_s,
            "max_abs_diff_vs_interpreted": t.max_abs_diff, "gb_per_s": gbs,
            "gflop_per_s": gflops, "vs_compiled": t.median / r.timings["compiled"].median}


def to_json(results: Sequence[WorkloadResult], compile_result: dict | None, machine: dict,
            settings: dict) -> dict:
    """Every figure of the run, with the machine's description (schema SCHEMA)."""
    return {
        "schema": SCHEMA,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "settings": settings,
        "machine": machine,
        "workloads": [{
            "name": r.workload.name, "title": r.workload.title, "limit": r.workload.limit,
            "size": r.size, "label": r.label, "bytes": r.bytes, "flops": r.flops,
            "tolerance": {"rtol": r.rtol, "atol": r.atol}, "speedup": r.speedup,
            "columns": {c: _timing_json(r, c) for c in r.timings},
            "unavailable": r.unavailable,
        } for r in results],
        "compile": compile_result,
    }


def check_plotting() -> None:
    """Raises ImportError with the remedy when matplotlib is missing (before a long run)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError("--plot needs matplotlib, an optional extra: pip install "
                          "matplotlib (or pip install -e '.[plot]')") from None


def plot(results: Sequence[WorkloadResult], path: str, title: str) -> None:
    """A grouped bar chart (log scale) of each column's speedup over interpreted."""
    check_plotting()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = ["compiled", *_peer_columns(results)]
    width = 0.8 / len(columns)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(results) + 2), 4.5))
    for i, column in enumerate(columns):
        xs, heights = [], []
        for j, r in enumerate(results):
            if column in r.timings:
                xs.append(j - 0.4 + width * (i + 0.5))
                heights.append(r.timings["interpreted"].median / r.timings[column].median)
        bars = ax.bar(xs, heights, width, label=column)
        if column == "compiled":
            ax.bar_label(bars, labels=[f"{h:.1f}x" for h in heights], fontsize=8)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_xticks(range(len(results)), [f"{r.workload.name}\n{r.label}" for r in results],
                  fontsize=8)
    ax.set_ylabel("speedup over interpreted (higher is faster)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
