"""The tile's convolution buffer (NVDLA's CBUF): banked SRAM shared by features and weights.

Place in the pipeline: CDMA -> **CBUF** -> CSC. CDMA writes feature and weight atoms; CSC reads one
feature atom and one weight atom per cycle. Software splits the banks with ``D_BANK``: banks
``0 .. DATA_BANK`` hold features, the next ``WEIGHT_BANK + 1`` banks hold weights.
"""

from amaranth import *
from amaranth.lib import data, memory, wiring
from amaranth.lib.wiring import In, Out

__all__ = [
    "CBUF",
]


class CBUF(wiring.Component):
    """``banks`` x ``bank_bytes`` of SRAM in entries of one atom (AtomC int8 values).

    Addresses are flat entry numbers: entry ``a`` lives in bank ``a // depth`` at row ``a % depth``
    (``depth = bank_bytes // atom_c``, 512 in nv_small). Features start at entry 0 and weights at
    ``(DATA_BANK + 1) * depth``; the clients (CDMA, CSC) compute those addresses, CBUF only routes
    them to banks. Every bank is a 1W1R ``lib.memory.Memory``: its read port serves whichever reader
    addresses that bank, so the feature and weight reads never collide while each stays in its
    own banks (if both address one bank in the same cycle, the weight read wins and the feature
    read returns that bank's weight row).

    Parameters
    ----------
    atom_c : int
        Bytes per entry (AtomC); a power of two, 4-32.
    banks : int
        Banks (``TileConfig.cbuf_banks``), 2-32.
    bank_bytes : int
        Bytes per bank (``TileConfig.cbuf_bank_bytes``); a power of two, a multiple of ``atom_c``.

    Members
    -------
    w : Out(memory.WritePort.Signature(addr_width, ArrayLayout(signed(8), atom_c)))
        Write port (CDMA): ``w.en`` writes ``w.data`` to entry ``w.addr`` at the clock edge.
    dat : Out(memory.ReadPort.Signature(addr_width, ArrayLayout(signed(8), atom_c)))
        Feature read port (CSC): ``dat.data`` holds entry ``dat.addr`` one cycle after ``dat.en``.
    wt : Out(memory.ReadPort.Signature(...))
        Weight read port (CSC), same timing.

    Latency: 1 cycle for reads (synchronous SRAM, output muxed by the bank registered at the read);
    a read in the cycle after a write to the same entry sees the new value (reads are not
    transparent within the write's own cycle). Throughput: one write and two reads per cycle.
    Resources: ``banks`` 1W1R SRAMs of ``depth`` x ``8 * atom_c`` bits.
    """

    latency = 1

    def __init__(self, *, atom_c=8, banks=32, bank_bytes=4096):
        for name, value in (("atom_c", atom_c), ("banks", banks), ("bank_bytes", bank_bytes)):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, not {value!r}")
        if atom_c not in (4, 8, 16, 32):
            raise ValueError(f"atom_c must be 4, 8, 16 or 32, not {atom_c!r}")
        if not 2 <= banks <= 32:
            raise ValueError(f"banks must be 2..32, not {banks!r}")
        if bank_bytes & (bank_bytes - 1) or bank_bytes < 2 * atom_c:
            raise ValueError(f"bank_bytes must be a power of two of at least two atoms, not "
                             f"{bank_bytes!r}")
        self._atom_c, self._banks, self._bank_bytes = atom_c, banks, bank_bytes
        atom = data.ArrayLayout(signed(8), atom_c)
        aw = self.addr_width
        super().__init__({
            "w": Out(memory.WritePort.Signature(addr_width=aw, shape=atom)),
            "dat": Out(memory.ReadPort.Signature(addr_width=aw, shape=atom)),
            "wt": Out(memory.ReadPort.Signature(addr_width=aw, shape=atom)),
        })

    @property
    def atom_c(self):
        return self._atom_c

    @property
    def banks(self):
        return self._banks

    @property
    def depth(self):
        """Entries per bank."""
        return self._bank_bytes // self._atom_c

    @property
    def entries(self):
        return self._banks * self.depth

    @property
    def addr_width(self):
        return (self.entries - 1).bit_length()

    def elaborate(self, platform):
        m = Module()
        row_bits = (self.depth - 1).bit_length()
        atom = data.ArrayLayout(signed(8), self._atom_c)

        def bank_of(addr):
            return addr[row_bits:]

        dat_bank = Signal(range(self._banks))
        wt_bank = Signal(range(self._banks))
        with m.If(self.dat.en):
            m.d.sync += dat_bank.eq(bank_of(self.dat.addr))
        with m.If(self.wt.en):
            m.d.sync += wt_bank.eq(bank_of(self.wt.addr))

        rows = []
        for n in range(self._banks):
            mem = memory.Memory(shape=atom, depth=self.depth, init=[])
            m.submodules[f"bank_{n}"] = mem
            w_port = mem.write_port()
            r_port = mem.read_port()
            wt_hit = self.wt.en & (bank_of(self.wt.addr) == n)
            dat_hit = self.dat.en & (bank_of(self.dat.addr) == n)
            m.d.comb += [
                w_port.addr.eq(self.w.addr[:row_bits]),
                w_port.data.eq(self.w.data),
                w_port.en.eq(self.w.en & (bank_of(self.w.addr) == n)),
                r_port.addr.eq(Mux(wt_hit, self.wt.addr[:row_bits], self.dat.addr[:row_bits])),
                r_port.en.eq(wt_hit | dat_hit),
            ]
            rows.append(r_port.data.as_value())

        m.d.comb += [
            self.dat.data.eq(Array(rows)[dat_bank]),
            self.wt.data.eq(Array(rows)[wt_bank]),
        ]
        return m
