"""The version of evalsys, recorded in every result (foundation layer: imports nothing)."""

__version__ = "0.1.0"
