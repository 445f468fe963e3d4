"""NVDLA feature and weight layouts (sim/tile_layout.py): round trips and the address formulas."""

import numpy as np
import pytest

from simtlab.sim import tile_layout as lay


def _int8(rng, shape):
    return rng.integers(-128, 128, size=shape, dtype=np.int64).astype(np.int8)


@pytest.mark.parametrize("atom_c", [8, 16, 32])
@pytest.mark.parametrize("chw, padding", [
    # padding: (extra atoms per line, extra lines per surface); (0, 0) = packed (default strides)
    ((8, 1, 1), (0, 0)), ((55, 33, 24), (0, 0)), ((19, 9, 12), (3, 2)), ((3, 4, 5), (0, 1)),
    ((33, 3, 3), (1, 0)),
])
def test_feature_roundtrip_and_formula(rng, atom_c, chw, padding):
    c, h, w = chw
    line_stride = (w + padding[0]) * atom_c if padding[0] else None
    surf_stride = (h + padding[1]) * (w + padding[0]) * atom_c if padding[1] else None
    x = _int8(rng, chw)
    buf = lay.pack_feature(x, atom_c=atom_c, line_stride=line_stride, surf_stride=surf_stride)
    line, surf = lay.feature_strides(c, h, w, atom_c=atom_c, line_stride=line_stride,
                                     surf_stride=surf_stride)
    assert buf.dtype == np.uint8
    assert buf.size == lay.feature_bytes(c, h, w, atom_c=atom_c, line_stride=line_stride,
                                         surf_stride=surf_stride) == -(-c // atom_c) * surf
    # Every element sits where NVDLA's formula says; every other byte is 0.
    expected = np.zeros_like(buf)
    for (ci, hi, wi), v in np.ndenumerate(x):
        expected[lay.feature_offset(ci, hi, wi, atom_c=atom_c, line_stride=line,
                                    surf_stride=surf)] = int(v) & 0xFF
    np.testing.assert_array_equal(buf, expected)
    back = lay.unpack_feature(buf, c, h, w, atom_c=atom_c, line_stride=line_stride,
                              surf_stride=surf_stride)
    np.testing.assert_array_equal(back, x)
    np.testing.assert_array_equal(
        lay.unpack_feature(bytes(buf), c, h, w, atom_c=atom_c, line_stride=line_stride,
                           surf_stride=surf_stride), x)


def test_feature_packed_order():
    """A tiny cube byte by byte: C-in-atom -> W -> H -> C/atom."""
    x = np.arange(2 * 2 * 3, dtype=np.int8).reshape(2, 2, 3)      # C=2, H=2, W=3
    buf = lay.pack_feature(x, atom_c=4)
    assert buf.tolist() == [0, 6, 0, 0, 1, 7, 0, 0, 2, 8, 0, 0,       # h=0: w=0,1,2
                            3, 9, 0, 0, 4, 10, 0, 0, 5, 11, 0, 0]     # h=1


@pytest.mark.parametrize("kwargs, message", [
    (dict(line_stride=12), r"line_stride 12 must be a multiple of 8 and >= 24"),
    (dict(line_stride=36), r"line_stride 36 must be a multiple of 8"),
    (dict(surf_stride=40), r"surf_stride 40 must be a multiple of 8 and >= 48"),
    (dict(atom_c=6), r"atom_c must be a power of two, not 6"),
])
def test_feature_stride_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lay.feature_strides(3, 2, 3, **kwargs)


def test_feature_value_errors():
    with pytest.raises(ValueError, match="must hold int8 values"):
        lay.pack_feature(np.full((1, 1, 1), 300))
    with pytest.raises(ValueError, match="must have 3 dimensions"):
        lay.pack_feature(np.zeros((1, 1), np.int8))
    with pytest.raises(ValueError, match=r"needs 16 bytes, got 8"):
        lay.unpack_feature(np.zeros(8, np.uint8), 8, 1, 2)


@pytest.mark.parametrize("atoms", [(8, 8), (16, 16), (8, 16), (32, 8)])
@pytest.mark.parametrize("kcrs", [(1, 8, 1, 1), (32, 32, 1, 1), (25, 55, 5, 5), (16, 64, 3, 5),
                                  (41, 1, 3, 2), (3, 5, 2, 2)])
def test_weight_roundtrip_and_formula(rng, atoms, kcrs):
    atom_c, atom_k = atoms
    k, c, r, s = kcrs
    wt = _int8(rng, kcrs)
    buf = lay.pack_weights(wt, atom_c=atom_c, atom_k=atom_k)
    assert buf.size == lay.weight_bytes(k, c, r, s, atom_c=atom_c)
    assert buf.size % lay.WEIGHT_PAD == 0 and 0 <= buf.size - k * r * s * c < lay.WEIGHT_PAD
    expected = np.zeros_like(buf)
    for (ki, ci, ri, si), v in np.ndenumerate(wt):
        expected[lay.weight_offset(ki, ci, ri, si, shape=kcrs, atom_c=atom_c,
                                   atom_k=atom_k)] = int(v) & 0xFF
    np.testing.assert_array_equal(buf, expected)
    np.testing.assert_array_equal(lay.unpack_weights(buf, k, c, r, s, atom_c=atom_c,
                                                     atom_k=atom_k), wt)


def test_weight_order_small():
    """K=2, C=2, R=1, S=2 with AtomC=2, AtomK=2: C-in-atom -> K-in-group -> S -> R -> C/atom."""
    wt = np.array([[[[1, 2]], [[3, 4]]], [[[5, 6]], [[7, 8]]]], dtype=np.int8)   # (k, c, r, s)
    buf = lay.pack_weights(wt, atom_c=2, atom_k=2)
    # s=0: k0 (c0, c1) = 1, 3; k1 = 5, 7; s=1: k0 = 2, 4; k1 = 6, 8.
    assert buf[:8].tolist() == [1, 3, 5, 7, 2, 4, 6, 8]
    assert buf.size == 128 and not buf[8:].any()


def test_weight_last_block_unpadded():
    """K=2, C=3, R=1, S=2 with AtomC=2, AtomK=2: the last channel block (c2) holds 1-byte pieces,
    as in NVDLA (BYTE_PER_KERNEL = R*S*C)."""
    wt = np.arange(1, 13, dtype=np.int8).reshape(2, 3, 1, 2)            # (k, c, r, s)
    buf = lay.pack_weights(wt, atom_c=2, atom_k=2)
    # block c0-c1: s=0: k0 (1, 3), k1 (7, 9); s=1: k0 (2, 4), k1 (8, 10); block c2: s=0: k0 5,
    # k1 11; s=1: k0 6, k1 12.
    assert buf[:12].tolist() == [1, 3, 7, 9, 2, 4, 8, 10, 5, 11, 6, 12]
    assert buf.size == 128 and not buf[12:].any()
    assert lay.weight_entries(2, 3, 1, 2, atom_c=2) == 8


def test_weight_errors():
    with pytest.raises(ValueError, match="atom_k must be a power of two, not 3"):
        lay.pack_weights(np.zeros((1, 1, 1, 1), np.int8), atom_k=3)
    with pytest.raises(ValueError, match=r"2x8x1x1 weights need 16 bytes, got 8"):
        lay.unpack_weights(np.zeros(8, np.uint8), 2, 8, 1, 1)
