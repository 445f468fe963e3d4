"""The tile's convolution sequencer (NVDLA's CSC): walks the atomic ops of a layer over CBUF.

Place in the pipeline: CBUF -> **CSC** -> CMAC -> CACC. CSC reads feature atoms and weight atoms
from CBUF (CDMA's layout, see ``rtl/tile/cdma.py``), applies stride, padding (with the padding
value) and dilation while reading, pre-loads every weight set into CMAC's shadow registers while
the previous one is in use, and tags each atomic op with its CACC slot and first/last flags. It
runs while CDMA loads CBUF, reading only what CDMA's progress counters say is there.
"""

from amaranth import *
from amaranth.lib import data, memory, stream, wiring
from amaranth.lib.wiring import In, Out

from ...config import TileConfig
from .layouts import unit_config

__all__ = [
    "CSC",
]


class CSC(wiring.Component):
    """Convolution sequencer: one atomic op per cycle, weight reloads hidden behind stripes.

    Loop order (outermost first): kernel group ``g`` (AtomK kernels) -> stripe (up to
    ``stripe`` output pixels, row-major over the output) -> input channel group ``cg`` -> kernel
    row ``r`` -> kernel column ``s`` (one *pass*: one weight set in the MAC cells) -> the stripe's
    pixels (one feature atom each, CACC slot = pixel index in the stripe). The first pass of a
    stripe is tagged ``first``, the last ``last``, so CACC releases a stripe's results in
    output order: group -> row -> column.

    Feature atom of output pixel (oy, ox) in pass (cg, r, s): input (iy, ix) =
    ``(oy*sy - PAD_TOP + r*dy, ox*sx - PAD_LEFT + s*dx)``, CBUF entry ``(cg*H + iy)*W + ix``; outside
    the input it is AtomC copies of ``PAD_VALUE`` (low 8 bits). Weights of group g sit at
    ``(DATA_BANK + 1) * depth + base_g`` in the weight blob's order (C/AtomC -> R -> S -> kernel),
    which is exactly the pass order, so a pass reads the next ``kg`` atoms (``kg`` kernels in the
    group); cells ``kg..AtomK-1`` of a partial group are loaded with zeros (their outputs are 0).

    Weight pre-load: a loader runs one pass ahead, writing AtomK cells (one per cycle) into CMAC's
    shadow registers; the feature side swaps them in at the first atom of a pass. A pass of ``n``
    pixels therefore costs ``max(n, AtomK + 1)`` cycles: with ``stripe >= AtomK + 1`` the array
    is busy every cycle of a full stripe. Cycles from ``start`` to the last atom::

        (AtomK + 1) + G * sum over stripes of CG * R * S * max(n_stripe, AtomK + 1)

    (G = ceil(K/AtomK), CG = ceil(C/AtomC), n_stripe = min(stripe, pixels left), except that
    when a full stripe would leave 1 to AtomK pixels (passes shorter than their weight load) and
    ``stripe >= AtomK + 1``, the last two stripes share the rest: ceil(left/2), floor(left/2)),
    against
    ``G * CG * R * S * H_out * W_out`` atomic ops, provided the output buffer has room (a
    stripe's last pass waits until ``credits`` covers its ``n`` results) and the data is in CBUF:
    a feature atom of input line ``iy``, surface ``cg`` waits until ``dat_lines > iy`` or
    ``dat_lines == iy`` and ``dat_surfaces > cg`` (atoms outside the input never wait), and a
    weight read waits until its entry is below ``wt_entries``; such waits add to the cycles.
    The last result leaves about 6 cycles later (CBUF 1 + CMAC 2 + CACC 2 + output buffer).
    Measured (test_conv, nv_small, C = K = 16, 3x3, 48 output pixels): 1728 atomic ops in 1745
    cycles (99.0%) from a loaded CBUF; 1771 layer cycles while CDMA loads it (97.6%).

    Parameters
    ----------
    tile : TileConfig
        AtomC, AtomK, stripe and the CBUF geometry.
    credits : int
        Output buffer entries downstream of CACC (returned one by one on ``credit``); at least
        ``tile.stripe``.

    Members
    -------
    cfg : In(CONFIG)
        The CSC ``D_`` register fields this block reads (:attr:`CONFIG`): ``datain_width_ext``,
        ``datain_height_ext``, ``datain_channel_ext`` (``D_DATAIN_SIZE_EXT_0/1``: input width,
        height, channels, N-1); ``weight_width_ext``, ``weight_height_ext`` (kernel width S and
        height R, N-1); ``weight_kernel`` (kernels K, N-1); ``dataout_width`` (output width,
        N-1); ``atomics`` (output pixels W_out * H_out, N-1); ``conv_x_stride_ext``,
        ``conv_y_stride_ext``, ``x_dilation_ext``, ``y_dilation_ext`` (N-1); ``pad_left``,
        ``pad_top``; ``pad_value`` (int8 range); ``data_bank`` (N-1: the weights start at bank
        DATA_BANK + 1).
    start : In(1)
        Begins the layer (configuration stable; CBUF loaded or being loaded, see ``dat_lines``);
        ``done`` pulses when every result has left the output buffer (all credits back).
    dat_lines, dat_surfaces : In(14), In(13)
        CDMA's feature progress (:class:`CDMA`): every surface of lines ``< dat_lines``, and
        surfaces ``< dat_surfaces`` of line ``dat_lines``, are in CBUF. Default: all.
    wt_entries : In(addr_width + 1)
        CDMA's weight progress: the weight entries below it are in CBUF. Default: all.
    wt_need : Out(addr_width + 1)
        The weight entry the loader reads next (CDMA's fetch priority).
    dat, wt : In(memory.ReadPort.Signature(addr_width, ArrayLayout(signed(8), atom_c)))
        CBUF's feature and weight read ports (latency 1).
    feature : Out(stream.Signature(ArrayLayout(signed(8), atom_c), always_ready=True))
        To CMAC ``i``.
    tag : Out(stream.Signature(StructLayout(slot, first, last), always_ready=True))
        CACC tag of the atom on ``feature`` (same cycle; delay it by CMAC's latency).
    weight : Out(stream.Signature(StructLayout(cell, shadow, data), always_ready=True))
        To CMAC ``wt`` (always shadow loads).
    swap : Out(1)
        To CMAC ``swap``: one cycle before the first atom of a pass reaches ``feature``.
    credit : In(1)
        One output buffer entry was freed.
    busy_cycles, stall_cycles : Out(32)
        Cycles from ``start`` to ``done``, and those of them before the last atom in which no
        atom was issued (waiting for CBUF data, weights or credits); cleared by ``start``.
    """

    #: ``cfg``'s layout: the CSC register fields this block reads, named and sized by the
    #: register table (``layouts.unit_config``).
    CONFIG = unit_config("CSC",
                         reads=("datain_width_ext", "datain_height_ext", "datain_channel_ext",
                                "weight_width_ext", "weight_height_ext", "weight_kernel",
                                "dataout_width", "atomics", "conv_x_stride_ext",
                                "conv_y_stride_ext", "x_dilation_ext", "y_dilation_ext",
                                "pad_left", "pad_top", "pad_value", "data_bank"))

    def __init__(self, *, tile=TileConfig(), credits=None):
        if not isinstance(tile, TileConfig):
            raise TypeError(f"tile must be a TileConfig, not {tile!r}")
        credits = 2 * tile.stripe if credits is None else credits
        if not isinstance(credits, int) or not tile.stripe <= credits <= 4096:
            raise ValueError(f"credits must be an integer from the stripe ({tile.stripe}) to "
                             f"4096, not {credits!r}")
        self._tile, self._credits = tile, credits
        self._depth = tile.cbuf_bank_bytes // tile.atom_c
        addr_width = (tile.cbuf_banks * self._depth - 1).bit_length()
        atom = data.ArrayLayout(signed(8), tile.atom_c)
        super().__init__({
            "cfg": In(self.CONFIG),
            "start": In(1),
            "done": Out(1),
            "dat": In(memory.ReadPort.Signature(addr_width=addr_width, shape=atom)),
            "wt": In(memory.ReadPort.Signature(addr_width=addr_width, shape=atom)),
            "feature": Out(stream.Signature(atom, always_ready=True)),
            "tag": Out(stream.Signature(self.tag_layout(tile), always_ready=True)),
            "weight": Out(stream.Signature(data.StructLayout({
                "cell": range(tile.atom_k), "shadow": 1, "data": atom}), always_ready=True)),
            "swap": Out(1),
            "credit": In(1),
            "dat_lines": In(14, init=(1 << 14) - 1),
            "dat_surfaces": In(13),
            "wt_entries": In(addr_width + 1, init=1 << addr_width),
            "wt_need": Out(addr_width + 1),
            "busy_cycles": Out(32),
            "stall_cycles": Out(32),
        })

    @staticmethod
    def tag_layout(tile):
        return data.StructLayout({"slot": range(tile.stripe), "first": 1, "last": 1})

    @property
    def tile(self):
        return self._tile

    @property
    def credits(self):
        return self._credits

    #: Cycles from an issue to the atom on ``feature`` (the CBUF read).
    latency = 1

    def elaborate(self, platform):
        m = Module()
        tile = self._tile
        c_bits = (tile.atom_c - 1).bit_length()
        k_bits = (tile.atom_k - 1).bit_length()
        row_bits = (self._depth - 1).bit_length()
        stripe = tile.stripe

        # Layer constants (the configuration is stable while running).
        width = Signal(14)
        height = Signal(14)
        pixels = Signal(22)
        groups_m1 = Signal(13)
        cgroups_m1 = Signal(13)
        sx, sy = Signal(4), Signal(4)
        dx, dy = Signal(6), Signal(6)
        weight_base = Signal(len(self.wt.addr))
        last_kg = Signal(range(tile.atom_k + 1))
        m.d.comb += [
            width.eq(self.cfg.datain_width_ext + 1),
            height.eq(self.cfg.datain_height_ext + 1),
            pixels.eq(self.cfg.atomics + 1),
            groups_m1.eq(self.cfg.weight_kernel >> k_bits),
            cgroups_m1.eq(self.cfg.datain_channel_ext >> c_bits),
            sx.eq(self.cfg.conv_x_stride_ext + 1),
            sy.eq(self.cfg.conv_y_stride_ext + 1),
            dx.eq(self.cfg.x_dilation_ext + 1),
            dy.eq(self.cfg.y_dilation_ext + 1),
            weight_base.eq((self.cfg.data_bank + 1) << row_bits),
            last_kg.eq((self.cfg.weight_kernel & (tile.atom_k - 1)) + 1),
        ]

        def stripe_len(p0):
            # A full stripe, or the rest; when a full stripe would leave fewer than AtomK + 1
            # pixels (a pass shorter than its weight load), the last two stripes share the rest.
            left = pixels - p0
            if stripe >= tile.atom_k + 1:
                return Mux(left > stripe,
                           Mux(left < stripe + tile.atom_k + 1, (left + 1) >> 1, stripe), left)
            return Mux(left > stripe, stripe, left)

        running = Signal()
        swap = Signal()
        m.d.comb += self.swap.eq(swap)

        # --- shadow weight hand-off between the loader and the feature side ---------------------
        claimed = Signal()      # the loader has started filling the shadow set
        full = Signal()         # the shadow set is complete (ready to swap in)

        # --- weight loader: one pass ahead, AtomK cells per pass ---------------------------------
        wl_g = Signal(13)
        wl_p0 = Signal(22)
        wl_cg = Signal(13)
        wl_r = Signal(5)
        wl_s = Signal(5)
        wl_kk = Signal(range(tile.atom_k))
        wl_n = Signal(range(stripe + 1))
        m.d.comb += wl_n.eq(stripe_len(wl_p0))
        wl_ptr = Signal(len(self.wt.addr))
        wl_gbase = Signal(len(self.wt.addr))
        wl_finished = Signal()
        wl_kg = Signal(range(tile.atom_k + 1))
        m.d.comb += wl_kg.eq(Mux(wl_g == groups_m1, last_kg, tile.atom_k))

        wl_issue = Signal()
        wl_loaded = Signal()    # the weight atom to read is in CBUF (CDMA's progress)
        m.d.comb += [
            self.wt_need.eq(wl_ptr + wl_kk),
            wl_loaded.eq((wl_kk >= wl_kg) | (wl_ptr + wl_kk < self.wt_entries)),
            wl_issue.eq(running & ~wl_finished & wl_loaded & ((wl_kk != 0) | ~claimed | swap)),
        ]
        m.d.comb += [
            self.wt.en.eq(wl_issue & (wl_kk < wl_kg)),
            self.wt.addr.eq(wl_ptr + wl_kk),
        ]
        w1_valid = Signal()
        w1_cell = Signal(range(tile.atom_k))
        w1_zero = Signal()
        m.d.sync += [
            w1_valid.eq(wl_issue),
            w1_cell.eq(wl_kk),
            w1_zero.eq(wl_kk >= wl_kg),
        ]
        m.d.comb += [
            self.weight.valid.eq(w1_valid),
            self.weight.p.cell.eq(w1_cell),
            self.weight.p.shadow.eq(1),
            self.weight.p.data.eq(Mux(w1_zero, 0, self.wt.data.as_value())),
        ]

        with m.If(wl_issue):
            with m.If(wl_kk == 0):
                m.d.sync += claimed.eq(1)
            with m.If(wl_kk == tile.atom_k - 1):
                m.d.sync += [wl_kk.eq(0), wl_ptr.eq(wl_ptr + wl_kg), wl_s.eq(wl_s + 1)]
                with m.If(wl_s == self.cfg.weight_width_ext):
                    m.d.sync += [wl_s.eq(0), wl_r.eq(wl_r + 1)]
                    with m.If(wl_r == self.cfg.weight_height_ext):
                        m.d.sync += [wl_r.eq(0), wl_cg.eq(wl_cg + 1)]
                        with m.If(wl_cg == cgroups_m1):          # end of a stripe
                            m.d.sync += wl_cg.eq(0)
                            with m.If(wl_p0 + wl_n == pixels):     # end of a group
                                m.d.sync += [
                                    wl_p0.eq(0),
                                    wl_g.eq(wl_g + 1),
                                    wl_gbase.eq(wl_ptr + wl_kg),
                                ]
                                with m.If(wl_g == groups_m1):
                                    m.d.sync += wl_finished.eq(1)
                            with m.Else():
                                m.d.sync += [wl_p0.eq(wl_p0 + wl_n), wl_ptr.eq(wl_gbase)]
            with m.Else():
                m.d.sync += wl_kk.eq(wl_kk + 1)
        with m.If(w1_valid & (w1_cell == tile.atom_k - 1)):
            m.d.sync += full.eq(1)
        with m.If(swap):
            m.d.sync += full.eq(0)
            with m.If(~(wl_issue & (wl_kk == 0))):
                m.d.sync += claimed.eq(0)

        # --- feature side: one atom per cycle ------------------------------------------------
        g = Signal(13)
        p0 = Signal(22)
        n = Signal(range(stripe + 1))
        m.d.comb += n.eq(stripe_len(p0))
        cg = Signal(13)
        r = Signal(5)
        s = Signal(5)
        cg_line = Signal(26)              # cg * H
        r_off = Signal(signed(12))        # r * dy - PAD_TOP
        s_off = Signal(signed(12))        # s * dx - PAD_LEFT
        slot = Signal(range(stripe))
        # Current pixel and the stripe's first pixel: column, and oy*sy, ox*sx.
        ox, yb, xb = Signal(13), Signal(17), Signal(17)
        ox0, yb0, xb0 = Signal(13), Signal(17), Signal(17)

        first_pass = Signal()
        last_pass = Signal()
        m.d.comb += [
            first_pass.eq((cg == 0) & (r == 0) & (s == 0)),
            last_pass.eq((cg == cgroups_m1) & (r == self.cfg.weight_height_ext) &
                         (s == self.cfg.weight_width_ext)),
        ]

        avail = Signal(range(self._credits + 1))
        reserve = Signal()

        iy = Signal(signed(19))
        ix = Signal(signed(19))
        inside = Signal()
        entry = Signal(32)
        m.d.comb += [
            iy.eq(yb + r_off),
            ix.eq(xb + s_off),
            inside.eq((iy >= 0) & (iy < height) & (ix >= 0) & (ix < width)),
            entry.eq((cg_line + iy.as_unsigned()[:16]) * width + ix.as_unsigned()[:16]),
        ]

        # The feature atom is in CBUF (CDMA's progress: whole lines, then surfaces of a line).
        loaded = Signal()
        iy_line = Signal(14)
        m.d.comb += [
            iy_line.eq(iy.as_unsigned()[:14]),
            loaded.eq(~inside | (iy_line < self.dat_lines) |
                      ((iy_line == self.dat_lines) & (cg < self.dat_surfaces))),
        ]

        issue = Signal()
        pass_start = Signal()
        m.d.comb += [
            pass_start.eq(slot == 0),
            issue.eq(running & loaded & ((slot != 0) |
                                (full & (~last_pass | (avail >= n))))),
            swap.eq(issue & pass_start),
            reserve.eq(issue & pass_start & last_pass),
            self.dat.en.eq(issue & inside),
            self.dat.addr.eq(entry),
        ]
        m.d.sync += avail.eq(avail + self.credit - Mux(reserve, n, 0))

        # Stage 1: the CBUF read returns; padding replaces outside pixels.
        f1_valid = Signal()
        f1_pad = Signal()
        f1_tag = Signal(self.tag_layout(tile))
        m.d.sync += [
            f1_valid.eq(issue),
            f1_pad.eq(~inside),
            f1_tag.slot.eq(slot),
            f1_tag.first.eq(first_pass),
            f1_tag.last.eq(last_pass),
        ]
        pad_atom = Cat(self.cfg.pad_value[:8] for _ in range(tile.atom_c))
        m.d.comb += [
            self.feature.valid.eq(f1_valid),
            self.feature.p.eq(Mux(f1_pad, pad_atom, self.dat.data.as_value())),
            self.tag.valid.eq(f1_valid),
            self.tag.p.eq(f1_tag),
        ]

        # Pixel advance (row-major over the output).
        next_ox, next_yb, next_xb = Signal(13), Signal(17), Signal(17)
        with m.If(ox == self.cfg.dataout_width):
            m.d.comb += [next_ox.eq(0), next_xb.eq(0), next_yb.eq(yb + sy)]
        with m.Else():
            m.d.comb += [next_ox.eq(ox + 1), next_xb.eq(xb + sx), next_yb.eq(yb)]

        layer_end = Signal()

        def reset_group():
            m.d.sync += [p0.eq(0), ox.eq(0), yb.eq(0), xb.eq(0), ox0.eq(0), yb0.eq(0), xb0.eq(0)]

        def reset_pass():
            m.d.sync += [cg.eq(0), r.eq(0), s.eq(0), cg_line.eq(0),
                         r_off.eq(-self.cfg.pad_top), s_off.eq(-self.cfg.pad_left)]

        with m.If(issue):
            with m.If(slot == n - 1):                      # end of a pass
                m.d.sync += [slot.eq(0), ox.eq(ox0), yb.eq(yb0), xb.eq(xb0),
                             s.eq(s + 1), s_off.eq(s_off + dx)]
                with m.If(s == self.cfg.weight_width_ext):
                    m.d.sync += [s.eq(0), s_off.eq(-self.cfg.pad_left), r.eq(r + 1),
                                 r_off.eq(r_off + dy)]
                    with m.If(r == self.cfg.weight_height_ext):
                        m.d.sync += [r.eq(0), r_off.eq(-self.cfg.pad_top), cg.eq(cg + 1),
                                     cg_line.eq(cg_line + height)]
                        with m.If(cg == cgroups_m1):       # end of a stripe
                            reset_pass()
                            m.d.sync += [p0.eq(p0 + n),
                                         ox.eq(next_ox), yb.eq(next_yb), xb.eq(next_xb),
                                         ox0.eq(next_ox), yb0.eq(next_yb), xb0.eq(next_xb)]
                            with m.If(p0 + n == pixels):   # end of a group
                                reset_group()
                                m.d.sync += g.eq(g + 1)
                                with m.If(g == groups_m1):
                                    m.d.comb += layer_end.eq(1)
            with m.Else():
                m.d.sync += [slot.eq(slot + 1), ox.eq(next_ox), yb.eq(next_yb), xb.eq(next_xb)]

        with m.FSM():
            with m.State("Idle"):
                with m.If(self.start):
                    reset_group()
                    reset_pass()
                    m.d.sync += [
                        g.eq(0), slot.eq(0), avail.eq(self._credits),
                        wl_g.eq(0), wl_p0.eq(0), wl_cg.eq(0), wl_r.eq(0), wl_s.eq(0),
                        wl_kk.eq(0), wl_ptr.eq(weight_base), wl_gbase.eq(weight_base),
                        wl_finished.eq(0), claimed.eq(0), full.eq(0),
                        self.busy_cycles.eq(0), self.stall_cycles.eq(0),
                    ]
                    m.next = "Run"
            with m.State("Run"):
                m.d.comb += running.eq(1)
                m.d.sync += self.busy_cycles.eq(self.busy_cycles + 1)
                with m.If(~issue):
                    m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
                with m.If(layer_end):
                    m.next = "Drain"
            with m.State("Drain"):
                m.d.sync += self.busy_cycles.eq(self.busy_cycles + 1)
                with m.If(avail == self._credits):
                    m.d.comb += self.done.eq(1)
                    m.next = "Idle"
        return m
