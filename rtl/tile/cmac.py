"""The tile's MAC array (NVDLA's CMAC): AtomC x AtomK int8 multiply-accumulate cells.

Place in the pipeline: CSC -> **CMAC** -> CACC. CSC loads one weight atom into each cell and then
streams feature atoms; CMAC answers each feature atom with AtomK partial sums.
"""

from amaranth import *
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

__all__ = [
    "CMAC",
]


class CMAC(wiring.Component):
    """AtomC x AtomK int8 MAC array: one atomic op per cycle.

    Each of the AtomK cells holds a 1x1xAtomC weight atom (one kernel's slice). A 1x1xAtomC feature
    atom arriving on ``i`` is broadcast to every cell; cell k answers
    ``psum[k] = sum_c weight[k][c] * feature[c]`` (exact, no rounding) on ``o``. This is NVDLA's
    atomic operation; CACC adds the partial sums over kernel positions and channel blocks.

    Parameters
    ----------
    atom_c : int
        Feature atom size in int8 channels (8 in nv_small); a power of two, 2-64.
    atom_k : int
        MAC cells (kernels per atomic op) (8 in nv_small); a power of two, 2-64.

    Members
    -------
    wt : In(stream.Signature(StructLayout(cell, shadow, data), always_ready=True))
        Weight load: while ``wt.valid``, cell ``wt.p.cell`` takes the atom ``wt.p.data``: into its
        active weights if ``wt.p.shadow`` is 0 (they apply to feature atoms accepted from the next
        cycle on), into its shadow copy if 1 (no effect until ``swap``).
    swap : In(1)
        Every cell's shadow atom becomes its active atom; applies to feature atoms accepted from
        the next cycle on. A shadow load in the same cycle writes the shadow after the copy, so CSC
        can load the next weight set while the current one is in use (NVDLA's weight pre-load).
    i : In(stream.Signature(ArrayLayout(signed(8), atom_c), always_ready=True))
        Feature atoms, one per cycle at most; no backpressure (as in NVDLA).
    o : Out(stream.Signature(ArrayLayout(signed(psum_width), atom_k), always_ready=True))
        Partial sums, ``o.valid`` for one cycle ``latency`` cycles after the matching ``i.valid``
        (the consumer, CACC, must take every one);
        ``psum_width = 16 + log2(atom_c)`` bits hold any sum of AtomC int8 products.

    Latency: 2 cycles (products registered, then the adder tree registered). Throughput: one atomic
    op per cycle, i.e. AtomC x AtomK MACs per cycle. Resources: AtomC x AtomK 8x8 signed multipliers
    and AtomK adder trees of AtomC inputs; 2 x AtomK x AtomC bytes of weight registers (active and
    shadow), so a weight reload costs no MAC cycle when it overlaps the previous stripe.

    Raises
    ------
    TypeError, ValueError
        On an atom size that is not an integer power of two in 2..64.
    """

    latency = 2

    def __init__(self, *, atom_c=8, atom_k=8):
        for name, value in (("atom_c", atom_c), ("atom_k", atom_k)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
            if not 2 <= value <= 64 or value & (value - 1):
                raise ValueError(f"{name} must be a power of two from 2 to 64, not {value!r}")
        self._atom_c = atom_c
        self._atom_k = atom_k
        atom = data.ArrayLayout(signed(8), atom_c)
        super().__init__({
            "wt": In(stream.Signature(data.StructLayout({"cell": range(atom_k), "shadow": 1,
                                                         "data": atom}),
                                      always_ready=True)),
            "swap": In(1),
            "i": In(stream.Signature(atom, always_ready=True)),
            "o": Out(stream.Signature(data.ArrayLayout(signed(self.psum_width), atom_k),
                                      always_ready=True)),
        })

    @property
    def atom_c(self):
        return self._atom_c

    @property
    def atom_k(self):
        return self._atom_k

    @property
    def psum_width(self):
        """Bits of a partial sum: 16 for one product (-128 * -128 = 2**14) plus log2(AtomC)."""
        return 16 + (self._atom_c - 1).bit_length()

    def elaborate(self, platform):
        m = Module()
        # Weights sit in flops (not a memory): every cell reads its whole atom every cycle.
        weights = [Signal(data.ArrayLayout(signed(8), self._atom_c), name=f"weight_{k}")
                   for k in range(self._atom_k)]
        shadows = [Signal.like(weight, name=f"shadow_{k}") for k, weight in enumerate(weights)]
        with m.If(self.swap):
            m.d.sync += [weight.eq(shadow) for weight, shadow in zip(weights, shadows)]
        with m.If(self.wt.valid):
            for k, (weight, shadow) in enumerate(zip(weights, shadows)):
                with m.If(self.wt.p.cell == k):
                    with m.If(self.wt.p.shadow):
                        m.d.sync += shadow.eq(self.wt.p.data)
                    with m.Else():
                        m.d.sync += weight.eq(self.wt.p.data)

        # Stage 1: every product, registered.
        products = [[Signal(signed(16), name=f"product_{k}_{c}") for c in range(self._atom_c)]
                    for k in range(self._atom_k)]
        stage1_valid = Signal()
        m.d.sync += stage1_valid.eq(self.i.valid)
        for k in range(self._atom_k):
            for c in range(self._atom_c):
                m.d.sync += products[k][c].eq(weights[k][c] * self.i.p[c])

        # Stage 2: one balanced adder tree per cell, registered into the output.
        def tree(terms):
            while len(terms) > 1:
                terms = [terms[n] + terms[n + 1] for n in range(0, len(terms), 2)]
            return terms[0]

        m.d.sync += self.o.valid.eq(stage1_valid)
        for k in range(self._atom_k):
            m.d.sync += self.o.p[k].eq(tree(products[k]))
        return m
