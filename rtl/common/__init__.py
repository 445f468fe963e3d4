"""Blocks shared by the core, the memory system and the tile."""
