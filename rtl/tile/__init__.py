"""The deep-learning tile, NVDLA nv_small style: the register table (regmap.py) and the units.

See docs/tile.md for the planned architecture and what exists so far.
"""
