"""The tile's planar data processor (NVDLA's PDP): max, min and average pooling of int8 atoms.

Place in the pipeline: SDP (on the fly) or PDP_RDMA (``rtl/tile/rdma.py``, from memory) -> **PDP**
-> write DMA. The result is bit exact with ``simtlab.sim.tile_ref.pool2d``.
"""

from amaranth import *
from amaranth.lib import data, enum, stream, wiring
from amaranth.lib.memory import Memory
from amaranth.lib.wiring import In, Out

from ...spec.tile_limits import PDP_MAX_KERNEL
from .layouts import unit_config

__all__ = [
    "PoolingMethod",
    "PDP",
]

#: Bits of a row partial (a kernel row): 8 x a 19-bit padding value.
_ROW_BITS = 22
#: Bits of a window sum: 8 row partials.
_SUM_BITS = 25


def _round_shift(m, value, shift, name):
    """``value >> shift`` rounded half away from zero (``tile_ref.round_shift``), combinational."""
    magnitude = Signal(len(value), name=f"{name}_magnitude")
    m.d.comb += magnitude.eq(Mux(value < 0, -value, value))
    rounded = Signal(len(value) - shift + 1, name=f"{name}_rounded")
    m.d.comb += rounded.eq((magnitude + (1 << (shift - 1))) >> shift)
    return Mux(value < 0, -rounded, rounded)


class PoolingMethod(enum.Enum, shape=2):
    """``D_OPERATION_MODE_CFG.POOLING_METHOD``."""
    #: mean through the reciprocal registers, padded positions counted as the padding value
    AVERAGE = 0
    #: maximum of the real elements
    MAX = 1
    #: minimum of the real elements
    MIN = 2


class PDP(wiring.Component):
    """Pooling over int8 atoms in feature order, one input atom per cycle.

    Windows of ``kernel_width x kernel_height`` elements step by the strides over the input padded
    by ``pad_left/right/top/bottom``. Max and min look at real elements only (padding never wins);
    average sums the window with every padded position counted as ``pad_value_1x`` and multiplies by
    the reciprocal registers in NVDLA's two steps, rounding after each (half away from zero):
    ``y = int8_sat(round_shift(round_shift(sum * recip_kernel_width, 16) * recip_kernel_height,
    16))``. Lanes of a partial last surface (channel >= C) are pooled like the others (NVDLA
    writes what its datapath computes there).

    How it works: the input is pooled along each line first, then across lines. A walker steps over
    the virtual columns of each line (real columns consume an input atom; right-padding columns,
    only as many as the last window needs, cost a cycle each; left padding costs nothing: the
    8-entry row window is refilled with padding markers at each line start) and, whenever a window
    ends, emits a *row partial* (per lane: the max/min of the real elements, or the padded sum).
    Row partials go to 8 line-buffer banks (bank = line mod 8, entry = output column). When the line
    that ends a window of output row ``oy`` arrives, its row partials are combined with those of the
    ``kernel_height - 1`` lines before it read from the banks; lines above the input (top padding)
    or below it count as padding analytically. Bottom-padding lines that end a window are walked
    without input (a line's worth of cycles each); the others are skipped.

    Parameters
    ----------
    atom : int
        Channels per atom (AtomK of the stream from SDP, equal to the memory atom AtomC for
        PDP_RDMA; 8 in nv_small), a power of two from 2 to 64.
    max_width : int
        Line-buffer entries: the largest output width ``cube_out_width + 1`` (1-4096). The input
        width itself is only limited by the 13-bit fields; the driver must check the output width
        (or split the layer in width, NVDLA's ``SPLIT_NUM``, which simtlab does not implement).

    Members
    -------
    i : In(stream.Signature(ArrayLayout(signed(8), atom)))
        Input atoms (W x H x ceil(C/atom), feature order), with backpressure.
    o : Out(stream.Signature(ArrayLayout(signed(8), atom)))
        Pooled atoms (Wo x Ho x ceil(C/atom), feature order), with backpressure.
    start : In(1)
        Begin a layer (ignored while one runs); hold the configuration until ``done``.
    done : Out(1)
        High in the cycle the layer's last output atom is accepted on ``o``.
    busy : Out(1)
        From ``start`` to ``done``.
    walking : Out(1)
        The walker still takes (or waits for) input atoms of the layer: it can outlast ``done``
        when the last input lines end no window (they are consumed after the last output). A
        user that must know all input was taken (the tile's layer end) waits for it to fall.
    cfg : In(CONFIG)
        The PDP ``D_`` register fields this block reads (:attr:`CONFIG`): ``cube_in_width``,
        ``cube_in_height``, ``cube_in_channel``, ``cube_out_width``, ``cube_out_height``
        (``D_DATA_CUBE_IN_*``/``OUT_*``, N - 1; the output size must be ``(in + pads - kernel) //
        stride + 1`` in each dimension, the driver computes it); ``pooling_method``
        (:class:`PoolingMethod`); ``kernel_width``, ``kernel_height``, ``kernel_stride_width``,
        ``kernel_stride_height`` (``D_POOLING_KERNEL_CFG``, N - 1; simtlab supports 1-8);
        ``recip_kernel_width``, ``recip_kernel_height`` (``round(2**16 / k)``,
        ``tile_ref.pool_recip``); ``pad_left``, ``pad_top``, ``pad_right``, ``pad_bottom`` (0-7
        elements); ``pad_value_1x`` (the padding value of average pooling: NVDLA's
        ``PAD_VALUE_2X..7X`` carry only multiples of it, so PDP derives those itself). The
        addresses and the flying mode are the tile's and the DMAs'.
    stall_cycles : Out(32)
        Cycles in this layer with ``o.valid`` high and ``o.ready`` low.
    layer_cycles : Out(32)
        Cycles from ``start`` to ``done`` (``D_PERF_LAYER_CYCLES``, simtlab addition).

    Configurations ``tile_ref.pool2d`` rejects (a window made of padding only, a wrong output
    size) give undefined results and may never finish; the driver validates through the model.

    Latency: ``latency`` = 4 cycles from the cycle in which the input atom that completes a window
    is accepted to the cycle its output is offered on ``o`` (walker, line-buffer read, row combine,
    reciprocal multiply; each registered). Throughput: one input atom per cycle, plus one cycle per
    right-padding column a line's last window needs and one line walk per bottom-padding line
    that ends a window; output is at most one atom per cycle. ``i.ready`` depends combinationally
    on ``o.ready``.

    Resources: 8 memories of ``max_width`` x ``(22 * atom + 1)`` bits (one write and one read port
    each), an 8-atom row window in flops, per lane a 25 x 17-bit (width step) and a 28 x 17-bit
    (height step) multiplier, chained in the output stage.

    Raises
    ------
    TypeError, ValueError
        On a parameter of the wrong kind or value.
    """

    #: ``cfg``'s layout: the PDP register fields this block reads, named and sized by the
    #: register table (``layouts.unit_config``).
    CONFIG = unit_config("PDP",
                         reads=("cube_in_width", "cube_in_height", "cube_in_channel",
                                "cube_out_width", "cube_out_height", "pooling_method",
                                "kernel_width", "kernel_height", "kernel_stride_width",
                                "kernel_stride_height", "recip_kernel_width",
                                "recip_kernel_height", "pad_left", "pad_top", "pad_right",
                                "pad_bottom", "pad_value_1x"))

    latency = 4

    def __init__(self, *, atom=8, max_width=128):
        for name, value in (("atom", atom), ("max_width", max_width)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        if not 2 <= atom <= 64 or atom & (atom - 1):
            raise ValueError(f"atom must be a power of two from 2 to 64, not {atom!r}")
        if not 1 <= max_width <= 4096:
            raise ValueError(f"max_width must be from 1 to 4096, not {max_width!r}")
        self._atom, self._max_width = atom, max_width
        layout = data.ArrayLayout(signed(8), atom)
        super().__init__({
            "i": In(stream.Signature(layout)),
            "o": Out(stream.Signature(layout)),
            "start": In(1),
            "done": Out(1),
            "busy": Out(1),
            "walking": Out(1),
            "cfg": In(self.CONFIG),
            "stall_cycles": Out(32),
            "layer_cycles": Out(32),
        })

    @property
    def atom(self):
        return self._atom

    @property
    def max_width(self):
        return self._max_width

    def elaborate(self, platform):
        m = Module()
        A = self._atom
        lane_bits = (A - 1).bit_length()
        method = PoolingMethod(self.cfg.pooling_method)
        average = method == PoolingMethod.AVERAGE
        is_max = method == PoolingMethod.MAX
        pad_value = self.cfg.pad_value_1x
        row_layout = data.StructLayout({
            "value": data.ArrayLayout(signed(_ROW_BITS), A),
            "real": 1,
        })

        # Pipeline control: stage H (row partial from the walker), V1 (line-buffer read), V2
        # (window combined), O (output register). A stage loads when empty or when the next loads.
        valid_h, valid_v1, valid_v2 = Signal(), Signal(), Signal()
        en_o = ~self.o.valid | self.o.ready
        en_v2 = ~valid_v2 | en_o
        en_v1 = ~valid_v1 | en_v2
        en_h = ~valid_h | en_v1

        # --- Walker: steps over virtual columns of virtual lines, consuming real input atoms. ---
        active = Signal()
        surface = Signal(range(8192 // A + 1))
        y = Signal(14)              # line (>= H: bottom padding)
        x = Signal(14)              # column (>= W: right padding)
        ox, oy = Signal(14), Signal(14)
        x_end = Signal(14)          # column that ends window ox
        y_end = Signal(14)          # line that ends window row oy
        h_done, v_done = Signal(), Signal()
        window = Signal(data.ArrayLayout(data.StructLayout({
            "data": data.ArrayLayout(signed(8), A), "real": 1}), PDP_MAX_KERNEL))

        m.d.comb += self.walking.eq(active)
        need_input = (y <= self.cfg.cube_in_height) & (x <= self.cfg.cube_in_width)
        step = Signal()
        m.d.comb += [
            self.i.ready.eq(active & en_h & need_input),
            step.eq(active & en_h & (~need_input | self.i.valid)),
        ]
        # The window after this step: the incoming column (an atom or a padding marker) in front.
        shifted = Signal.like(window)
        m.d.comb += [shifted[0].data.eq(Mux(need_input, self.i.p, 0)), shifted[0].real.eq(need_input)]
        m.d.comb += [shifted[j].eq(window[j - 1]) for j in range(1, PDP_MAX_KERNEL)]

        h_emit = (x == x_end) & ~h_done
        ox_last = ox == self.cfg.cube_out_width
        oy_last = oy == self.cfg.cube_out_height
        last_surface = surface == (self.cfg.cube_in_channel >> lane_bits)
        v_emit = (y == y_end) & ~v_done
        row_end = (x >= self.cfg.cube_in_width) & (h_done | (h_emit & ox_last))

        # Row partial of the window ending here (combinational, over the shifted window).
        partial = Signal(row_layout)
        in_kernel = [j <= self.cfg.kernel_width for j in range(PDP_MAX_KERNEL)]
        m.d.comb += partial.real.eq(Cat(*[in_kernel[j] & shifted[j].real
                                          for j in range(PDP_MAX_KERNEL)]).any())
        for c in range(A):
            best = Signal(signed(9), name=f"h_best_{c}")
            total = Signal(signed(_ROW_BITS), name=f"h_sum_{c}")
            terms, best_expr = [], None
            for j in range(PDP_MAX_KERNEL):
                value = shifted[j].data[c]
                use = in_kernel[j] & shifted[j].real
                terms.append(Mux(in_kernel[j], Mux(shifted[j].real, value, pad_value), 0))
                step_best = Signal(signed(9), name=f"h_best_{c}_{j}")
                if best_expr is None:
                    m.d.comb += step_best.eq(Mux(use, value, Mux(is_max, -128, 127)))
                else:
                    better = Mux(is_max, value > best_expr, value < best_expr)
                    m.d.comb += step_best.eq(Mux(use & better, value, best_expr))
                best_expr = step_best
            m.d.comb += [best.eq(best_expr), total.eq(sum(terms))]
            m.d.comb += partial.value[c].eq(Mux(average, total, best))

        # Stage H registers.
        h_item = Signal(row_layout)
        h_ox, h_y = Signal(14), Signal(14)
        h_surface = Signal.like(surface)
        h_write, h_vemit, h_last = Signal(), Signal(), Signal()
        with m.If(en_h):
            m.d.sync += [
                valid_h.eq(step & h_emit),
                h_item.eq(partial),
                h_ox.eq(ox),
                h_y.eq(y),
                h_surface.eq(surface),
                h_write.eq(y <= self.cfg.cube_in_height),
                h_vemit.eq(v_emit),
                h_last.eq(v_emit & oy_last & ox_last & last_surface),
            ]

        # Walker state update.
        def new_line():
            m.d.sync += [x.eq(0), ox.eq(0), x_end.eq(self.cfg.kernel_width - self.cfg.pad_left),
                         h_done.eq(0)]
            m.d.sync += [window[j].real.eq(0) for j in range(PDP_MAX_KERNEL)]

        def new_surface():
            new_line()
            m.d.sync += [y.eq(0), oy.eq(0), y_end.eq(self.cfg.kernel_height - self.cfg.pad_top),
                         v_done.eq(0)]

        with m.If(self.start & ~self.busy):
            m.d.sync += [active.eq(1), self.busy.eq(1), surface.eq(0)]
            new_surface()
        with m.Elif(step):
            with m.If(row_end):
                new_line()
                v_done_next = v_done | (v_emit & oy_last)
                y_end_next = Mux(v_emit, y_end + self.cfg.kernel_stride_height + 1, y_end)
                with m.If(v_emit):
                    m.d.sync += [oy.eq(oy + 1), y_end.eq(y_end_next)]
                    with m.If(oy_last):
                        m.d.sync += v_done.eq(1)
                with m.If(y < self.cfg.cube_in_height):
                    m.d.sync += y.eq(y + 1)
                with m.Elif(~v_done_next):
                    m.d.sync += y.eq(y_end_next)          # skip bottom padding lines
                with m.Elif(last_surface):
                    m.d.sync += active.eq(0)
                with m.Else():
                    m.d.sync += surface.eq(surface + 1)
                    new_surface()
            with m.Else():
                m.d.sync += [x.eq(x + 1), window.eq(shifted)]
                with m.If(h_emit):
                    m.d.sync += [ox.eq(ox + 1), x_end.eq(x_end + self.cfg.kernel_stride_width + 1)]
                    with m.If(ox_last):
                        m.d.sync += h_done.eq(1)

        # --- V1: write the row partial to its bank, read the other banks' partials. ---
        bank_data = []
        for b in range(PDP_MAX_KERNEL):
            mem = Memory(shape=row_layout, depth=self._max_width, init=[])
            m.submodules[f"line_{b}"] = mem
            wr = mem.write_port()
            rd = mem.read_port()
            m.d.comb += [
                wr.addr.eq(h_ox), wr.data.eq(h_item),
                wr.en.eq(en_v1 & valid_h & h_write & (h_y[:3] == b)),
                rd.addr.eq(h_ox), rd.en.eq(en_v1),
            ]
            bank_data.append(rd.data)
        v1_item = Signal(row_layout)
        v1_y = Signal(14)
        v1_surface = Signal.like(surface)
        v1_last = Signal()
        with m.If(en_v1):
            m.d.sync += [valid_v1.eq(valid_h & h_vemit), v1_item.eq(h_item), v1_y.eq(h_y),
                         v1_surface.eq(h_surface), v1_last.eq(h_last)]

        # --- V2: combine the kernel_height lines ending at line v1_y. ---
        # Bank b holds line v1_y - j with j = (v1_y - b) mod 8; j = 0 is the current line itself.
        pad_line = Signal(signed(_ROW_BITS))
        m.d.comb += pad_line.eq(pad_value * (self.cfg.kernel_width + 1))
        v2_value = Signal(data.ArrayLayout(signed(_SUM_BITS), A))
        v2_surface = Signal.like(surface)
        v2_last = Signal()
        rows = []       # (in window, is padding, real, value) per source
        rows.append((Const(1), Const(0), v1_item.real, v1_item.value))
        for b in range(PDP_MAX_KERNEL):
            j = Signal(3, name=f"v_age_{b}")
            m.d.comb += j.eq(v1_y - b)
            in_window = Signal(name=f"v_in_window_{b}")
            is_pad = Signal(name=f"v_is_pad_{b}")
            m.d.comb += [in_window.eq((j != 0) & (j <= self.cfg.kernel_height)),
                         is_pad.eq((v1_y < j) | (v1_y - j > self.cfg.cube_in_height))]
            rows.append((in_window, is_pad, bank_data[b].real, bank_data[b].value))
        for c in range(A):
            total = sum(Mux(in_window, Mux(is_pad, pad_line, value[c]), 0)
                        for in_window, is_pad, _, value in rows)
            best_expr = None
            for n, (in_window, is_pad, real, value) in enumerate(rows):
                use = in_window & ~is_pad & real
                step_best = Signal(signed(9), name=f"v_best_{c}_{n}")
                if best_expr is None:
                    m.d.comb += step_best.eq(Mux(use, value[c], Mux(is_max, -128, 127)))
                else:
                    better = Mux(is_max, value[c] > best_expr, value[c] < best_expr)
                    m.d.comb += step_best.eq(Mux(use & better, value[c], best_expr))
                best_expr = step_best
            with m.If(en_v2):
                m.d.sync += v2_value[c].eq(Mux(average, total, best_expr))
        with m.If(en_v2):
            m.d.sync += [valid_v2.eq(valid_v1), v2_surface.eq(v1_surface), v2_last.eq(v1_last)]

        # --- O: average through the reciprocals, NVDLA's two steps (width, then height), each
        # rounding half away from zero to an integer; then saturate. ---
        o_last = Signal()
        for c in range(A):
            width_product = Signal(signed(_SUM_BITS + 18), name=f"avg_w_product_{c}")
            m.d.comb += width_product.eq(v2_value[c] * self.cfg.recip_kernel_width)
            width_mean = Signal(signed(_SUM_BITS + 3), name=f"avg_w_mean_{c}")
            m.d.comb += width_mean.eq(_round_shift(m, width_product, 16, f"avg_w_{c}"))
            height_product = Signal(signed(_SUM_BITS + 21), name=f"avg_h_product_{c}")
            m.d.comb += height_product.eq(width_mean * self.cfg.recip_kernel_height)
            mean = Signal(signed(_SUM_BITS + 5), name=f"avg_mean_{c}")
            m.d.comb += mean.eq(_round_shift(m, height_product, 16, f"avg_h_{c}"))
            clamped = Mux(mean > 127, 127, Mux(mean < -128, -128, mean))
            with m.If(en_o):
                m.d.sync += self.o.p[c].eq(Mux(average, clamped, v2_value[c]))
        with m.If(en_o):
            m.d.sync += [self.o.valid.eq(valid_v2), o_last.eq(v2_last)]

        # --- Completion and counters. ---
        m.d.comb += self.done.eq(self.o.valid & self.o.ready & o_last)
        with m.If(self.done):
            m.d.sync += self.busy.eq(0)
        with m.If(self.start & ~self.busy):
            m.d.sync += [self.stall_cycles.eq(0), self.layer_cycles.eq(0)]
        with m.Else():
            with m.If(self.o.valid & ~self.o.ready):
                m.d.sync += self.stall_cycles.eq(self.stall_cycles + 1)
            with m.If(self.busy):
                m.d.sync += self.layer_cycles.eq(self.layer_cycles + 1)
        return m
