"""Tests of the deep-learning tile units (rtl/tile/)."""
