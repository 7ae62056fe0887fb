"""`gj.losses` (being written)."""
