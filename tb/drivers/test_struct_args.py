"""Vortex-style kernels through Device unchanged: a C++ kernel (C++ linkage of main, a global
constructor from .init_array) with Vortex's kernel_arg_t of uint64_t addresses and an array member,
passed positionally (checked against the DWARF struct), as a ctypes.Structure or as a numpy
structured value; layouts that do not match the kernel's struct are a TypeError naming the field."""

import ctypes

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.kernels.catalog import EXAMPLES_DIR

KERNEL = EXAMPLES_DIR / "vortex_sgemm64.cpp"
SIZE = 6
BIAS = 42        # the kernel's global object, set by its constructor


class KernelArg(ctypes.Structure):
    """kernel_arg_t of vortex_sgemm64.cpp, with the host's natural alignment (= RV32's here)."""
    _fields_ = [("grid_dim", ctypes.c_uint32 * 2), ("size", ctypes.c_uint32),
                ("A_addr", ctypes.c_uint64), ("B_addr", ctypes.c_uint64), ("C_addr", ctypes.c_uint64)]


def _inputs(seed=11):
    rng = np.random.default_rng(seed)
    a = rng.integers(-1000, 1000, (SIZE, SIZE), dtype=np.int32)
    b = rng.integers(-1000, 1000, (SIZE, SIZE), dtype=np.int32)
    want = (a.astype(np.int64) @ b.astype(np.int64) + BIAS).astype(np.int32)
    return a, b, want


@pytest.fixture(params=["emu", "rtl"])
def device(request):
    with Device(SimtConfig(name="4x4", warps=4, threads=4), backend=request.param) as dev:
        yield dev


@pytest.mark.parametrize("style", ["positional", "ctypes", "numpy"])
def test_cpp_kernel_with_64bit_addresses(device, style):
    a, b, want = _inputs()
    A, B = device.upload(a), device.upload(b)
    C = device.zeros((SIZE, SIZE), np.int32)
    program = device.load(KERNEL)
    assert [f.name for f in program.signature.fields] == ["grid_dim", "size", "A_addr", "B_addr",
                                                         "C_addr"]
    if style == "positional":
        args = ([SIZE, SIZE], SIZE, A, B, C)
    elif style == "ctypes":
        args = (KernelArg((SIZE, SIZE), SIZE, A.addr, B.addr, C.addr),)
    else:
        dtype = np.dtype([("grid_dim", "<u4", 2), ("size", "<u4"), ("A_addr", "<u8"),
                          ("B_addr", "<u8"), ("C_addr", "<u8")], align=True)
        args = (np.array([((SIZE, SIZE), SIZE, A.addr, B.addr, C.addr)], dtype=dtype),)
    device.run(None, *args)
    np.testing.assert_array_equal(device.download(C), want)


def test_mismatched_layouts_name_the_field():
    with Device(SimtConfig(name="4x4", warps=4, threads=4), backend="emu") as device:
        device.load(KERNEL)

        class Packed(ctypes.Structure):         # no padding before A_addr: 36 bytes
            _pack_ = 4
            _fields_ = KernelArg._fields_
        with pytest.raises(TypeError, match=r"is 36 bytes, the kernel's kernel_arg_t is 40"):
            device.launch(None, Packed())

        class Narrow(ctypes.Structure):         # 32-bit addresses, padded to the same size
            _fields_ = [("grid_dim", ctypes.c_uint32 * 2), ("size", ctypes.c_uint32),
                        ("A_addr", ctypes.c_uint32), ("B_addr", ctypes.c_uint64),
                        ("C_addr", ctypes.c_uint64), ("pad", ctypes.c_uint64)]
        assert ctypes.sizeof(Narrow) == ctypes.sizeof(KernelArg)
        with pytest.raises(TypeError, match=r"'A_addr' is 4 bytes at offset 12, the kernel's "
                                            r"uint64_t A_addr is 8 bytes at offset 16"):
            device.launch(None, Narrow())
        with pytest.raises(TypeError, match=r"'grid_dim' \(uint32_t\[2\]\): expected a sequence of 2"):
            device.launch(None, SIZE, SIZE, 0, 0, 0)
        with pytest.raises(TypeError, match="one struct, not 2"):
            device.launch(None, np.zeros(2, dtype=[("size", "<u4")]))
