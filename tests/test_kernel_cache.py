"""The on-disk kernel cache: a second process compiles nothing; corrupt entries recompile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graphjit.compiler import kernel_cache

_SOURCE = textwrap.dedent('''
    import numba
    import numpy as np
    from graphjit.compiler.lowering import fastmath as fm

    @numba.njit(cache=True, error_model="numpy")
    def kernel(x, out):
        for i in range(x.shape[0]):
            out[i] = fm.exp_f32(x[i]) + np.float32({k})
''')

_CHILD = textwrap.dedent('''
    import json, sys
    import numpy as np
    from graphjit.compiler import kernel_cache
    module = kernel_cache.load("probe", sys.argv[1])
    x = np.arange(4, dtype=np.float32)
    out = np.empty_like(x)
    module.kernel(x, out)
    stats = module.kernel.stats
    print(json.dumps({"hits": sum(stats.cache_hits.values()),
                      "misses": sum(stats.cache_misses.values()),
                      "out": out.tolist()}))
''')


def _run_child(cache: Path, source: str) -> dict:
    env = dict(os.environ, GRAPHJIT_CACHE_DIR=str(cache))
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", _CHILD, source], env=env, cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_second_process_compiles_nothing(tmp_path):
    source = _SOURCE.format(k=1)
    first = _run_child(tmp_path, source)
    assert first["misses"] == 1 and first["hits"] == 0
    second = _run_child(tmp_path, source)
    assert second == {**first, "hits": 1, "misses": 0}
    digest = kernel_cache.source_digest(source)
    assert (tmp_path / f"probe_{digest}.py").read_text() == source
    assert not list(tmp_path.glob("*.tmp")), "a temporary file was left behind"


@pytest.mark.parametrize("victim", ["source", "index", "data"])
def test_corrupt_entries_recompile(tmp_path, victim):
    source = _SOURCE.format(k=2)
    expected = _run_child(tmp_path, source)["out"]
    if victim == "source":
        targets = list(tmp_path.glob("probe_*.py"))
    else:
        targets = list((tmp_path / "__pycache__").glob("probe_*.nbi" if victim == "index"
                                                        else "probe_*.nbc"))
    assert targets
    for t in targets:
        t.write_bytes(b"\x80garbage" * 3)
    again = _run_child(tmp_path, source)
    assert again["out"] == expected
    # A rewritten source has the old contents, so Numba's entry for it is valid again.
    assert again["misses"] == (0 if victim == "source" else 1)
    assert again["hits"] == (1 if victim == "source" else 0)
    # ...and the entry is healthy again afterwards.
    assert _run_child(tmp_path, source)["hits"] == 1


def test_same_source_loads_once_and_env_var_picks_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("GRAPHJIT_CACHE_DIR", str(tmp_path / "sub"))
    assert kernel_cache.cache_dir() == tmp_path / "sub"
    source = "VALUE = 42\n"
    a = kernel_cache.load("plain", source)
    b = kernel_cache.load("plain", source)
    assert a is b and a.VALUE == 42
    assert a.__name__ in sys.modules
    assert (tmp_path / "sub" / f"plain_{kernel_cache.source_digest(source)}.py").exists()
    monkeypatch.delenv("GRAPHJIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert kernel_cache.cache_dir() == tmp_path / "xdg" / "graphjit"


def test_unwritable_directory_falls_back(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("GRAPHJIT_CACHE_DIR", str(blocker / "cache"))
    module = kernel_cache.load("fallback", "VALUE = 7\n")
    assert module.VALUE == 7
