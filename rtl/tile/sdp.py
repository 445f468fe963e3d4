"""The tile's single-point data processor (NVDLA's SDP: X1, X2 and the output converter).

Place in the pipeline: CACC -> **SDP** -> PDP (on the fly) or the write DMA. Each int32 element of
the accumulator cube goes through X1 (bias, scale or PReLU, ReLU), X2 (batch norm: the same
steps with their own operands) and the int8 output converter, exactly as
``simtlab.sim.tile_ref.sdp_x1``.
"""

from amaranth import *
from amaranth.lib import data, enum, stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from .layouts import unit_config

__all__ = [
    "AluAlgo",
    "SDPOperand",
    "SDP",
]


class AluAlgo(enum.Enum, shape=2):
    """``D_DP_BS_CFG.BS_ALU_ALGO``."""
    #: ``max(x, operand)``
    MAX = 0
    #: ``min(x, operand)``
    MIN = 1
    #: ``x + operand`` (bias); the reserved value 3 also sums
    SUM = 2


class SDPOperand(enum.Enum, shape=2):
    """Which per-channel table a ``param`` write reaches."""
    #: X1's ALU (bias) operands
    ALU = 0
    #: X1's multiplier (scale) operands
    MUL = 1
    #: X2's (batch norm) ALU operands
    BN_ALU = 2
    #: X2's multiplier operands
    BN_MUL = 3


def _round_shift(m, value, shift, *, name):
    """``value >> shift`` rounded half away from zero (``tile_ref.round_shift``), combinational.

    ``shift`` may exceed the value's width: it is clamped to ``len(value) + 1``, from where on every
    result is 0 (as it is for larger shifts), so the shifter stays ``len(value) + 2`` bits wide.
    """
    width = len(value)
    limit = width + 1
    amount = Signal(range(limit + 1), name=f"{name}_amount")
    m.d.comb += amount.eq(Mux(shift > limit, limit, shift))
    magnitude = Signal(width + 1, name=f"{name}_magnitude")
    half = Signal(width + 2, name=f"{name}_half")
    rounded = Signal(width + 2, name=f"{name}_rounded")
    negative = value < 0
    m.d.comb += [
        magnitude.eq(Mux(negative, -value, value)),
        half.eq((Const(1, width + 3) << amount) >> 1),
        rounded.eq((magnitude + half) >> amount),
    ]
    result = Signal(signed(width + 3), name=f"{name}_result")
    m.d.comb += result.eq(Mux(negative, -rounded, rounded))
    return result


def _saturate(value, bits):
    """``(value clamped to signed bits, clamped?)``, combinational expressions."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    high, low = value > hi, value < lo
    return Mux(high, hi, Mux(low, lo, value)), high | low


class SDP(wiring.Component):
    """SDP X1 and X2: bias, scale/PReLU, ReLU (twice) and the int8 output converter, one atom per
    cycle.

    For every element ``x`` (int32) of the cube, in this order (``tile_ref.sdp_x1``):

    1. ALU, unless ``bs_bypass`` or ``bs_alu_bypass``:
       ``a = int32_sat(op(x, operand << bs_alu_shift_value))``, op by ``bs_alu_algo`` (:class:`AluAlgo`);
    2. MUL, unless ``bs_bypass``:
       ``m = int32_sat(round_shift(a * operand, bs_mul_shift_value))``, operand 1 if
       ``bs_mul_bypass`` (NVDLA's shifter still truncates); with ``bs_mul_prelu`` (and the
       multiplier on) only negative ``a`` are scaled, others pass unchanged;
    3. ReLU, unless ``bs_bypass`` or ``bs_relu_bypass``: ``max(m, 0)``;
    4. X2: steps 1-3 with the ``bn_*`` fields and operands;
    5. output converter (always): ``y = int8_sat(round_shift((r - cvt_offset) * cvt_scale, cvt_shift))``.

    Rounding is half away from zero. The ALU and MUL operands are the per-layer register values
    (``*_alu_src``/``*_mul_src`` = 0) or per-channel values (= 1) from four tables (X1 and X2,
    ALU and MUL) written through ``param`` before the layer (by SDP_RDMA's BRDMA and NRDMA
    loaders in the tile). Channels of a partial last surface (channel
    index >= C) go through the same datapath (NVDLA writes what it computes there: the converter
    applied to ReLU(x + bias) of their input, 0 from the convolution core) but are not counted in
    the saturation counters.

    The cube is W x H x C atoms of ``atom_k`` channels in feature order (surface -> line -> pixel);
    SDP counts positions itself from ``width``/``height``/``channel`` and accepts exactly
    ``W * H * ceil(C / atom_k)`` atoms per layer, then ``i.ready`` stays low until the next ``start``.

    Parameters
    ----------
    atom_k : int
        Channels per atom (AtomK; 8 in nv_small), a power of two from 2 to 64.
    max_channels : int
        Entries of each per-channel operand table (a multiple of ``atom_k``, at most 8192); the
        driver must not use per-channel operands for layers with more channels.

    Members
    -------
    i : In(stream.Signature(ArrayLayout(signed(32), atom_k)))
        int32 atoms from CACC (or SDP_RDMA), with backpressure.
    o : Out(stream.Signature(ArrayLayout(signed(8), atom_k)))
        int8 atoms, same order, with backpressure.
    start : In(1)
        Begin a layer with the configuration below (hold it stable until ``done``); clears the
        counters. Ignored while a layer runs.
    done : Out(1)
        High for the one cycle in which the layer's last output atom is accepted on ``o``.
    busy : Out(1)
        From ``start`` to ``done``.
    cfg : In(CONFIG)
        The SDP ``D_`` register fields this block reads (:attr:`CONFIG`): ``width``, ``height``,
        ``channel`` (``D_DATA_CUBE_*``: W - 1, H - 1, C - 1); the ``D_DP_BS_CFG`` switches
        ``bs_bypass``, ``bs_alu_bypass``, ``bs_mul_bypass``, ``bs_mul_prelu``,
        ``bs_relu_bypass`` and ``bs_alu_algo`` (:class:`AluAlgo`); ``bs_alu_src`` and
        ``bs_mul_src`` (0 the per-layer ``bs_alu_operand``/``bs_mul_operand``, 1 the per-channel
        table), ``bs_alu_shift_value``, ``bs_mul_shift_value``; ``cvt_offset``, ``cvt_scale``,
        ``cvt_shift`` (``D_CVT_*``); the same X2 fields named ``bn_*`` (``D_DP_BN_*``). The rest
        (destination, modes) is the tile's.
    param : In(stream.Signature(StructLayout(operand, channel, value), always_ready=True))
        Per-channel operand write: table ``operand`` (:class:`SDPOperand`) entry ``channel`` takes
        ``value`` (int16). Write the tables while no layer runs.
    out_saturation : Out(32)
        Output-converter saturations in this layer (``D_PERF_OUT_SATURATION``).
    alu_saturation, mul_saturation : Out(32)
        int32 saturations of the ALU and MUL steps in this layer (simtlab addition, for debugging).
    stall_cycles : Out(32)
        Cycles in this layer with ``o.valid`` high and ``o.ready`` low.

    Latency: ``latency`` = 6 cycles from the cycle an atom is accepted on ``i`` to the cycle it is
    offered on ``o`` (input and operand-table read, X1 ALU, X1 MUL + ReLU, X2 ALU, X2 MUL + ReLU,
    converter; each registered).
    Throughput: one atom per cycle; every stage holds its atom while the next one is full, and a
    bubble in the pipeline is filled even while ``o`` stalls. ``i.ready`` depends combinationally on
    ``o.ready``.

    Resources: 3 x AtomK multipliers (two 32 x 16, one 33 x 16 bits), 2 x AtomK 80-bit ALU adders
    and shifters; four memories of ``max_channels / atom_k`` rows x ``16 * atom_k`` bits.

    Raises
    ------
    TypeError, ValueError
        On a parameter of the wrong kind or value.
    """

    #: ``cfg``'s layout: the SDP register fields this block reads, named and sized by the
    #: register table (``layouts.unit_config``).
    CONFIG = unit_config("SDP",
                         reads=("width", "height", "channel", "bs_bypass", "bs_alu_bypass",
                                "bs_alu_algo", "bs_mul_bypass", "bs_mul_prelu", "bs_relu_bypass",
                                "bs_alu_src", "bs_alu_shift_value", "bs_alu_operand",
                                "bs_mul_src", "bs_mul_shift_value", "bs_mul_operand",
                                "bn_bypass", "bn_alu_bypass", "bn_alu_algo", "bn_mul_bypass",
                                "bn_mul_prelu", "bn_relu_bypass", "bn_alu_src",
                                "bn_alu_shift_value", "bn_alu_operand", "bn_mul_src",
                                "bn_mul_shift_value", "bn_mul_operand",
                                "cvt_offset", "cvt_scale", "cvt_shift"))

    latency = 6

    def __init__(self, *, atom_k=8, max_channels=512):
        for name, value in (("atom_k", atom_k), ("max_channels", max_channels)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        if not 2 <= atom_k <= 64 or atom_k & (atom_k - 1):
            raise ValueError(f"atom_k must be a power of two from 2 to 64, not {atom_k!r}")
        if not atom_k <= max_channels <= 8192 or max_channels % atom_k:
            raise ValueError(f"max_channels must be a multiple of atom_k ({atom_k}) from {atom_k} "
                             f"to 8192, not {max_channels!r}")
        self._atom_k, self._max_channels = atom_k, max_channels
        super().__init__({
            "i": In(stream.Signature(data.ArrayLayout(signed(32), atom_k))),
            "o": Out(stream.Signature(data.ArrayLayout(signed(8), atom_k))),
            "start": In(1),
            "done": Out(1),
            "busy": Out(1),
            "cfg": In(self.CONFIG),
            "param": In(stream.Signature(data.StructLayout({
                "operand": SDPOperand,
                "channel": range(max_channels),
                "value": signed(16),
            }), always_ready=True)),
            "out_saturation": Out(32),
            "alu_saturation": Out(32),
            "mul_saturation": Out(32),
            "stall_cycles": Out(32),
        })

    @property
    def atom_k(self):
        return self._atom_k

    @property
    def max_channels(self):
        return self._max_channels

    def elaborate(self, platform):
        m = Module()
        A = self._atom_k
        lane_bits = (A - 1).bit_length()

        # Per-channel operand tables: one row per surface, one 16-bit lane per channel.
        tables = {}
        for operand in SDPOperand:
            name = operand.name.lower()
            mem = Memory(shape=unsigned(16 * A), depth=self._max_channels // A, init=[])
            m.submodules[f"{name}_table"] = mem
            wr = mem.write_port(granularity=16)
            rd = mem.read_port()
            hit = self.param.valid & (self.param.p.operand == operand)
            m.d.comb += [
                wr.addr.eq(self.param.p.channel >> lane_bits),
                wr.data.eq(Cat(*[self.param.p.value] * A)),
                wr.en.eq(Mux(hit, Const(1, A) << self.param.p.channel[:lane_bits], 0)),
            ]
            tables[operand] = rd

        # Pipeline: stage 1 the input atom and the table reads; X1 ALU, X1 MUL + ReLU, X2 ALU,
        # X2 MUL + ReLU; the converter into the output register. Stage k's registers load when
        # stage k is empty or stage k+1 loads; the output register when empty or accepted.
        stages = self.latency - 1
        valid = [Signal(name=f"valid_{k}") for k in range(1, stages + 1)]
        ens = [None] * (stages + 1)
        ens[stages] = ~self.o.valid | self.o.ready
        for k in reversed(range(stages)):
            ens[k] = ~valid[k] | ens[k + 1]
        en1, en_out = ens[0], ens[stages]

        active = Signal()
        col, row = Signal(13), Signal(13)
        surface = Signal(range(8192 // A + 1))
        last_surface = self.cfg.channel >> lane_bits
        last_in = (col == self.cfg.width) & (row == self.cfg.height) & (surface == last_surface)
        accept = self.i.valid & self.i.ready
        m.d.comb += self.i.ready.eq(active & en1)

        with m.If(self.start & ~self.busy):
            m.d.sync += [active.eq(1), self.busy.eq(1), col.eq(0), row.eq(0), surface.eq(0)]
        with m.Elif(accept):
            with m.If(col != self.cfg.width):
                m.d.sync += col.eq(col + 1)
            with m.Else():
                m.d.sync += col.eq(0)
                with m.If(row != self.cfg.height):
                    m.d.sync += row.eq(row + 1)
                with m.Else():
                    m.d.sync += [row.eq(0), surface.eq(surface + 1)]
                    with m.If(last_in):
                        m.d.sync += active.eq(0)

        def lanes_of(surface_index):
            """Mask of the lanes holding real channels (index <= C - 1)."""
            return Cat(*[(surface_index * A + c) <= self.cfg.channel for c in range(A)])

        def popcount(bits):
            return sum(bits[n] for n in range(len(bits)))

        # Stage 1: the input atom, its lane mask and (read port) the surface's table rows.
        x1 = Signal(data.ArrayLayout(signed(32), A))
        mask1, last1 = Signal(A), Signal()
        for rd in tables.values():
            m.d.comb += [rd.addr.eq(surface), rd.en.eq(en1)]
        with m.If(en1):
            m.d.sync += [valid[0].eq(accept), x1.eq(self.i.p), mask1.eq(lanes_of(surface)),
                         last1.eq(last_in)]
        rows = {op: data.View(data.ArrayLayout(signed(16), A), tables[op].data)
                for op in SDPOperand}
        # The table rows are valid in stage 2 only: the later stages' operands are carried along.
        ops = {op: [Mux(getattr(self.cfg, f"{prefix}_{kind}_src"), rows[op][c],
                        getattr(self.cfg, f"{prefix}_{kind}_operand")) for c in range(A)]
               for op, prefix, kind in ((SDPOperand.ALU, "bs", "alu"),
                                        (SDPOperand.MUL, "bs", "mul"),
                                        (SDPOperand.BN_ALU, "bn", "alu"),
                                        (SDPOperand.BN_MUL, "bn", "mul"))}

        state = {"x": x1, "mask": mask1, "last": last1, "valid": valid[0], "ops": ops}
        sats = {"alu": [], "mul": []}

        def advance(k, values, name):
            """Stage ``k + 1``'s registers: ``values`` (per lane), the mask, last, valid and the
            operands the later stages use."""
            en = ens[k]
            x = Signal(data.ArrayLayout(signed(32), A), name=f"{name}_x")
            mask, last = Signal(A, name=f"{name}_mask"), Signal(name=f"{name}_last")
            carried = {}
            for op, lanes in state["ops"].items():
                reg = Signal(data.ArrayLayout(signed(16), A), name=f"{name}_{op.name.lower()}")
                with m.If(en):
                    m.d.sync += [reg[c].eq(lanes[c]) for c in range(A)]
                carried[op] = [reg[c] for c in range(A)]
            with m.If(en):
                m.d.sync += [x[c].eq(values[c]) for c in range(A)]
                m.d.sync += [valid[k].eq(state["valid"]), mask.eq(state["mask"]),
                             last.eq(state["last"])]
            state.update(x=x, mask=mask, last=last, valid=valid[k], ops=carried)

        def alu_step(k, prefix, operand):
            cfg = self.cfg
            on = ~getattr(cfg, f"{prefix}_bypass") & ~getattr(cfg, f"{prefix}_alu_bypass")
            out, lane_sats = [], []
            for c in range(A):
                shifted = Signal(signed(16 + 63), name=f"{prefix}_alu_operand_{c}")
                m.d.comb += shifted.eq(state["ops"][operand][c]
                                       << getattr(cfg, f"{prefix}_alu_shift_value"))
                x = state["x"][c]
                result = Signal(signed(16 + 63 + 1), name=f"{prefix}_alu_result_{c}")
                with m.Switch(AluAlgo(getattr(cfg, f"{prefix}_alu_algo"))):
                    with m.Case(AluAlgo.MAX):
                        m.d.comb += result.eq(Mux(x > shifted, x, shifted))
                    with m.Case(AluAlgo.MIN):
                        m.d.comb += result.eq(Mux(x < shifted, x, shifted))
                    with m.Default():
                        m.d.comb += result.eq(x + shifted)
                clamped, sat = _saturate(result, 32)
                lane_sats.append(sat & on & state["mask"][c])
                out.append(Mux(on, clamped, x))
            sats["alu"].append((ens[k] & state["valid"], Cat(*lane_sats)))
            del state["ops"][operand]                   # used up: not carried further
            advance(k, out, f"{prefix}_alu")

        def mul_step(k, prefix, operand):
            # NVDLA's shifter follows the multiplier even when the multiplier is bypassed: the
            # stage then truncates x by MUL_SHIFT_VALUE (rounding) unless the whole stage is off.
            cfg = self.cfg
            stage_on = ~getattr(cfg, f"{prefix}_bypass")
            mul_off = getattr(cfg, f"{prefix}_mul_bypass")
            relu_on = stage_on & ~getattr(cfg, f"{prefix}_relu_bypass")
            out, lane_sats = [], []
            for c in range(A):
                a = state["x"][c]
                product = Signal(signed(48), name=f"{prefix}_mul_product_{c}")
                m.d.comb += product.eq(a * Mux(mul_off, 1, state["ops"][operand][c]))
                scaled = _round_shift(m, product, getattr(cfg, f"{prefix}_mul_shift_value"),
                                      name=f"{prefix}_mul_{c}")
                clamped, sat = _saturate(scaled, 32)
                scale_it = stage_on & (mul_off | ~getattr(cfg, f"{prefix}_mul_prelu") | (a < 0))
                lane_sats.append(sat & scale_it & state["mask"][c])
                value = Signal(signed(32), name=f"{prefix}_mul_value_{c}")
                m.d.comb += value.eq(Mux(scale_it, clamped, a))
                out.append(Mux(relu_on & (value < 0), 0, value))
            sats["mul"].append((ens[k] & state["valid"], Cat(*lane_sats)))
            del state["ops"][operand]
            advance(k, out, f"{prefix}_mul")

        alu_step(1, "bs", SDPOperand.ALU)
        mul_step(2, "bs", SDPOperand.MUL)
        alu_step(3, "bn", SDPOperand.BN_ALU)
        mul_step(4, "bn", SDPOperand.BN_MUL)

        # Output converter into the output register.
        last_out = Signal()
        out_sats = []
        r, mask = state["x"], state["mask"]
        for c in range(A):
            product = Signal(signed(33 + 16), name=f"cvt_product_{c}")
            m.d.comb += product.eq((r[c] - self.cfg.cvt_offset) * self.cfg.cvt_scale)
            converted = _round_shift(m, product, self.cfg.cvt_shift, name=f"cvt_{c}")
            clamped, sat = _saturate(converted, 8)
            out_sats.append(sat & mask[c])
            with m.If(en_out):
                m.d.sync += self.o.p[c].eq(clamped)
        with m.If(en_out):
            m.d.sync += [self.o.valid.eq(state["valid"]), last_out.eq(state["last"])]

        # Completion and counters.
        m.d.comb += self.done.eq(self.o.valid & self.o.ready & last_out)
        with m.If(self.done):
            m.d.sync += self.busy.eq(0)
        counters = ((self.alu_saturation, sats["alu"]), (self.mul_saturation, sats["mul"]),
                    (self.out_saturation, [(en_out & state["valid"], Cat(*out_sats))]))
        for counter, events in counters:
            with m.If(self.start & ~self.busy):
                m.d.sync += counter.eq(0)
            with m.Else():
                m.d.sync += counter.eq(counter + sum(Mux(load, popcount(bits), 0)
                                                     for load, bits in events))
        with m.If(self.start & ~self.busy):
            m.d.sync += self.stall_cycles.eq(0)
        with m.Elif(self.o.valid & ~self.o.ready):
            m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
        return m
