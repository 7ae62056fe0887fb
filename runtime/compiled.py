"""The compiled executor (placeholder until the compiler lands): runs the interpreter."""

from __future__ import annotations

from .interpreter import InterpretedExecutor


class CompiledExecutor(InterpretedExecutor):
    name = "compiled"

    def __init__(self, device: str = "cpu"):
        self.device = device
