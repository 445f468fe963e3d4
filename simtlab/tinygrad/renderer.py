"""tinygrad renderer for simtlab: tinygrad's C (ClangRenderer) turned into a simtlab kernel.

* Launch geometry: tinygrad's global dims are ``blockIdx``, its local dims ``threadIdx``
  (kernels/runtime/vx_spawn.h); the generated ``main`` reads the argument area and calls
  ``vx_spawn_threads`` (block mode when the kernel has local dims, else task mode, which packs one
  work item per lane so that no lane is wasted).
* Barriers are ``__syncthreads()``; local buffers are carved out of the block's slice of local
  memory (``__local_mem``).
* No divergent branches: a warp follows its last active lane, and stock compilers insert no
  split/join. ``where`` is rendered as a mask select (RV32 has no conditional move, so a C ``?:``
  would become a branch), a gated load reads a safe address (the buffer's first element) and selects
  the value, and the ``if`` that tinygrad puts around gated stores is an ``SL_IF`` (split/join).
* Scalars only (no vector types), float64 unsupported (RV32IMF has no D extension and no libm);
  int64 and half are emulated by the compiler (compiler-rt).

The argument area (32-bit words, written by :class:`simtlab.tinygrad.device.SimtlabProgram`):
``mode`` (1: block mode), ``grid[3]``, ``block[3]``, one word per buffer address, then the
integer variables (each aligned to its size).
"""

import re
import struct

from tinygrad.dtype import AddrSpace, dtypes, truncate
from tinygrad.renderer.cstyle import ClangRenderer, create_non_native_float_pats
from tinygrad.uop.ops import Ops, UPat, PatternMatcher

from ..config import PRESETS, SimtConfig

__all__ = ["SimtlabRenderer", "config_for", "HEADER_WORDS", "arg_layout"]

#: Words before the kernel's own arguments: mode, grid x/y/z, block x/y/z.
HEADER_WORDS = 7

_SHAPE = re.compile(r"^(\d+)x(\d+)$")


def config_for(shape):
    """The :class:`SimtConfig` named by ``shape``: a preset name ("4x4", "default", ...) or
    ``WARPSxTHREADS`` ("8x8")."""
    if not isinstance(shape, str):
        raise TypeError(f"shape must be a preset name or 'WARPSxTHREADS', not {shape!r}")
    key = shape.strip().lower()
    if key in PRESETS:
        return PRESETS[key]
    if (m := _SHAPE.match(key)) is not None:
        return SimtConfig(name=key, warps=int(m.group(1)), threads=int(m.group(2)))
    raise ValueError(f"unknown simtlab shape {shape!r}: use a preset ({', '.join(PRESETS)}) "
                     f"or WARPSxTHREADS such as 4x8")


def arg_layout(var_dtypes):
    """Byte offsets of the variables after the buffer words, and the area's total size (a multiple
    of 4). ``var_dtypes``: itemsizes of the variables in order."""
    offsets, off = [], 0
    for size in var_dtypes:
        off = -(-off // size) * size
        offsets.append(off)
        off += size
    return offsets, -(-off // 4) * 4


# Branch-free helpers. The empty asm keeps the optimiser from turning the mask back into a branch.
_PRELUDE = r"""#include <stdint.h>
#include "simtlab.h"
static inline uint32_t __tg_mask(int c) { uint32_t m = 0u - (uint32_t)(c != 0); __asm__ ("" : "+r"(m)); return m; }
static inline uint32_t __tg_s32(int c, uint32_t a, uint32_t b) { uint32_t m = __tg_mask(c); return (a & m) | (b & ~m); }
static inline uint64_t __tg_s64(int c, uint64_t a, uint64_t b) {
  uint64_t m = (uint64_t)(int64_t)(int32_t)__tg_mask(c); return (a & m) | (b & ~m); }
static inline float __tg_sf(int c, float a, float b) {
  return __builtin_bit_cast(float, __tg_s32(c, __builtin_bit_cast(uint32_t, a), __builtin_bit_cast(uint32_t, b))); }
static inline const void *__tg_sp(int c, const void *a, const void *b) {
  return (const void *)(uintptr_t)__tg_s32(c, (uint32_t)(uintptr_t)a, (uint32_t)(uintptr_t)b); }
/* float <-> half with round-to-nearest-even, without compiler-rt (whose conversions branch on the
 * value): every case is computed and the right one selected. */
static inline uint16_t __tg_f2h(float f) {
  uint32_t x = __builtin_bit_cast(uint32_t, f), sign = (x >> 16) & 0x8000u, ax = x & 0x7fffffffu;
  uint32_t big = __tg_s32(ax > 0x7f800000u, 0x7e00u, 0x7c00u);                     /* nan, inf/overflow */
  float sub_f = __builtin_bit_cast(float, ax) + __builtin_bit_cast(float, 0x3f000000u);  /* subnormal */
  uint32_t sub = __builtin_bit_cast(uint32_t, sub_f) - 0x3f000000u;
  uint32_t norm = (ax + 0xc8000fffu + ((ax >> 13) & 1u)) >> 13;                    /* rebias, round */
  uint32_t o = __tg_s32(ax >= 0x47800000u, big, __tg_s32(ax < 0x38800000u, sub, norm));
  return (uint16_t)(o | sign);
}
static inline float __tg_h2f(uint16_t h) {
  uint32_t o = ((uint32_t)h & 0x7fffu) << 13, e = o & 0x0f800000u;
  uint32_t inf = o + 0x70000000u;                                          /* inf/nan: exponent 255 */
  float sub = __builtin_bit_cast(float, o + 0x38800000u) - __builtin_bit_cast(float, 0x38800000u);
  uint32_t r = __tg_s32(e == 0x0f800000u, inf, __tg_s32(e == 0, __builtin_bit_cast(uint32_t, sub), o + 0x38000000u));
  return __builtin_bit_cast(float, r | (((uint32_t)h & 0x8000u) << 16));
}
/* float -> int64/uint64 (toward zero) without compiler-rt's __fixsfdi/__fixunssfdi (which branch
 * on the value): through int32 below 2^31, else the mantissa shifted into place (the magnitude,
 * __tg_f2u64); __tg_f2i64 negates it by mask. Out-of-range values are undefined, as in C. */
static inline uint64_t __tg_f2u64(float f) {
  uint32_t x = __builtin_bit_cast(uint32_t, f) & 0x7fffffffu, e = x >> 23, m = (x & 0x7fffffu) | 0x800000u;
  uint32_t small = (uint32_t)(int32_t)__builtin_fabsf(f);
  uint32_t sh = e - 150u, low_shift = sh < 32u, big = e >= 158u;
  uint32_t lo = __tg_s32(low_shift, m << (sh & 31u), 0u);
  uint32_t hi = __tg_s32(low_shift, m >> ((32u - sh) & 31u), m << ((sh - 32u) & 31u));
  return ((uint64_t)__tg_s32(big, hi, 0u) << 32) | __tg_s32(big, lo, small);
}
static inline long long __tg_f2i64(float f) {
  uint64_t u = __tg_f2u64(f);
  uint32_t lo = (uint32_t)u, hi = (uint32_t)(u >> 32), neg = __builtin_bit_cast(uint32_t, f) >> 31;
  return (long long)(((uint64_t)__tg_s32(neg, ~hi + (lo == 0u), hi) << 32) | __tg_s32(neg, 0u - lo, lo));
}
/* uint64 -> float, round to nearest even, without compiler-rt's __floatundisf (which branches on
 * the magnitude): normalise (a branch-free count of leading zeros), fold the bits below the top 32
 * into a sticky bit, convert those 32 bits (fcvt.s.wu rounds correctly) and scale by 2^(32 - n). */
static inline float __tg_u642f(uint32_t hi, uint32_t lo) {
  uint32_t x = hi | __tg_s32(hi == 0u, 1u, 0u), n = 0u, c;
  c = __tg_mask((x >> 16) == 0u) & 16u; n += c; x <<= c;
  c = __tg_mask((x >> 24) == 0u) & 8u; n += c; x <<= c;
  c = __tg_mask((x >> 28) == 0u) & 4u; n += c; x <<= c;
  c = __tg_mask((x >> 30) == 0u) & 2u; n += c; x <<= c;
  n += (x >> 31) ^ 1u;
  uint32_t top = (hi << n) | __tg_s32(n == 0u, 0u, lo >> ((32u - n) & 31u));
  uint32_t sticky = (lo << n) != 0u;
  float big = (float)(top | sticky) * __builtin_bit_cast(float, (159u - n) << 23);
  return __tg_sf(hi == 0u, (float)lo, big);
}
static inline float __tg_i642f(long long v) {
  uint64_t u = (uint64_t)v;
  uint32_t lo = (uint32_t)u, hi = (uint32_t)(u >> 32), neg = hi >> 31;
  uint32_t alo = __tg_s32(neg, 0u - lo, lo), ahi = __tg_s32(neg, ~hi + (lo == 0u), hi);
  float r = __tg_u642f(ahi, alo);
  return __builtin_bit_cast(float, __builtin_bit_cast(uint32_t, r) | (neg << 31));
}
/* 64-bit shifts by a variable amount (RV32 has none; the compiler's expansion branches on the
 * amount): both halves computed for amounts below and above 32, then selected. */
static inline uint64_t __tg_shl64(uint64_t x, uint32_t s) {
  uint32_t lo = (uint32_t)x, hi = (uint32_t)(x >> 32), r = s & 31u, small = (s & 63u) < 32u;
  uint32_t carry = __tg_s32(r == 0u, 0u, lo >> ((32u - r) & 31u));
  uint32_t nlo = __tg_s32(small, lo << r, 0u), nhi = __tg_s32(small, (hi << r) | carry, lo << r);
  return ((uint64_t)nhi << 32) | nlo;
}
static inline uint64_t __tg_shr64(uint64_t x, uint32_t s, int arith) {
  uint32_t lo = (uint32_t)x, hi = (uint32_t)(x >> 32), r = s & 31u, small = (s & 63u) < 32u;
  uint32_t fill = arith ? (uint32_t)((int32_t)hi >> 31) : 0u;
  uint32_t top = arith ? (uint32_t)((int32_t)hi >> r) : hi >> r;
  uint32_t carry = __tg_s32(r == 0u, 0u, hi << ((32u - r) & 31u));
  uint32_t nlo = __tg_s32(small, (lo >> r) | carry, top), nhi = __tg_s32(small, top, fill);
  return ((uint64_t)nhi << 32) | nlo;
}
/* 64-bit division and remainder (C semantics: the quotient rounds toward zero) without
 * compiler-rt's __udivdi3 & co., which branch on the operands: restoring division, 64 uniform
 * steps of compare-and-subtract by mask. Division by zero is undefined, as in C. */
static inline uint64_t __tg_udivmod64(uint64_t n, uint64_t d, uint64_t *rem) {
  uint32_t dl = (uint32_t)d, dh = (uint32_t)(d >> 32), rl = 0u, rh = 0u, ql = 0u, qh = 0u;
  uint32_t nl = (uint32_t)n, nh = (uint32_t)(n >> 32);
  for (int i = 0; i < 64; i++) {
    rh = (rh << 1) | (rl >> 31); rl = (rl << 1) | (nh >> 31);
    nh = (nh << 1) | (nl >> 31); nl <<= 1;
    uint32_t ge = (rh > dh) | ((rh == dh) & (rl >= dl));
    uint32_t m = __tg_mask(ge), borrow = rl < dl;
    rl = rl - (dl & m); rh = rh - ((dh + borrow) & m);
    qh = (qh << 1) | (ql >> 31); ql = (ql << 1) | ge;
  }
  *rem = ((uint64_t)rh << 32) | rl;
  return ((uint64_t)qh << 32) | ql;
}
static inline uint64_t __tg_neg64_if(uint32_t c, uint64_t v) {
  uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
  return ((uint64_t)__tg_s32(c, ~hi + (lo == 0u), hi) << 32) | __tg_s32(c, 0u - lo, lo);
}
static inline uint64_t __tg_udiv64(uint64_t a, uint64_t b) { uint64_t r; return __tg_udivmod64(a, b, &r); }
static inline uint64_t __tg_umod64(uint64_t a, uint64_t b) { uint64_t r; __tg_udivmod64(a, b, &r); return r; }
static inline long long __tg_sdiv64(long long a, long long b) {
  uint32_t na = (uint32_t)((uint64_t)a >> 63), nb = (uint32_t)((uint64_t)b >> 63);
  uint64_t r, q = __tg_udivmod64(__tg_neg64_if(na, (uint64_t)a), __tg_neg64_if(nb, (uint64_t)b), &r);
  return (long long)__tg_neg64_if(na ^ nb, q);
}
static inline long long __tg_smod64(long long a, long long b) {
  uint32_t na = (uint32_t)((uint64_t)a >> 63), nb = (uint32_t)((uint64_t)b >> 63);
  uint64_t r;
  __tg_udivmod64(__tg_neg64_if(na, (uint64_t)a), __tg_neg64_if(nb, (uint64_t)b), &r);
  return (long long)__tg_neg64_if(na, r);
}
/* truncf without libm or Zfa: through int32 where that is exact (|x| < 2^23), else x itself */
static inline float __tg_truncf(float x) {
  return __tg_sf(__builtin_fabsf(x) < 8388608.0f, __builtin_copysignf((float)(int32_t)x, x), x); }
"""


#: C names of tinygrad's dtypes where ClangRenderer's differ on RV32 (long is 32 bits there).
#: half is stored as its bits (uint16_t): its arithmetic runs in float, its conversions in __tg_f2h
#: and __tg_h2f.
TYPE_MAP = {**ClangRenderer.type_map, dtypes.int64: "long long", dtypes.uint64: "unsigned long long",
            dtypes.half: "uint16_t"}


def _c_type(dtype):
    return TYPE_MAP.get(dtype, dtype.name)


def _int64_const(value):
    # -2^63 has no literal form in C
    return "(-9223372036854775807ll-1)" if value == -(1 << 63) else f"{value}ll"


def _where(a, b, c, dtype):
    if dtype == dtypes.float32:
        return f"__tg_sf({a},{b},{c})"
    if dtype.itemsize == 8:
        return f"(({_c_type(dtype)})__tg_s64({a},(uint64_t)({b}),(uint64_t)({c})))"
    return f"(({_c_type(dtype)})__tg_s32({a},(uint32_t)({b}),(uint32_t)({c})))"


_LITERAL = re.compile(r"^\(?-?\d+(ll|ull|u|l)?\)?$")


def _shift(left):
    def render(a, b, dtype):
        if dtype.itemsize != 8 or _LITERAL.match(b):     # constant 64-bit shifts need no branch
            return f"({a}{'<<' if left else '>>'}{b})"
        if left:
            return f"(({_c_type(dtype)})__tg_shl64((uint64_t)({a}),(uint32_t)({b})))"
        arith = int(dtype == dtypes.int64)
        return f"(({_c_type(dtype)})__tg_shr64((uint64_t)({a}),(uint32_t)({b}),{arith}))"
    return render


def _divide(remainder):
    def render(a, b, dtype):
        if dtype.itemsize != 8:
            return f"({a}{'%' if remainder else '/'}{b})"
        name = ("s" if dtype == dtypes.int64 else "u") + ("mod" if remainder else "div")
        arg = "long long" if dtype == dtypes.int64 else "uint64_t"
        return f"(({_c_type(dtype)})__tg_{name}64(({arg})({a}),({arg})({b})))"
    return render


def _gated_load(ctx, x, bidx, var, gate):
    # Read the buffer's first element where the gate is off (always a valid address), then select.
    t = ctx.render_dtype(x.dtype)
    ptr = f"(({t}*)__tg_sp({ctx[gate]},(const void*)({ctx[bidx]}),(const void*)({ctx[bidx.src[0]]})))"
    return _where(ctx[gate], f"(*{ptr})", ctx[var], x.dtype)


def float_to_fp16_bits(value):
    return struct.unpack("<H", struct.pack("<e", value))[0]


_simtlab_rewrite = PatternMatcher([
    (UPat.cvar("c").cast(dtypes.int64), lambda ctx, c: _int64_const(c.val)),
    (UPat.cvar("c").cast(dtypes.uint64, name="x"), lambda ctx, x, c: f"{truncate[x.dtype](c.val)}ull"),
    (UPat.cvar("c").cast(dtypes.half), lambda ctx, c: f"((uint16_t){float_to_fp16_bits(c.val)}u)"),
    (UPat(Ops.CAST, dtypes.half, src=(UPat.var("x", dtypes.float),)), lambda ctx, x: f"__tg_f2h({ctx[x]})"),
    (UPat(Ops.CAST, dtypes.float, src=(UPat.var("x", dtypes.half),)), lambda ctx, x: f"__tg_h2f({ctx[x]})"),
    (UPat(Ops.CAST, dtypes.int64, src=(UPat.var("x", dtypes.float),)), lambda ctx, x: f"__tg_f2i64({ctx[x]})"),
    (UPat(Ops.CAST, dtypes.uint64, src=(UPat.var("x", dtypes.float),)), lambda ctx, x: f"__tg_f2u64({ctx[x]})"),
    (UPat(Ops.CAST, dtypes.float, src=(UPat.var("x", dtypes.int64),)), lambda ctx, x: f"__tg_i642f({ctx[x]})"),
    (UPat(Ops.CAST, dtypes.float, src=(UPat.var("x", dtypes.uint64),)),
     lambda ctx, x: f"__tg_u642f((uint32_t)({ctx[x]} >> 32), (uint32_t)({ctx[x]}))"),
    (UPat(Ops.IF, name="x"), lambda ctx, x: f"SL_IF({ctx[x.src[0]]}) {{"),
    (UPat(Ops.ENDIF), lambda ctx: "} SL_ENDIF;"),
    (UPat(Ops.LOAD, src=(UPat.var("bidx"), UPat.var("var"), UPat.var("gate")), name="x"), _gated_load),
])


class SimtlabRenderer(ClangRenderer):
    """ClangRenderer for a simtlab core; ``target.arch`` is the shape (see :func:`config_for`)."""
    has_local = True
    has_threads = False
    has_shared = True
    supports_float4 = False
    code_for_workitem = {"g": lambda x: f"(int)blockIdx.{'xyz'[int(x)]}",
                         "l": lambda x: f"(int)threadIdx.{'xyz'[int(x)]}"}
    kernel_typedef = "static void"
    barrier = "__syncthreads();"
    code_for_op = {**ClangRenderer.code_for_op, Ops.WHERE: _where,
                   Ops.SHL: _shift(True), Ops.SHR: _shift(False),
                   Ops.CDIV: _divide(False), Ops.CMOD: _divide(True),
                   Ops.TRUNC: lambda x, dtype: f"__tg_truncf({x})"}
    string_rewrite = _simtlab_rewrite + ClangRenderer.string_rewrite
    global_max = (0x7FFFFFFF, 0xFFFF, 0xFFFF)
    type_map = TYPE_MAP
    extra_matcher = create_non_native_float_pats((dtypes.half,)) + ClangRenderer.extra_matcher

    def __init__(self, target):
        self.target = target
        self.config = config_for(target.arch or "4x4")
        #: The largest block (vx_spawn_threads' limit); the optimiser is kept within it.
        self.max_block = self.config.warps * self.config.threads
        self.local_max = (self.max_block,) * 3
        # every co-resident block (at most one per warp) gets its slice of local memory
        self.shared_max = self.config.lmem_size // self.config.warps
        from .compiler import SimtlabCompiler
        self.compiler = SimtlabCompiler(self.config)

    def supported_dtypes(self):
        return {d for d in super().supported_dtypes()
                if d not in (dtypes.double, dtypes.bfloat16) and d not in dtypes.fp8s}

    # -- local memory ---------------------------------------------------------------------------
    def render(self, uops):
        self._lmem, total = {}, 0
        for u in uops:
            if u.op is Ops.BUFFER and u.addrspace == AddrSpace.LOCAL:
                size = u.dtype.itemsize
                total = -(-total // size) * size
                self._lmem[u] = total
                total += u.max_numel() * size
        self._lmem_total = -(-total // 4) * 4
        return super().render(uops)

    def render_buffer(self, x):
        if x.addrspace != AddrSpace.LOCAL:
            return super().render_buffer(x)
        t = self.render_dtype(x.dtype)
        return (f"{t} *{self[x]} = ({t} *)((uint8_t *)__local_mem({self._lmem_total}) + "
                f"{self._lmem[x]});")

    # -- the kernel file --------------------------------------------------------------------------
    def _render_defines(self, uops):
        return [_PRELUDE]

    def _render_entry(self, function_name, bufs):
        buffers = [(name, u) for name, (u, _) in bufs if u.addrspace != AddrSpace.ALU]
        variables = sorted(((name, u) for name, (u, _) in bufs if u.addrspace == AddrSpace.ALU),
                           key=lambda item: item[1].arg.slot)
        offsets, _ = arg_layout([u.dtype.itemsize for _, u in variables])
        args = {}
        for i, (name, u) in enumerate(buffers):
            args[name] = f"({self._render_dtype(u.dtype, addrspace=u.addrspace)})(uintptr_t)a[{i}]"
        for (name, u), off in zip(variables, offsets):
            t = self.render_dtype(u.dtype)
            args[name] = f"*(const {t} *)((const uint8_t *)(a + {len(buffers)}) + {off})"
        call = ", ".join(args[name] for name, _ in bufs)
        return (f"static void __tg_body(void *p) {{\n"
                f"  const uint32_t *a = (const uint32_t *)p + {HEADER_WORDS};\n"
                f"  {function_name}({call});\n}}\n"
                f"int main(void) {{\n"
                f"  const uint32_t *a = (const uint32_t *)sl_arg();\n"
                f"  return vx_spawn_threads(3, a + 1, a[0] ? a + 4 : 0, __tg_body, a);\n}}\n")

