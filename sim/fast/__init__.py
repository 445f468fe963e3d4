"""The fast functional backend (``backend="fast"``): the golden model compiled (docs/fast.md)."""

from .model import FastEmulator, fp_batch

__all__ = ["FastEmulator", "fp_batch"]
