"""The layout of SPEC section 1 works from every starting point and never shadows the
standard library's `graphlib` (see docs/architecture.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECK = ("import graphjit, graphjit.graphlib.graph, graphjit.compiler, graphjit.runtime; "
         "import graphlib; assert hasattr(graphlib, 'TopologicalSorter'), graphlib; "
         "print(graphjit.__file__)")


def _python(code: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, *args, "-c", code], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_import_from_repo_root_keeps_stdlib_graphlib():
    result = _python(CHECK, ROOT)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).resolve().parent == ROOT / "graphjit"


def test_import_from_another_directory(tmp_path):
    result = _python(CHECK, tmp_path)
    assert result.returncode == 0, result.stderr


def test_stdlib_graphlib_from_repo_root():
    result = _python("import graphlib, sysconfig; print(graphlib.__file__)", ROOT)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).parent == Path(
        __import__("sysconfig").get_paths()["stdlib"])


def test_python_m_pytest_from_repo_root(tmp_path):
    probe = tmp_path / "test_probe.py"
    probe.write_text("import graphlib, graphjit\n"
                     "def test_probe():\n"
                     "    assert hasattr(graphlib, 'TopologicalSorter')\n"
                     "    assert graphjit.Session\n")
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             str(probe)], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_subpackages_are_the_top_level_folders():
    import graphjit.compiler
    import graphjit.graphlib
    import graphjit.runtime

    for name, package in (("graphlib", graphjit.graphlib), ("compiler", graphjit.compiler),
                          ("runtime", graphjit.runtime)):
        paths = [Path(p).resolve() for p in package.__path__]
        assert ROOT / name in paths


def test_wheel_and_non_editable_install_hold_real_files(tmp_path):
    """`pip install .` (a wheel built in an isolated build environment) ships the real
    files of the three folders under graphjit/ and nothing named graphlib at the top."""
    target = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(ROOT)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    for path in ("graphjit/__init__.py", "graphjit/graphlib/registry.py",
                 "graphjit/compiler/__init__.py", "graphjit/runtime/session.py"):
        installed = target / path
        assert installed.is_file() and not installed.is_symlink(), path
    assert not (target / "graphlib").exists(), "stdlib graphlib shadowed"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    check = subprocess.run([sys.executable, "-c", CHECK], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip().startswith(str(target))
