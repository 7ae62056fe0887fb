"""Device-resident variables: the GPU copies of one session's variable values.

The session's variable store (runtime/context.py: `store.values`, name -> NumPy array)
stays the committed truth that a run reads through its `RunContext` (`ctx.current`,
`ctx.stage`, `ctx.read_variable`; duck-typed here, since the compiler does not import
the runtime). This module keeps, per store, a device mirror of each variable:

- a read finds the mirror entry whose host array IS the store's current array (identity:
  any other writer, such as `Session.load_variable` or a restore run, puts a new array
  there) and uses its device array; otherwise it uploads the store's value once;
- a run's writes stay on the device: at the end of a SUCCESSFUL run, each written
  variable gets a fresh host placeholder array staged in `ctx` (committed by the
  session as usual) and a mirror entry pairing that placeholder with the device value.
  The placeholder's contents are stale until `sync_to_host` copies the device values
  into it; the CUDA executable calls it before it raises (so a failure report that
  re-runs ops on the host sees true values). A failed run installs nothing, so its
  writes are dropped exactly as on the CPU.

Device arrays are never written after the kernel that made them (assign_add makes a new
array), so a mirror entry can alias a constant or a fed value safely.

May import: numpy, numba.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np


@dataclass
class _Entry:
    host: np.ndarray     # the store's array this device value stands for
    device: object       # the device array
    stale: bool          # the host array's contents are not yet the device value


class DeviceVariables:
    """The device mirror of one variable store."""

    def __init__(self):
        self.entries: dict[str, _Entry] = {}
        self.lock = threading.Lock()

    def read(self, ctx, name: str, upload) -> object:
        """The device array of variable `name` as the run context sees it; `upload`
        copies a host array to the device (and counts the bytes)."""
        host = ctx.current(name)
        if host is None:
            ctx.read_variable(name)  # raises FailedPreconditionError naming the variable
        with self.lock:
            entry = self.entries.get(name)
            if entry is not None and entry.host is host:
                return entry.device
        device = upload(host)
        with self.lock:
            self.entries[name] = _Entry(host, device, stale=False)
        return device

    def install(self, ctx, writes: dict[str, object]) -> None:
        """Makes a successful run's device writes pending in `ctx` (see the docstring)."""
        with self.lock:
            for name, device in writes.items():
                host = np.empty(device.shape, device.dtype)
                ctx.stage(name, host)
                self.entries[name] = _Entry(host, device, stale=True)

    def sync_to_host(self) -> None:
        """Copies every device-only value into its host array (in place, so the store's
        arrays keep their identity and their mirror entries stay valid)."""
        with self.lock:
            for entry in self.entries.values():
                if entry.stale:
                    entry.device.copy_to_host(entry.host)
                    entry.stale = False


_TABLE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_TABLE_LOCK = threading.Lock()


def for_store(store) -> DeviceVariables:
    """The device mirror of `store` (made on first use, dropped with the store)."""
    with _TABLE_LOCK:
        mirror = _TABLE.get(store)
        if mirror is None:
            mirror = _TABLE[store] = DeviceVariables()
        return mirror


def sync_to_host(store) -> None:
    """Makes `store.values` hold the true values of every device-written variable."""
    with _TABLE_LOCK:
        mirror = _TABLE.get(store)
    if mirror is not None:
        mirror.sync_to_host()


__all__ = ["DeviceVariables", "for_store", "sync_to_host"]
