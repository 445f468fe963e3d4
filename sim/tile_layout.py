"""NVDLA in-memory data layouts: numpy int8 cubes <-> the tile's feature and weight byte formats.

Feature format (NVDLA's "feature data", what CDMA reads and SDP/PDP write)
    The C channels are padded to a multiple of the atom A (= AtomC, 8 in nv_small) and split into
    C/A surfaces; a surface stores its H lines, a line its W atoms of A channel bytes. Byte address
    of element (c, h, w)::

        base + (c // A) * surf_stride + h * line_stride + w * A + (c % A)

    ``line_stride`` >= W*A and ``surf_stride`` >= H*line_stride may carry padding and must be
    multiples of A. Padding channels (C..C_padded-1) are written as 0; padding bytes between lines
    and surfaces are left as 0 by :func:`pack_feature` and ignored by :func:`unpack_feature`.

Weight format (NVDLA's direct-convolution weights, uncompressed)
    Kernels are grouped by AtomK (the last group holds K mod AtomK kernels if K is not a multiple);
    each kernel is split into channel blocks of AtomC channels (the last block holds C mod AtomC
    if C is not a multiple) and each block into 1 x 1 x block pieces; a group is stored by
    scanning, innermost first, C-in-block -> K-in-group -> S (kernel x) -> R (kernel y) -> channel
    block; groups follow one another; the end is padded with zeros to a multiple of 128 bytes.
    As in NVDLA, nothing else is padded: the last block's pieces are ``C mod AtomC`` bytes, so
    ``bytes per kernel = R * S * C`` (the value of ``CDMA.D_WEIGHT_SIZE_0`` + 1). Byte offset of
    (k, c, r, s), with g = k // AtomK, kg = kernels in group g, b = c // AtomC, cb = channels in
    block b::

        g * AtomK * R * S * C + b * R * S * kg * AtomC + r * S * kg * cb + s * kg * cb
          + (k % AtomK) * cb + (c % AtomC)

    The weight base must be 256 B aligned (checked by the driver). CDMA expands the last block's
    pieces to whole atoms (zero channels) as it writes CBUF (:func:`weight_entries` atoms).

Both formats are parameterized by AtomC/AtomK (defaults 8/8, nv_small); the feature atom in memory
equals AtomC.
"""

import numpy as np

__all__ = [
    "WEIGHT_PAD",
    "feature_strides",
    "feature_bytes",
    "feature_offset",
    "pack_feature",
    "unpack_feature",
    "weight_bytes",
    "weight_entries",
    "weight_offset",
    "pack_weights",
    "unpack_weights",
]

#: The weight blob is padded to a multiple of this many bytes.
WEIGHT_PAD = 128


def _ceil_to(n, m):
    return -(-n // m) * m


def _check_atom(name, atom):
    if not isinstance(atom, (int, np.integer)) or atom < 1 or atom & (atom - 1):
        raise ValueError(f"{name} must be a power of two, not {atom!r}")


def _check_cube(x, ndim, name):
    x = np.asarray(x)
    if x.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, not shape {x.shape}")
    if not np.issubdtype(x.dtype, np.integer) or x.size and (x.min() < -128 or x.max() > 127):
        raise ValueError(f"{name} must hold int8 values")
    return x.astype(np.int8)


def feature_strides(channels, height, width, *, atom_c=8, line_stride=None, surf_stride=None):
    """``(line_stride, surf_stride)``: packed defaults (W*A, H*line) or the given ones, checked."""
    _check_atom("atom_c", atom_c)
    if min(channels, height, width) < 1:
        raise ValueError(f"a cube needs C, H, W >= 1, not {(channels, height, width)}")
    line = width * atom_c if line_stride is None else int(line_stride)
    if line < width * atom_c or line % atom_c:
        raise ValueError(f"line_stride {line} must be a multiple of {atom_c} and >= "
                         f"{width * atom_c} (W * atom)")
    surf = height * line if surf_stride is None else int(surf_stride)
    if surf < height * line or surf % atom_c:
        raise ValueError(f"surf_stride {surf} must be a multiple of {atom_c} and >= "
                         f"{height * line} (H * line_stride)")
    return line, surf


def feature_bytes(channels, height, width, *, atom_c=8, line_stride=None, surf_stride=None):
    """Bytes a cube occupies: ceil(C / A) surfaces."""
    _, surf = feature_strides(channels, height, width, atom_c=atom_c, line_stride=line_stride,
                              surf_stride=surf_stride)
    return -(-channels // atom_c) * surf


def feature_offset(c, h, w, *, atom_c=8, line_stride, surf_stride):
    """Byte offset of element (c, h, w) from the cube's base."""
    return (c // atom_c) * surf_stride + h * line_stride + w * atom_c + (c % atom_c)


def pack_feature(x, *, atom_c=8, line_stride=None, surf_stride=None):
    """A (C, H, W) int8 cube -> ``np.uint8`` bytes in the feature format."""
    x = _check_cube(x, 3, "feature cube")
    c, h, w = x.shape
    line, surf = feature_strides(c, h, w, atom_c=atom_c, line_stride=line_stride,
                                 surf_stride=surf_stride)
    cp = _ceil_to(c, atom_c)
    padded = np.zeros((cp, h, w), dtype=np.int8)
    padded[:c] = x
    out = np.zeros(cp // atom_c * surf, dtype=np.uint8)
    view = out.reshape(cp // atom_c, surf)[:, :h * line].reshape(cp // atom_c, h, line)
    # (C/A, A, H, W) -> (C/A, H, W, A): atoms of A channels, W atoms per line, H lines per surface.
    atoms = padded.reshape(cp // atom_c, atom_c, h, w).transpose(0, 2, 3, 1)
    view[:, :, :w * atom_c] = atoms.reshape(cp // atom_c, h, w * atom_c).view(np.uint8)
    return out


def unpack_feature(buf, channels, height, width, *, atom_c=8, line_stride=None, surf_stride=None):
    """Feature-format bytes -> a (C, H, W) int8 cube (padding channels and bytes dropped)."""
    line, surf = feature_strides(channels, height, width, atom_c=atom_c, line_stride=line_stride,
                                 surf_stride=surf_stride)
    buf = np.frombuffer(bytes(buf), dtype=np.uint8) if not isinstance(buf, np.ndarray) else buf
    surfaces = -(-channels // atom_c)
    need = (surfaces - 1) * surf + (height - 1) * line + width * atom_c
    if buf.size < need:
        raise ValueError(f"a {channels}x{height}x{width} cube needs {need} bytes, got {buf.size}")
    full = np.zeros(surfaces * surf, dtype=np.uint8)
    full[:min(buf.size, full.size)] = buf[:full.size]
    view = full.reshape(surfaces, surf)[:, :height * line].reshape(surfaces, height, line)
    atoms = view[:, :, :width * atom_c].reshape(surfaces, height, width, atom_c).view(np.int8)
    return atoms.transpose(0, 3, 1, 2).reshape(surfaces * atom_c, height, width)[:channels].copy()


def weight_bytes(k, c, r, s, *, atom_c=8):
    """Bytes of the weight blob (``K * R * S * C``), padded to :data:`WEIGHT_PAD`."""
    _check_atom("atom_c", atom_c)
    return _ceil_to(k * r * s * c, WEIGHT_PAD)


def weight_entries(k, c, r, s, *, atom_c=8):
    """CBUF atoms the weights take once CDMA has expanded the last channel block:
    ``K * R * S * ceil(C / AtomC)``."""
    _check_atom("atom_c", atom_c)
    return k * r * s * -(-c // atom_c)


def _blocks(c, atom_c):
    """``(first channel, channels)`` of each channel block."""
    return [(c0, min(atom_c, c - c0)) for c0 in range(0, c, atom_c)]


def weight_offset(k, c, r, s, *, shape, atom_c=8, atom_k=8):
    """Byte offset of weight (k, c, r, s) for a (K, C, R, S) kernel set (the formula above)."""
    kk, cc, rr, ss = shape
    group = k // atom_k
    kg = min(atom_k, kk - group * atom_k)
    cb = min(atom_c, cc - c // atom_c * atom_c)
    return (group * atom_k * rr * ss * cc + (c // atom_c) * rr * ss * kg * atom_c
            + r * ss * kg * cb + s * kg * cb + (k % atom_k) * cb + (c % atom_c))


def pack_weights(w, *, atom_c=8, atom_k=8):
    """(K, C, R, S) int8 weights -> ``np.uint8`` bytes in the direct-convolution weight format."""
    _check_atom("atom_c", atom_c)
    _check_atom("atom_k", atom_k)
    w = _check_cube(w, 4, "weights")
    k, c, r, s = w.shape
    parts = []
    for g0 in range(0, k, atom_k):
        for c0, cb in _blocks(c, atom_c):
            blk = w[g0:g0 + atom_k, c0:c0 + cb]                          # (kg, cb, R, S)
            # -> (R, S, kg, cb): R, then S, K-in-group, C-in-block innermost.
            parts.append(blk.transpose(2, 3, 0, 1).ravel())
    out = np.zeros(weight_bytes(k, c, r, s, atom_c=atom_c), dtype=np.uint8)
    blob = np.concatenate(parts).view(np.uint8)
    out[:blob.size] = blob
    return out


def unpack_weights(buf, k, c, r, s, *, atom_c=8, atom_k=8):
    """Weight-format bytes -> (K, C, R, S) int8 weights."""
    _check_atom("atom_c", atom_c)
    _check_atom("atom_k", atom_k)
    buf = np.frombuffer(bytes(buf), dtype=np.uint8) if not isinstance(buf, np.ndarray) else buf
    if buf.size < k * r * s * c:
        raise ValueError(f"{k}x{c}x{r}x{s} weights need {k * r * s * c} bytes, got {buf.size}")
    out = np.zeros((k, c, r, s), dtype=np.int8)
    pos = 0
    for g0 in range(0, k, atom_k):
        kg = min(atom_k, k - g0)
        for c0, cb in _blocks(c, atom_c):
            n = r * s * kg * cb
            blk = buf[pos:pos + n].view(np.int8).reshape(r, s, kg, cb)
            out[g0:g0 + kg, c0:c0 + cb] = blk.transpose(2, 3, 0, 1)
            pos += n
    return out
