"""drivers.elf: loading ELF files into the memory map, and every way a file can be rejected."""

import struct

import pytest
from elftools.elf.elffile import ELFFile

from simtlab.config import SimtConfig
from simtlab.drivers.elf import Program, load_elf, write_program
from simtlab.errors import ElfError
from simtlab.kernels.catalog import EXAMPLES
from simtlab.kernels.compile import ISA_DIR, compile_kernel
from simtlab.spec.memory import MemoryMap

CONFIG = SimtConfig(name="test")

BSS_SOURCE = r'''
#include "simtlab.h"
static volatile uint32_t table[256];           /* .bss: 1 KiB of zeros */
static volatile uint32_t seeded[4] = {1, 2, 3, 4};   /* .data */
int main(void) { table[3] = seeded[2]; return 0; }
'''


@pytest.fixture(scope="module")
def kernel_path():
    return compile_kernel(EXAMPLES["vecadd"].source, CONFIG)


@pytest.fixture(scope="module")
def kernel_bytes(kernel_path):
    return kernel_path.read_bytes()


def phdrs(data):
    """(file offset of each program header, p_type) of a 32-bit little-endian ELF."""
    phoff, = struct.unpack_from("<I", data, 28)
    phentsize, phnum = struct.unpack_from("<HH", data, 42)
    return [(phoff + i * phentsize, struct.unpack_from("<I", data, phoff + i * phentsize)[0])
            for i in range(phnum)]


def patched(data, offset, fmt, value):
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


# -- good files ---------------------------------------------------------------------------------------

def test_load_kernel(kernel_path, kernel_bytes):
    program = load_elf(kernel_path, CONFIG)
    assert isinstance(program, Program)
    assert program.path == kernel_path
    assert program.entry == MemoryMap.CODE_BASE == program.symbols["_start"]
    assert program.tohost is None
    assert [a for a, _ in program.segments] == sorted(a for a, _ in program.segments)
    # the first bytes are exactly the ELF's .text
    elf = ELFFile(open(kernel_path, "rb"))
    text = elf.get_section_by_name(".text")
    first_addr, first = program.segments[0]
    assert first_addr == text["sh_addr"]
    assert first[:text["sh_size"]] == text.data()
    # loading from bytes or a str path gives the same program
    same = load_elf(kernel_bytes, CONFIG)
    assert same.path is None and same.entry == program.entry and same.segments == program.segments
    assert load_elf(str(kernel_path), CONFIG).segments == program.segments
    assert "entry=0x80000000" in repr(program)


def test_bss_is_zero_filled():
    program = load_elf(compile_kernel(BSS_SOURCE, CONFIG), CONFIG)
    start, end = program.symbol("__bss_start"), program.symbol("__bss_end")
    assert end - start >= 1024
    seg = [(a, d) for a, d in program.segments if a <= start and end <= a + len(d)]
    assert seg, "the .bss range is covered by a loaded segment"
    addr, data = seg[0]
    assert data[start - addr:end - addr] == bytes(end - start)
    seeded = program.symbol("seeded")
    assert struct.unpack_from("<4I", data, seeded - addr) == (1, 2, 3, 4)
    # memsz > filesz in the file: the zeros are not stored there
    elf = ELFFile(open(compile_kernel(BSS_SOURCE, CONFIG), "rb"))
    assert any(s["p_type"] == "PT_LOAD" and s["p_memsz"] > s["p_filesz"] for s in elf.iter_segments())


def test_isa_program_has_tohost():
    program = load_elf(compile_kernel(ISA_DIR / "alu_reg.S", CONFIG, runtime=False), CONFIG)
    assert program.tohost == program.symbols["tohost"]
    assert program.tohost % 4 == 0
    with pytest.raises(ElfError, match="no symbol 'missing'"):
        program.symbol("missing")


class RecordingBackend:
    def __init__(self):
        self.writes, self.tohost = [], "unset"

    def write_mem(self, addr, data):
        self.writes.append((addr, bytes(data)))

    def set_tohost(self, addr):
        self.tohost = addr


def test_write_program(kernel_path):
    program = load_elf(kernel_path, CONFIG)
    backend = RecordingBackend()
    assert write_program(backend, program) == program.entry
    assert backend.writes == program.segments
    assert backend.tohost == "unset"       # a kernel has no tohost: nothing to watch

    isa = load_elf(compile_kernel(ISA_DIR / "csr.S", CONFIG, runtime=False), CONFIG)
    backend = RecordingBackend()
    write_program(backend, isa)
    assert backend.tohost == isa.tohost

    class Minimal:                         # set_tohost is optional
        def __init__(self):
            self.n = 0

        def write_mem(self, addr, data):
            self.n += 1
    minimal = Minimal()
    write_program(minimal, isa)
    assert minimal.n == len(isa.segments)


# -- rejected files -----------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(ElfError, match=r"nope\.elf: no such file"):
        load_elf(tmp_path / "nope.elf", CONFIG)


def test_directory(tmp_path):
    with pytest.raises(ElfError, match="directory"):
        load_elf(tmp_path, CONFIG)


@pytest.mark.parametrize("data", [b"", b"hello world, not an ELF" * 4, b"\x7fELG" + bytes(60)])
def test_not_an_elf(data):
    with pytest.raises(ElfError, match="not an ELF file.*bad magic"):
        load_elf(data, CONFIG)


def test_not_32_bit(kernel_bytes):
    with pytest.raises(ElfError, match="not a 32-bit ELF.*64-bit"):
        load_elf(patched(kernel_bytes, 4, "B", 2), CONFIG)


def test_not_little_endian(kernel_bytes):
    with pytest.raises(ElfError, match="not a little-endian ELF.*big-endian"):
        load_elf(patched(kernel_bytes, 5, "B", 2), CONFIG)


def test_not_riscv(kernel_bytes):
    with pytest.raises(ElfError, match="not a RISC-V ELF.*243"):
        load_elf(patched(kernel_bytes, 18, "<H", 62), CONFIG)      # EM_X86_64


def test_not_an_executable(kernel_bytes):
    with pytest.raises(ElfError, match="not an executable.*ET_REL"):
        load_elf(patched(kernel_bytes, 16, "<H", 1), CONFIG)       # ET_REL


@pytest.mark.parametrize("length", [20, 51, 60, 200])
def test_truncated(kernel_bytes, length):
    with pytest.raises(ElfError, match="truncated|malformed"):
        load_elf(kernel_bytes[:length], CONFIG)


def test_truncated_segment_data(kernel_bytes):
    # keep the headers, cut the file in the middle of the code
    offset, _ = [p for p in phdrs(kernel_bytes) if p[1] == 1][0]
    p_offset, = struct.unpack_from("<I", kernel_bytes, offset + 4)
    with pytest.raises(ElfError, match="truncated"):
        load_elf(kernel_bytes[:p_offset + 8], CONFIG)


def test_malformed_program_header_table(kernel_bytes):
    with pytest.raises(ElfError, match="malformed|truncated"):
        load_elf(patched(kernel_bytes, 28, "<I", 0x7FFF_FFF0), CONFIG)   # e_phoff beyond the file


def test_filesz_larger_than_memsz(kernel_bytes):
    offset, _ = [p for p in phdrs(kernel_bytes) if p[1] == 1][0]
    filesz, = struct.unpack_from("<I", kernel_bytes, offset + 16)
    with pytest.raises(ElfError, match="malformed segment.*filesz"):
        load_elf(patched(kernel_bytes, offset + 20, "<I", filesz - 4), CONFIG)


@pytest.mark.parametrize("vaddr,where", [
    (MemoryMap.IO_BASE, "io region 'io'"),
    (0x0000_2000, "RAM regions: heap 0x00010000"),
    (MemoryMap.MMIO_BASE, "mmio region 'mmio'"),
    (MemoryMap.CODE_BASE + MemoryMap.CODE_SIZE - 8, "RAM regions"),     # runs off the end
])
def test_segment_outside_ram(kernel_bytes, vaddr, where):
    offset, _ = [p for p in phdrs(kernel_bytes) if p[1] == 1][0]
    bad = patched(kernel_bytes, offset + 8, "<I", vaddr)
    # 64 bytes of it (filesz = memsz), so that it fits wholly inside the small io region
    bad = patched(patched(bad, offset + 16, "<I", 64), offset + 20, "<I", 64)
    with pytest.raises(ElfError) as info:
        load_elf(bad, CONFIG)
    message = str(info.value)
    assert f"0x{vaddr:08x}-" in message
    assert where in message
    assert "code 0x80000000-0x8fffffff" in message


def test_no_loadable_segment(kernel_bytes):
    bad = kernel_bytes
    for offset, ptype in phdrs(kernel_bytes):
        if ptype == 1:
            bad = patched(bad, offset, "<I", 0)        # PT_NULL
    with pytest.raises(ElfError, match="no loadable"):
        load_elf(bad, CONFIG)
    with pytest.raises(ElfError, match="no loadable"):
        load_elf(patched(kernel_bytes, 44, "<H", 0), CONFIG)   # e_phnum = 0


@pytest.mark.parametrize("entry", [0x8010_0000, 0x0001_0000, 0])
def test_entry_outside_code(kernel_bytes, entry):
    with pytest.raises(ElfError, match=f"entry point 0x{entry:08x} is outside the loaded code"):
        load_elf(patched(kernel_bytes, 24, "<I", entry), CONFIG)


def test_entry_misaligned(kernel_bytes):
    with pytest.raises(ElfError, match="not word aligned"):
        load_elf(patched(kernel_bytes, 24, "<I", MemoryMap.CODE_BASE + 2), CONFIG)
