"""Synthetic lifter renderer (see its issue)."""
