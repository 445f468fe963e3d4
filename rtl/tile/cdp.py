"""The tile's channel data processor (NVDLA's CDP): local response normalization of an int8 cube
from memory to memory, with NVDLA's two lookup tables (LE and LO).

Place in the tile: memory -> (FeatureReader, inside) -> **CDP** -> (WDMA, inside) -> memory; the
tables live in :class:`CdpLut`, next to the register blocks (``S_LUT_ACCESS_CFG``/``DATA`` reach
them). The arithmetic is bit exact with ``simtlab.sim.cdp_ref`` (its docstring states the steps).
"""

from amaranth import *
from amaranth.lib import data, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ...sim.cdp_ref import LE_ENTRIES, LO_ENTRIES
from ..mem.bus import MemSignature
from .layouts import FeatureCube, unit_config, unit_shared
from .rdma import FeatureReader
from .wdma import WDMA

__all__ = [
    "CdpLut",
    "CDP",
]

#: The S_LUT_* fields (one copy for both groups), as the register block's ``shared`` port.
LUT_CONFIG = unit_shared("CDP")
#: Bits of the table lookup's input: a square sum of 9 nine-bit values, signed.
_IN_BITS = 22
#: Bits of ``input - start`` (38-bit signed range registers).
_DIFF_BITS = 40
_FRAC_BITS = 16
_UNDER, _HIT, _OVER = 0, 1, 2


def _round_shift(m, value, shift, name):
    """``value / 2**shift`` rounded half away from zero (``tile_ref.round_shift``), ``shift`` a
    signal; combinational."""
    width = len(value)
    magnitude = Signal(width, name=f"{name}_mag")
    half = Signal(width, name=f"{name}_half")
    rounded = Signal(width, name=f"{name}_rnd")
    m.d.comb += [
        magnitude.eq(Mux(value < 0, -value, value)),
        half.eq((Const(1, 1) << shift) >> 1),
        rounded.eq((magnitude + half) >> shift),
    ]
    result = Signal(signed(width + 1), name=name)
    m.d.comb += result.eq(Mux(value < 0, -rounded, rounded))
    return result


def _saturate(m, value, bits, name):
    """``(value clamped to signed(bits), clamped)``, combinational."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    out = Signal(signed(bits), name=name)
    clamped = Signal(name=f"{name}_sat")
    m.d.comb += [
        clamped.eq((value < lo) | (value > hi)),
        out.eq(Mux(value < lo, lo, Mux(value > hi, hi, value))),
    ]
    return out, clamped


class CdpLut(wiring.Component):
    """CDP's LE (65 entries) and LO (257 entries) int16 tables with NVDLA's access registers.

    ``S_LUT_ACCESS_CFG`` (``cfg``; ``cfg_written`` in the cycle software writes it) sets the table
    and entry; each access of ``S_LUT_ACCESS_DATA`` (``port``, the register block's ``rwp`` port)
    writes the entry (``LUT_ACCESS_TYPE`` WRITE) or reads it (``port_rdata``, combinational) and
    moves the entry on by one. Entries past a table's end are ignored (writes) or read 0.

    Members
    -------
    cfg : In(StructLayout(lut_addr, lut_table_id, lut_access_type))
        ``S_LUT_ACCESS_CFG``'s fields (the register block's ``shared`` copy).
    cfg_written : In(1)
        A write to ``S_LUT_ACCESS_CFG`` this cycle (its new value is on ``cfg`` from the next).
    port : In(StructLayout(read, write, wdata))
        ``S_LUT_ACCESS_DATA``'s accesses.
    port_rdata : Out(signed(16))
        The entry a read returns (the current one).
    table, addr : In(1), In(9)
        The datapath's lookup: 0 LE, 1 LO; the entry.
    e0, e1 : Out(signed(16))
        Entries ``addr`` and ``addr + 1`` of ``table`` (0 past its end), combinational.

    Latency: reads combinational, writes at the end of the access's cycle. Resources: 322 x 16
    bits with three asynchronous read ports per table (one for software, two for the
    interpolation).
    """

    def __init__(self):
        super().__init__({
            "cfg": In(data.StructLayout({"lut_addr": 10, "lut_table_id": 1,
                                         "lut_access_type": 1})),
            "cfg_written": In(1),
            "port": In(data.StructLayout({"read": 1, "write": 1, "wdata": 16})),
            "port_rdata": Out(signed(16)),
            "table": In(1),
            "addr": In(9),
            "e0": Out(signed(16)),
            "e1": Out(signed(16)),
        })

    def elaborate(self, platform):
        m = Module()
        # The entry software reaches: S_LUT_ACCESS_CFG's address right after it is written, then
        # one further per access.
        counter = Signal(10)
        load = Signal()
        entry = Signal(10)
        m.d.comb += entry.eq(Mux(load, self.cfg.lut_addr, counter))
        with m.If(self.cfg_written):
            m.d.sync += load.eq(1)
        with m.Elif(self.port.read | self.port.write):
            m.d.sync += [load.eq(0), counter.eq(entry + 1)]

        reads = []
        for n, size in enumerate((LE_ENTRIES, LO_ENTRIES)):
            mem = m.submodules[f"table{n}"] = Memory(shape=signed(16), depth=size, init=[])
            wp = mem.write_port()
            soft, r0, r1 = (mem.read_port(domain="comb") for _ in range(3))
            m.d.comb += [
                wp.addr.eq(entry),
                wp.data.eq(self.port.wdata),
                wp.en.eq(self.port.write & self.cfg.lut_access_type & (self.cfg.lut_table_id == n)
                         & (entry < size)),
                soft.addr.eq(entry),
                r0.addr.eq(self.addr),
                r1.addr.eq(self.addr + 1),
            ]
            reads.append((Mux(entry < size, soft.data, 0), Mux(self.addr < size, r0.data, 0),
                          Mux(self.addr + 1 < size, r1.data, 0)))
        (le_soft, le0, le1), (lo_soft, lo0, lo1) = reads
        m.d.comb += [
            self.port_rdata.eq(Mux(self.cfg.lut_table_id, lo_soft, le_soft)),
            self.e0.eq(Mux(self.table, lo0, le0)),
            self.e1.eq(Mux(self.table, lo1, le1)),
        ]
        return m


class CDP(wiring.Component):
    """Local response normalization, memory to memory, one channel (lane) per cycle.

    The cube (``src``, CDP_RDMA's registers) is processed pixel by pixel: for each (h, w) the
    inner FeatureReader fetches the pixel's atoms of every surface (one 1 x 1 x C cube at
    ``base + h * line_stride + w * atom``), the lanes pass in channel order through the input
    converter and a window of the last NORMALZ_LEN squares (a running sum), each lane's
    lookup input goes through the LUT selection, the table read and interpolation (one shared
    multiplier), the multiplier and the output converter, and the inner WDMA writes the pixel's
    atoms at ``dst + h * line_stride + w * atom`` (``cfg``'s ``D_DST_*``). Whole atoms: the lanes
    past C are computed with their own input and a window of the real channels (as
    ``cdp_ref.cdp``).

    Parameters
    ----------
    atom : int
        Bytes per atom (AtomC, 8 in nv_small), a power of two from 2 to ``block_bytes``.
    block_bytes : int
        Bytes per memory request (64).

    Members
    -------
    cfg : In(CONFIG)
        CDP's ``D_`` fields this block reads (:attr:`CONFIG`).
    lut : In(LUT_CONFIG)
        CDP's ``S_LUT_*`` fields (ranges, index selects, slopes, priorities).
    src : In(FeatureCube)
        The input cube (CDP_RDMA's sizes and ``D_SRC_*``); the output has its sizes.
    start : In(1)
        Begin a layer (ignored while busy); hold ``cfg``, ``lut``, ``src`` until ``done``.
    done : Out(1)
        One cycle when the layer's last write is acknowledged.
    busy : Out(1)
        From ``start`` to ``done``.
    table, addr : Out(1), Out(9)
        The table lookup (to :class:`CdpLut`); ``e0``, ``e1`` In(signed(16)) its entries.
    rd_bus, wr_bus : Out(MemSignature(data_width=8 * block_bytes, tag_width=16))
        The inner FeatureReader's reads and the inner WDMA's writes.
    counters : Out(StructLayout)
        Since ``start`` (held after ``done``): ``out_saturation``, ``lut_uflow``, ``lut_oflow``,
        ``lut_hybrid``, ``lut_le_hit``, ``lut_lo_hit`` (real channels only), ``write_stall``,
        ``read_stall`` (cycles a request waited for the memory).
    moved : Out(1)
        An atom moved in or out this cycle (the tile's watchdog).

    Latency: per pixel, the memory latency + about 6 cycles before its first lane, then
    ceil(C / atom) * atom + NORMALZ_LEN // 2 cycles, then 4 pipeline stages and the write's
    acknowledgement; the pixels do not overlap. Throughput: one lane (channel) per cycle within a
    pixel. Resources: a 40 x 17-bit multiplier (interpolation or slope), 9 x 32 (LUT value x
    input), 42 x 16 (output converter), 9 x 9 (square), two 56-bit shifters (the tables' index),
    a 9-entry window, the reader's and the WDMA's buffers.
    """

    #: CDP's ``D_`` fields this block reads (``layouts.unit_config``).
    CONFIG = unit_config("CDP", reads=(
        "sqsum_bypass", "mul_bypass", "dst_base_addr_low", "dst_line_stride",
        "dst_surface_stride", "normalz_len", "datin_offset", "datin_scale", "datin_shifter",
        "datout_offset", "datout_scale", "datout_shifter"))
    LUT_CONFIG = LUT_CONFIG

    def __init__(self, *, atom=8, block_bytes=64):
        for name, value in (("atom", atom), ("block_bytes", block_bytes)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        self.reader = FeatureReader(atom=atom, block_bytes=block_bytes)
        self.writer = WDMA(atom=atom, block_bytes=block_bytes)
        self._atom = atom
        counters = ("out_saturation", "lut_uflow", "lut_oflow", "lut_hybrid", "lut_le_hit",
                    "lut_lo_hit", "write_stall", "read_stall")
        super().__init__({
            "cfg": In(self.CONFIG),
            "lut": In(LUT_CONFIG),
            "src": In(FeatureCube),
            "start": In(1),
            "done": Out(1),
            "busy": Out(1),
            "table": Out(1),
            "addr": Out(9),
            "e0": In(signed(16)),
            "e1": In(signed(16)),
            "rd_bus": Out(MemSignature(data_width=8 * block_bytes, tag_width=16)),
            "wr_bus": Out(MemSignature(data_width=8 * block_bytes, tag_width=16)),
            "counters": Out(data.StructLayout({name: 32 for name in counters})),
            "moved": Out(1),
        })

    @property
    def atom(self):
        return self._atom

    def elaborate(self, platform):
        m = Module()
        a = self._atom
        abits = (a - 1).bit_length()
        cfg, lut, src = self.cfg, self.lut, self.src
        m.submodules.reader = reader = self.reader
        m.submodules.writer = writer = self.writer
        wiring.connect(m, wiring.flipped(self.rd_bus), reader.bus)
        wiring.connect(m, wiring.flipped(self.wr_bus), writer.bus)

        channels = Signal(14)
        lanes = Signal(14)                      # whole atoms
        n_half = Signal(3)                      # NORMALZ_LEN // 2: 1..4
        m.d.comb += [
            channels.eq(src.channel + 1),
            lanes.eq((src.channel | (a - 1)) + 1),
            n_half.eq(cfg.normalz_len + 1),
        ]

        # --- pipeline enable: everything moves unless the output atom waits for the WDMA ---
        atom_valid = Signal()
        out_atom = Signal(data.ArrayLayout(signed(8), a))
        adv = Signal()
        m.d.comb += [
            adv.eq(~atom_valid | writer.i.ready),
            writer.i.valid.eq(atom_valid),
            writer.i.p.eq(out_atom),
            self.moved.eq((writer.i.valid & writer.i.ready) | (reader.o.valid & reader.o.ready)),
        ]

        # --- step: one lane into the window per cycle ---
        running = Signal()
        j = Signal(15)
        lane = j[:abits]
        held = Signal(data.ArrayLayout(signed(8), a))
        in_needed = j < lanes
        have_input = ~in_needed | (lane != 0) | reader.o.valid
        step = Signal()
        m.d.comb += [
            step.eq(running & adv & have_input & (j < lanes + n_half)),
            reader.o.ready.eq(running & adv & in_needed & (lane == 0)),
        ]
        x = Signal(signed(8))
        m.d.comb += x.eq(Mux(lane == 0, reader.o.p[0], held[lane]))
        with m.If(step & in_needed & (lane == 0)):
            m.d.sync += held.eq(reader.o.p)

        # Input converter: sat9(round_shift((x - offset) * scale, shifter)).
        scaled = Signal(signed(26))
        m.d.comb += scaled.eq((x - cfg.datin_offset) * cfg.datin_scale)
        conv_in = _round_shift(m, scaled, cfg.datin_shifter, "cvt_in")
        v_sat, _ = _saturate(m, conv_in, 9, "v_in")
        v = Signal(signed(9))
        m.d.comb += v.eq(Mux(in_needed, v_sat, 0))
        # Window: squares of the last 9 lanes (real channels only) and their values.
        qh = [Signal(17, name=f"q{k}") for k in range(9)]
        vh = [Signal(signed(9), name=f"v{k}") for k in range(9)]
        total = Signal(21)
        q_new = Signal(17)
        m.d.comb += q_new.eq(Mux(j < channels, v * v, 0))
        q_out = Array(qh)[2 * n_half]           # the lane leaving the window (n = 2*half + 1)
        total_new = Signal(21)
        m.d.comb += total_new.eq(total + q_new - q_out)
        centre_at = Signal(4)
        m.d.comb += centre_at.eq(n_half - 1)
        centre = Array(vh)[centre_at]           # lane j - half, after this step's shift
        restart = Signal()
        with m.If(restart):
            m.d.sync += [j.eq(0), total.eq(0)] + [q.eq(0) for q in qh] + [w.eq(0) for w in vh]
        with m.Elif(step):
            m.d.sync += [j.eq(j + 1), total.eq(total_new), qh[0].eq(q_new), vh[0].eq(v)]
            m.d.sync += [qh[k].eq(qh[k - 1]) for k in range(1, 9)]
            m.d.sync += [vh[k].eq(vh[k - 1]) for k in range(1, 9)]

        # S0: one output lane c = j - half: its centre value and lookup input.
        s0_valid, s0_real = Signal(), Signal()
        s0_lane = Signal(abits or 1)
        s0_vc = Signal(signed(9))
        s0_in = Signal(signed(_IN_BITS))
        c_out = Signal(15)
        m.d.comb += c_out.eq(j - n_half)
        with m.If(adv):
            m.d.sync += [
                s0_valid.eq(step & (j >= n_half)),
                s0_real.eq(c_out < channels),
                s0_lane.eq(c_out[:abits] if abits else 0),
                s0_vc.eq(centre),
                s0_in.eq(Mux(cfg.sqsum_bypass, centre, total_new)),
            ]

        # S1: both tables' index (underflow, hit, overflow), the selection, the operands.
        def edge(name):
            value = Signal(signed(38), name=f"lut_{name}")
            m.d.comb += value.eq(Cat(lut[f"lut_{name}_low"], lut[f"lut_{name}_high"]))
            return value

        def analyse(name, entries, exponent):
            start = edge(f"{name}_start")
            d = Signal(signed(_DIFF_BITS), name=f"{name}_d")
            m.d.comb += d.eq(s0_in - start)
            under = Signal(name=f"{name}_under")
            index = Signal(signed(_DIFF_BITS + 10), name=f"{name}_index")
            frac = Signal(_FRAC_BITS, name=f"{name}_frac")
            select = lut[f"lut_{name}_index_select"]
            shift = Signal(6, name=f"{name}_shift")
            wide = Signal(_DIFF_BITS + _FRAC_BITS, name=f"{name}_wide")
            m.d.comb += wide.eq((d.as_unsigned() << _FRAC_BITS) >> shift)
            below = s0_in <= start
            if exponent is not None:
                # log2: the position of d's leading one (d > 0 when not below).
                msb = Signal(6, name=f"{name}_msb")
                for bit in range(_DIFF_BITS - 1):
                    with m.If(d[bit]):
                        m.d.comb += msb.eq(bit)
                log_index = Signal(signed(10), name=f"{name}_log_index")
                m.d.comb += log_index.eq(msb - lut.lut_le_index_offset)
            # Linear: d >> select (select >= 0, shifts past 55 give 0) or d << -select.
            left = Signal(4, name=f"{name}_left")
            m.d.comb += left.eq(Mux(-select > 8, 9, -select))
            # An LO table (exponent None) is linear only.
            with m.If(exponent if exponent is not None else Const(0)):
                if exponent is not None:
                    m.d.comb += [shift.eq(msb), index.eq(log_index), frac.eq(wide[:_FRAC_BITS]),
                                 under.eq(below | (log_index < 0))]
            with m.Elif(select < 0):
                m.d.comb += [shift.eq(0), frac.eq(0), under.eq(below),
                             index.eq(Mux(left > 8, entries, d << left[:4]))]
            with m.Else():
                m.d.comb += [shift.eq(Mux(select > 55, 56, select)), under.eq(below),
                             index.eq(wide >> _FRAC_BITS), frac.eq(wide[:_FRAC_BITS])]
            kind = Signal(2, name=f"{name}_kind")
            m.d.comb += kind.eq(Mux(under, _UNDER, Mux(index >= entries - 1, _OVER, _HIT)))
            return kind, index, frac

        le_kind, le_index, le_frac = analyse("le", LE_ENTRIES, lut.lut_le_function == 0)
        lo_kind, lo_index, lo_frac = analyse("lo", LO_ENTRIES, None)
        # The table used (0 LE, 1 LO) and what the counters call it.
        use_lo = Signal()
        what = Signal(3)                        # 0 uflow, 1 oflow, 2 hybrid, 3 le_hit, 4 lo_hit
        both = le_kind == lo_kind
        with m.If((le_kind == _HIT) & (lo_kind != _HIT)):
            m.d.comb += [use_lo.eq(0), what.eq(3)]
        with m.Elif((lo_kind == _HIT) & (le_kind != _HIT)):
            m.d.comb += [use_lo.eq(1), what.eq(4)]
        with m.Elif(both & (le_kind == _HIT)):
            m.d.comb += [use_lo.eq(lut.lut_hybrid_priority),
                         what.eq(Mux(lut.lut_hybrid_priority, 4, 3))]
        with m.Elif(both & (le_kind == _UNDER)):
            m.d.comb += [use_lo.eq(lut.lut_uflow_priority), what.eq(0)]
        with m.Elif(both):
            m.d.comb += [use_lo.eq(lut.lut_oflow_priority), what.eq(1)]
        with m.Else():
            m.d.comb += [use_lo.eq(lut.lut_hybrid_priority), what.eq(2)]
        kind = Mux(use_lo, lo_kind, le_kind)
        s1_valid, s1_real, s1_hit, s1_table = Signal(), Signal(), Signal(), Signal()
        s1_lane = Signal(abits or 1)
        s1_vc = Signal(signed(9))
        s1_addr = Signal(9)
        s1_diff = Signal(signed(_DIFF_BITS))
        s1_b = Signal(signed(17))
        s1_round = Signal(5)
        last = Mux(use_lo, LO_ENTRIES - 1, LE_ENTRIES - 1)

        def pick(le_value, lo_value):
            return Mux(use_lo, lo_value, le_value)
        under_edge = pick(edge("le_start"), edge("lo_start"))
        over_edge = pick(edge("le_end"), edge("lo_end"))
        with m.If(adv):
            m.d.sync += [
                s1_valid.eq(s0_valid), s1_real.eq(s0_real), s1_lane.eq(s0_lane),
                s1_vc.eq(s0_vc), s1_table.eq(use_lo), s1_hit.eq(kind == _HIT),
            ]
            with m.Switch(kind):
                with m.Case(_HIT):
                    m.d.sync += [s1_addr.eq(pick(le_index, lo_index)), s1_b.eq(pick(le_frac, lo_frac)),
                                 s1_round.eq(_FRAC_BITS)]
                with m.Case(_UNDER):
                    m.d.sync += [
                        s1_addr.eq(0), s1_diff.eq(s0_in - under_edge),
                        s1_b.eq(pick(lut.lut_le_slope_uflow_scale, lut.lut_lo_slope_uflow_scale)),
                        s1_round.eq(pick(lut.lut_le_slope_uflow_shift,
                                         lut.lut_lo_slope_uflow_shift))]
                with m.Default():
                    m.d.sync += [
                        s1_addr.eq(last), s1_diff.eq(s0_in - over_edge),
                        s1_b.eq(pick(lut.lut_le_slope_oflow_scale, lut.lut_lo_slope_oflow_scale)),
                        s1_round.eq(pick(lut.lut_le_slope_oflow_shift,
                                         lut.lut_lo_slope_oflow_shift))]

        # Counters (real lanes), as each lane leaves S0.
        counts = self.counters
        clear = Signal()
        names = ("lut_uflow", "lut_oflow", "lut_hybrid", "lut_le_hit", "lut_lo_hit")
        for code, name in enumerate(names):
            with m.If(clear):
                m.d.sync += counts[name].eq(0)
            with m.Elif(adv & s0_valid & s0_real & (what == code)):
                m.d.sync += counts[name].eq(counts[name] + 1)

        # S2: the table's entries, the interpolation or the slope (one multiplier), int32.
        m.d.comb += [self.table.eq(s1_table), self.addr.eq(s1_addr)]
        operand = Signal(signed(_DIFF_BITS))
        m.d.comb += operand.eq(Mux(s1_hit, self.e1 - self.e0, s1_diff))
        product = Signal(signed(_DIFF_BITS + 17))
        m.d.comb += product.eq(operand * s1_b)
        slope = _round_shift(m, product, s1_round, "slope")
        t_wide = Signal(signed(_DIFF_BITS + 19))
        m.d.comb += t_wide.eq(self.e0 + slope)
        t32, _ = _saturate(m, t_wide, 32, "t32")
        s2_valid, s2_real = Signal(), Signal()
        s2_lane = Signal(abits or 1)
        s2_vc = Signal(signed(9))
        s2_t = Signal(signed(32))
        with m.If(adv):
            m.d.sync += [s2_valid.eq(s1_valid), s2_real.eq(s1_real), s2_lane.eq(s1_lane),
                         s2_vc.eq(s1_vc), s2_t.eq(t32)]

        # S3: multiplier and output converter into the output atom.
        r = Signal(signed(41))
        m.d.comb += r.eq(Mux(cfg.mul_bypass, s2_t, s2_vc * s2_t))
        out_scaled = Signal(signed(59))
        m.d.comb += out_scaled.eq((r - cfg.datout_offset) * cfg.datout_scale)
        out_rounded = _round_shift(m, out_scaled, cfg.datout_shifter, "cvt_out")
        y, y_sat = _saturate(m, out_rounded, 8, "y")
        with m.If(clear):
            m.d.sync += counts.out_saturation.eq(0)
        with m.Elif(adv & s2_valid & s2_real & y_sat):
            m.d.sync += counts.out_saturation.eq(counts.out_saturation + 1)
        with m.If(adv & atom_valid):
            m.d.sync += atom_valid.eq(0)
        with m.If(adv & s2_valid):
            m.d.sync += out_atom[s2_lane].eq(y)
            with m.If(s2_lane == a - 1):
                m.d.sync += atom_valid.eq(1)

        # --- the pixel walk ---
        h, w = Signal(13), Signal(13)
        src_row, dst_row = Signal(32), Signal(32)
        src_pix, dst_pix = Signal(32), Signal(32)
        unacked = Signal(8)
        m.d.sync += unacked.eq(unacked + (writer.bus.req.valid & writer.bus.req.ready)
                               - writer.bus.rsp.valid)
        m.d.comb += [
            reader.cfg.channel.eq(src.channel),
            reader.cfg.base.eq(src_pix),
            reader.cfg.line_stride.eq(src.line_stride),
            reader.cfg.surface_stride.eq(src.surface_stride),
            writer.cfg.channel.eq(src.channel),
            writer.cfg.base.eq(dst_pix),
            writer.cfg.line_stride.eq(cfg.dst_line_stride),
            writer.cfg.surface_stride.eq(cfg.dst_surface_stride),
        ]
        drained = ~s0_valid & ~s1_valid & ~s2_valid & ~atom_valid & ~reader.busy & ~writer.busy
        with m.FSM():
            with m.State("Idle"):
                with m.If(self.start):
                    m.d.comb += clear.eq(1)
                    m.d.sync += [
                        h.eq(0), w.eq(0),
                        src_row.eq(src.base), dst_row.eq(cfg.dst_base_addr_low),
                        src_pix.eq(src.base), dst_pix.eq(cfg.dst_base_addr_low),
                        counts.write_stall.eq(0), counts.read_stall.eq(0),
                    ]
                    m.next = "Pixel"
            with m.State("Pixel"):
                m.d.comb += [self.busy.eq(1), restart.eq(1), reader.start.eq(1),
                             writer.start.eq(1)]
                m.d.sync += running.eq(1)
                m.next = "Run"
            with m.State("Run"):
                m.d.comb += self.busy.eq(1)
                with m.If(step & (j == lanes + n_half - 1)):
                    m.d.sync += running.eq(0)
                    m.next = "Drain"
            with m.State("Drain"):
                m.d.comb += self.busy.eq(1)
                with m.If(drained):
                    m.d.sync += [
                        counts.write_stall.eq(counts.write_stall + writer.stall_cycles),
                        counts.read_stall.eq(counts.read_stall + reader.stall_cycles),
                    ]
                    with m.If(w == src.width):
                        m.d.sync += [w.eq(0), h.eq(h + 1),
                                     src_row.eq(src_row + src.line_stride),
                                     dst_row.eq(dst_row + cfg.dst_line_stride),
                                     src_pix.eq(src_row + src.line_stride),
                                     dst_pix.eq(dst_row + cfg.dst_line_stride)]
                        with m.If(h == src.height):
                            m.next = "Ack"
                        with m.Else():
                            m.next = "Pixel"
                    with m.Else():
                        m.d.sync += [w.eq(w + 1), src_pix.eq(src_pix + a),
                                     dst_pix.eq(dst_pix + a)]
                        m.next = "Pixel"
            with m.State("Ack"):
                m.d.comb += self.busy.eq(1)
                with m.If(unacked == 0):
                    m.d.comb += self.done.eq(1)
                    m.next = "Idle"
        return m
