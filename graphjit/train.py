"""`gj.train` (being written)."""
