"""The deep-learning tile, NVDLA nv_small style: its units and register blocks, built from the
register table in :mod:`simtlab.spec.tile_regs` (docs/tile.md).
"""
