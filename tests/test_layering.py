"""Layering (STYLE.md point 9), checked by parsing imports: graphlib imports neither
compiler nor runtime; compiler imports graphlib only; the compiler's passes and its
lowering do not import each other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> list[str]:
    """Absolute module names imported by `path` (relative imports resolved)."""
    package = ["graphjit", *path.relative_to(ROOT).parent.parts]
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append(module)
            found.extend(f"{module}.{alias.name}" for alias in node.names)
    return found


def _violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for module in _imports(path):
            if module.startswith(forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
    return bad


def test_graphlib_imports_neither_compiler_nor_runtime():
    assert not _violations("graphlib", ("graphjit.compiler", "graphjit.runtime",
                                        "compiler", "runtime"))


def test_compiler_does_not_import_runtime_or_facade():
    bad = [v for v in _violations("compiler", ("graphjit.runtime", "runtime", "graphjit."))
           if not v.split(" imports ")[1].startswith(("graphjit.graphlib",
                                                      "graphjit.compiler"))]
    assert not bad


def test_passes_and_lowering_do_not_import_each_other():
    assert not _violations("compiler/passes", ("graphjit.compiler.lowering",))
    assert not _violations("compiler/lowering", ("graphjit.compiler.passes",))


def test_runtime_does_not_import_the_facade():
    bad = [v for v in _violations("runtime", ("graphjit.",))
           if not v.split(" imports ")[1].startswith(("graphjit.graphlib", "graphjit.compiler",
                                                      "graphjit.runtime"))]
    assert not bad


def test_the_checker_sees_relative_imports():
    imports = _imports(ROOT / "runtime" / "session.py")
    assert "graphjit.graphlib" in imports or any(i.startswith("graphjit.graphlib.")
                                                 for i in imports)
