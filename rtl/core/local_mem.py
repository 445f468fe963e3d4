"""Local (shared) memory: the core's banked SRAM behind the local-memory window.

Place in the pipeline: X's lane addresses and formatted store data -> the LSU (``lsu.py``) ->
**LocalMem** (one round per cycle) -> the read words, a cycle later, -> the LSU's load collector.
"""

from amaranth import *
from amaranth.lib import data, memory, wiring
from amaranth.lib.wiring import In, Out

from ..common.checks import check_config

__all__ = [
    "LocalMem",
]


class LocalMem(wiring.Component):
    """``derive().lmem_banks`` banks of ``derive().lmem_bank_words`` 32-bit words, each a
    ``lib.memory.Memory`` with one read and one write port (byte enables). Word ``w`` of the window
    (``(addr - LMEM_BASE) / 4``; the address bits above the window are ignored) lies in bank
    ``w % banks`` at row ``w // banks``.

    A *round* serves, in every bank, the lowest pending lane's word: for a load also every other
    pending lane that reaches that same word (a broadcast); a store writes that one lane's bytes
    (lanes storing to one word take a round each, lowest first, so the highest lane wins a byte
    they share, as in the golden model's lane order). Lanes that reach a bank at another word wait
    for a later round: a load needs as many rounds (cycles) as the largest number of distinct
    words any one bank holds among its lanes, a store as many as the most lanes in one bank.

    Parameters
    ----------
    config : SimtConfig
        Threads, ``lmem_log_size`` and the banks (``derive()``).

    Members
    -------
    valid : In(1)
        Perform the round this cycle (read or write the banks).
    write : In(1)
        The round stores (else it loads).
    pending : In(threads)
        Lanes still to serve (inside the window).
    addr : In(ArrayLayout(32, threads))
    wdata : In(ArrayLayout(32, threads))
        Each lane's store word, already on its byte lanes (``StoreFormat.data``).
    wbe : In(ArrayLayout(4, threads))
        Each lane's byte enables (``StoreFormat.be``).
    lanes : Out(threads)
        The pending lanes this round serves (combinational from ``pending`` and ``addr``).
    rdata : Out(ArrayLayout(32, threads))
        The word each lane served by the previous cycle's load round read.

    Latency: ``lanes`` combinational; a load round's words one cycle later; a store is in the banks
    the cycle after its round (a load round then reads it). Throughput: one round per cycle.

    Raises
    ------
    TypeError
        ``config`` is not a SimtConfig.
    """

    def __init__(self, config):
        self._config = check_config("LocalMem", config)
        self._derived = config.derive()
        T = config.threads
        lanes = data.ArrayLayout(32, T)
        super().__init__({
            "valid": In(1),
            "write": In(1),
            "pending": In(T),
            "addr": In(lanes),
            "wdata": In(lanes),
            "wbe": In(data.ArrayLayout(4, T)),
            "lanes": Out(T),
            "rdata": Out(lanes),
        })

    def elaborate(self, platform):
        m = Module()
        cfg, derived = self._config, self._derived
        T, B = cfg.threads, derived.lmem_banks
        bank_bits = (B - 1).bit_length()
        row_bits = (derived.lmem_bank_words - 1).bit_length()
        word_lo = 2 + bank_bits

        def bank_of(lane):
            return self.addr[lane][2:word_lo] if bank_bits else C(0, 1)

        def row_of(lane):
            return self.addr[lane][word_lo:word_lo + row_bits] if row_bits else C(0, 1)

        bank_sel = [Signal(max(bank_bits, 1), name=f"bank_sel_{lane}") for lane in range(T)]
        read_ports, served_any = [], []
        for b in range(B):
            mem = memory.Memory(shape=32, depth=derived.lmem_bank_words, init=[])
            m.submodules[f"bank_{b}"] = mem
            rd = mem.read_port(domain="sync")
            wr = mem.write_port(granularity=8)
            read_ports.append(rd)

            # The lowest pending lane in this bank chooses the bank's row for the round; a load
            # serves every pending lane at that row, a store that lane alone (no byte merging:
            # lanes storing to one word take a round each, in lane order, so the highest wins).
            in_bank = [Signal(name=f"bank_{b}_lane_{lane}") for lane in range(T)]
            row = Signal(max(row_bits, 1), name=f"bank_{b}_row")
            first = Signal(range(T), name=f"bank_{b}_first")
            for lane in range(T):
                m.d.comb += in_bank[lane].eq(self.pending[lane] & (bank_of(lane) == b))
            for lane in reversed(range(T)):
                with m.If(in_bank[lane]):
                    m.d.comb += [row.eq(row_of(lane)), first.eq(lane)]
            served = [Signal(name=f"bank_{b}_served_{lane}") for lane in range(T)]
            for lane in range(T):
                m.d.comb += served[lane].eq(in_bank[lane] & Mux(self.write, first == lane,
                                                                row_of(lane) == row))
            busy = Cat(*in_bank).any()
            m.d.comb += [rd.addr.eq(row), wr.addr.eq(row),
                         rd.en.eq(self.valid & ~self.write & busy),
                         wr.data.eq(self.wdata[first]),
                         wr.en.eq(Mux(self.valid & self.write & busy, self.wbe[first], 0))]
            served_any.append(Cat(*served))

        lanes = 0
        for vector in served_any:        # a lane is in one bank: at most one vector has its bit
            lanes = lanes | vector
        m.d.comb += self.lanes.eq(lanes)

        # Each lane takes, a cycle later, the word of the bank it read.
        words = Array(rd.data for rd in read_ports)
        with m.If(self.valid & ~self.write):
            for lane in range(T):
                m.d.sync += bank_sel[lane].eq(bank_of(lane))
        for lane in range(T):
            m.d.comb += self.rdata[lane].eq(words[bank_sel[lane]])
        return m
