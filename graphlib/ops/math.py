"""Op family 'math' (being written)."""

__all__: list[str] = []
