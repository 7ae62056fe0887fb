"""The on-disk kernel cache: generated source becomes an importable, Numba-cacheable module.

Numba's `cache=True` only works for functions defined in a real `.py` file whose module is
in `sys.modules` while it executes (NOTES.md: an `exec()`-made function cannot be cached,
and an unregistered module makes every later process fail). So each generated kernel
module is written to `<cache>/<name>_<sha256 of source>.py` (atomically: a temporary file
then `os.replace`), imported under a module name derived from that file name, and
registered in `sys.modules` before it executes. Numba keeps its compiled code next to it
(`<cache>/__pycache__`), keyed by the file's contents, so a second process that generates
the same source compiles nothing. Sources are deduplicated by hash within a process too.

Failure policy: the cache is an optimization. A cache file whose contents do not match
its hash is rewritten; Numba index files that cannot be read are deleted so Numba
recompiles; an unwritable cache directory falls back to a private temporary directory.

The directory is `$GRAPHJIT_CACHE_DIR`, else `$XDG_CACHE_HOME/graphjit`, else
`~/.cache/graphjit`.

May import: the standard library only.
"""

from __future__ import annotations

import glob
import hashlib
import importlib.util
import os
import pickle
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType

_LOCK = threading.RLock()
_LOADED: dict[str, ModuleType] = {}
_FALLBACK_DIR: Path | None = None


def cache_dir() -> Path:
    """The directory holding kernel sources and Numba's compiled code (created on use)."""
    configured = os.environ.get("GRAPHJIT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "graphjit"


def _writable_dir() -> Path:
    global _FALLBACK_DIR
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if os.access(directory, os.W_OK):
            return directory
    except OSError:
        pass
    if _FALLBACK_DIR is None:
        _FALLBACK_DIR = Path(tempfile.mkdtemp(prefix="graphjit-kernels-"))
    return _FALLBACK_DIR


def source_digest(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _ensure_file(path: Path, source: str, digest: str) -> None:
    try:
        if source_digest(path.read_text(encoding="utf-8")) == digest:
            return
    except (OSError, UnicodeDecodeError):
        pass
    _write_atomically(path, source)


def _drop_unreadable_numba_indexes(path: Path) -> None:
    """Numba raises (instead of recompiling) on an index file it cannot unpickle: delete
    such files, and the data files they name, so that Numba recompiles them."""
    pattern = str(path.parent / "__pycache__" / (glob.escape(path.stem) + ".*.nbi"))
    for index in glob.glob(pattern):
        try:
            with open(index, "rb") as f:
                pickle.load(f)  # Numba's version string
                pickle.loads(f.read())  # (source stamp, {key: data file name})
        except Exception:  # noqa: BLE001 - any unreadable index is recompiled
            stem = os.path.basename(index)[:-len(".nbi")]
            for stale in glob.glob(os.path.join(os.path.dirname(index),
                                                glob.escape(stem) + "*.nb[ic]")):
                try:
                    os.unlink(stale)
                except OSError:
                    pass


def _tolerate_unreadable_data(module: ModuleType) -> None:
    """A Numba data file that cannot be loaded (truncated, corrupt, from another build)
    makes `load_overload` raise: treat it as a miss, so the kernel is recompiled and the
    file rewritten."""
    for value in vars(module).values():
        cache = getattr(value, "_cache", None)
        original = getattr(cache, "load_overload", None)
        if original is None or getattr(original, "_graphjit_tolerant", False):
            continue

        def load_overload(sig, target_context, _original=original):
            try:
                return _original(sig, target_context)
            except Exception:  # noqa: BLE001 - an unreadable entry is a cache miss
                return None

        load_overload._graphjit_tolerant = True
        cache.load_overload = load_overload


def load(name: str, source: str) -> ModuleType:
    """The module made from `source` (written to the cache if new); `name` is a readable
    prefix for the file. The same source gives the same module object in one process."""
    digest = source_digest(source)
    with _LOCK:
        module = _LOADED.get(digest)
        if module is not None:
            return module
        directory = _writable_dir()
        path = directory / f"{name}_{digest}.py"
        try:
            _ensure_file(path, source, digest)
        except OSError:
            path = Path(tempfile.mkdtemp(prefix="graphjit-kernels-")) / path.name
            _write_atomically(path, source)
        _drop_unreadable_numba_indexes(path)
        module_name = f"graphjit_kernel_{name}_{digest}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        # Registered before it runs: Numba's cache records the module by this name.
        sys.modules[module_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[module_name]
            raise
        _tolerate_unreadable_data(module)
        _LOADED[digest] = module
        return module


def loaded_count() -> int:
    """How many distinct kernel modules this process has loaded."""
    return len(_LOADED)
