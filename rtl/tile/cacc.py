"""The tile's convolution accumulator (NVDLA's CACC): sums partial sums, truncates to int32.

Place in the pipeline: CMAC -> **CACC** -> SDP. CSC tags each atomic op's partial sums with the
stripe slot (output pixel) they belong to and whether they are the first or the last contribution
to it; CACC keeps one wide accumulator vector per slot and releases the truncated result.
"""

from amaranth import *
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from .layouts import unit_config

__all__ = [
    "CACC",
]


class CACC(wiring.Component):
    """Accumulator array: ``depth`` slots of AtomK accumulators, ``acc_width`` bits each.

    For every input ``i`` (one atomic op's AtomK partial sums for slot ``i.p.slot``) the slot's
    accumulators become ``psum`` if ``i.p.first`` else ``acc + psum``. If ``i.p.last``, the new sums
    are also truncated and sent on ``o``: ``int32_sat(round_shift(sum, cfg.clip_truncate))`` with
    rounding half away from zero (``simtlab.sim.tile_ref.cacc_truncate``); each saturated lane
    adds one to ``sat_count`` (NVDLA's ``D_OUT_SATURATION``), which ``sat_clear`` zeroes (at layer
    start).

    Sums are exact while they fit ``acc_width`` bits: with the default 34 (NVDLA's int34) for every
    layer with C x R x S <= 2**19 (sums of at most 2**19 products of magnitude <= 2**14); the driver
    rejects larger layers. Larger sums wrap.

    Parameters
    ----------
    atom_c, atom_k : int
        The MAC array shape (powers of two, 2-64); ``atom_c`` sets the partial-sum width.
    depth : int
        Stripe slots (NVDLA streams 16-32 output pixels per stripe), 1-256.
    acc_width : int
        Accumulator bits, 33-64.

    Members
    -------
    i : In(stream.Signature(StructLayout(slot, first, last, psum), always_ready=True))
        Partial sums from CMAC, at most one vector per cycle; no backpressure.
    cfg : In(CONFIG)
        The CACC ``D_`` register field this block reads (:attr:`CONFIG`): ``clip_truncate``
        (``D_CLIP_CFG``; hold it steady during a layer).
    o : Out(stream.Signature(StructLayout(slot, data), always_ready=True))
        Final int32 vectors, ``latency`` cycles after the ``last`` input; the consumer takes all.
    sat_count : Out(32)
        Saturated output lanes since the last ``sat_clear``.
    sat_clear : In(1)

    Latency: 2 cycles from a ``last`` input to ``o.valid`` (accumulate, then truncate). Throughput:
    one vector per cycle, back-to-back inputs to the same slot included (accumulators are flops read
    combinationally). Resources: ``depth x atom_k x acc_width`` flip-flops, AtomK adders, AtomK
    barrel shifters; a later version may move the slots into block RAM with a forwarding path.
    """

    #: ``cfg``'s layout: the CACC register fields this block reads, named and sized by the
    #: register table (``layouts.unit_config``).
    CONFIG = unit_config("CACC", reads=("clip_truncate",))

    latency = 2

    def __init__(self, *, atom_c=8, atom_k=8, depth=32, acc_width=34):
        for name, value, lo, hi, pow2 in (("atom_c", atom_c, 2, 64, True),
                                          ("atom_k", atom_k, 2, 64, True),
                                          ("depth", depth, 1, 256, False),
                                          ("acc_width", acc_width, 33, 64, False)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
            if not lo <= value <= hi or (pow2 and value & (value - 1)):
                kind = "a power of two" if pow2 else "an integer"
                raise ValueError(f"{name} must be {kind} from {lo} to {hi}, not {value!r}")
        self._atom_c, self._atom_k = atom_c, atom_k
        self._depth, self._acc_width = depth, acc_width
        self._psum_width = 16 + (atom_c - 1).bit_length()
        super().__init__({
            "i": In(stream.Signature(data.StructLayout({
                "slot": range(depth),
                "first": 1,
                "last": 1,
                "psum": data.ArrayLayout(signed(self._psum_width), atom_k),
            }), always_ready=True)),
            "cfg": In(self.CONFIG),
            "o": Out(stream.Signature(data.StructLayout({
                "slot": range(depth),
                "data": data.ArrayLayout(signed(32), atom_k),
            }), always_ready=True)),
            "sat_count": Out(32),
            "sat_clear": In(1),
        })

    @property
    def atom_k(self):
        return self._atom_k

    @property
    def depth(self):
        return self._depth

    @property
    def acc_width(self):
        return self._acc_width

    @property
    def psum_width(self):
        return self._psum_width

    def elaborate(self, platform):
        m = Module()
        atom_k, width = self._atom_k, self._acc_width
        accs = Signal(data.ArrayLayout(data.ArrayLayout(signed(width), atom_k), self._depth))
        current = accs[self.i.p.slot]

        # Stage 1: accumulate into the slot; a last contribution also goes to the truncation stage.
        sums = [Signal(signed(width), name=f"sum_{k}") for k in range(atom_k)]
        for k in range(atom_k):
            m.d.comb += sums[k].eq(Mux(self.i.p.first, 0, current[k]) + self.i.p.psum[k])
        final_valid = Signal()
        final_slot = Signal(range(self._depth))
        finals = [Signal(signed(width), name=f"final_{k}") for k in range(atom_k)]
        m.d.sync += final_valid.eq(self.i.valid & self.i.p.last)
        with m.If(self.i.valid):
            for k in range(atom_k):
                m.d.sync += current[k].eq(sums[k])
            with m.If(self.i.p.last):
                m.d.sync += final_slot.eq(self.i.p.slot)
                m.d.sync += [final.eq(s) for final, s in zip(finals, sums)]

        # Stage 2: round half away from zero on the magnitude, restore the sign, saturate, count.
        half = Signal(width)
        m.d.comb += half.eq((Const(1, width + 1) << self.cfg.clip_truncate) >> 1)
        saturated = []
        for k, final in enumerate(finals):
            negative = final < 0
            magnitude = Signal(width + 1, name=f"magnitude_{k}")
            rounded = Signal(signed(width + 2), name=f"rounded_{k}")
            m.d.comb += [
                magnitude.eq(Mux(negative, -final, final)),
                rounded.eq(Mux(negative, -((magnitude + half) >> self.cfg.clip_truncate),
                               (magnitude + half) >> self.cfg.clip_truncate)),
            ]
            high, low = rounded > (1 << 31) - 1, rounded < -(1 << 31)
            saturated.append(high | low)
            m.d.sync += self.o.p.data[k].eq(Mux(high, (1 << 31) - 1, Mux(low, -(1 << 31), rounded)))
        m.d.sync += [self.o.valid.eq(final_valid), self.o.p.slot.eq(final_slot)]
        count = Signal(range(atom_k + 1))
        m.d.comb += count.eq(sum(saturated))
        with m.If(self.sat_clear):
            m.d.sync += self.sat_count.eq(0)
        with m.Elif(final_valid):
            m.d.sync += self.sat_count.eq(self.sat_count + count)
        return m
