"""The runtime's libc subset and Vortex's vx_print.h on the golden model and the RTL model: console
output of lanes printing together (whole per lane, lanes in order) checked exactly, snprintf against
Python's printf-style formatting over a table of conversions, the string/stdlib functions against
Python, qsort/bsearch/rand against numpy and a model of the generator, assert and exit ending the
run with their exit codes."""

import numpy as np
import pytest

from simtlab import Device
from simtlab.config import SimtConfig
from simtlab.errors import KernelFailed
from simtlab.kernels.compile import compile_kernel

SEED = 20261204
CONFIG = SimtConfig(name="4x4", warps=4, threads=4)   # a shape other RTL tests build too
BACKENDS = ["emu", "rtl"]

_DEVICES = {}


def _device(backend):
    if backend not in _DEVICES:
        _DEVICES[backend] = Device(CONFIG, backend=backend)
    device = _DEVICES[backend]
    device.free_all()
    device.console()            # drop anything left over
    return device


def _run(backend, source, *args):
    device = _device(backend)
    device.run(str(compile_kernel(source, CONFIG)), *args)
    return device


# ---- vx_print / printf: per-lane serialisation ------------------------------------------------

PRINT_KERNEL = r"""
#include <stdio.h>
#include <vx_print.h>
#include "simtlab.h"

static const char *const NAMES[] = {"zero", "one", "two", "three", "four", "five", "six", "seven"};

static void lanes(void *arg) {
    (void)arg;
    int t = threadIdx.x;
    vx_printf("lane %d: %s=%08x %.2f\n", t, NAMES[t], t * 0x1111u, t * 0.5);
    if (t & 1)                           /* divergent: both sides print, still lane by lane */
        printf("odd %d\n", t);
    else
        printf("even %d%s", t, "\n");
    /* one call at a time: every lane's piece, lanes in order, then the next call */
    vx_putint(-t * 7, 10);
    vx_putchar(' ');
    vx_putfloat(t + 0.25f, 2);
    vx_print_str("|");
    vx_print_hex(0xA0u + t);
    puts("");
    if (t == 2)
        putchar('!');
    if (t >= NUM_THREADS - 1)
        putchar('\n');
}

/* Two warps: each prints in its turn (a barrier between the turns); lanes in order in each. */
static void warps(void *arg) {
    (void)arg;
    int t = threadIdx.x;
    for (int w = 0; w < 2; w++) {
        if (vx_warp_id() == w)           /* warp-uniform */
            printf("w%d t%d\n", w, t);
        __syncthreads();
    }
}

int main(void) {
    uint32_t grid = 1, block = NUM_THREADS;
    vx_spawn_threads(1, &grid, &block, lanes, 0);
    block = 2 * NUM_THREADS;
    vx_spawn_threads(1, &grid, &block, warps, 0);
    printf("done %d\n", vx_thread_id());
    return 0;
}
"""


def _expected_print(threads):
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven"]
    out = "".join(f"lane {t}: {names[t]}={t * 0x1111:08x} {t * 0.5:.2f}\n" for t in range(threads))
    out += "".join(f"{'odd' if t & 1 else 'even'} {t}\n" for t in range(threads))
    lanes = range(threads)
    out += "".join(str(-t * 7) for t in lanes) + " " * threads
    out += "".join(f"{t + 0.25:.2f}" for t in lanes) + "|" * threads
    out += "".join(f"{0xA0 + t:x}" for t in lanes) + "\n" * threads
    out += "!\n"
    out += "".join(f"w{w} t{t}\n" for w in range(2) for t in range(w * threads, (w + 1) * threads))
    return out + "done 0\n"


@pytest.mark.parametrize("backend", BACKENDS)
def test_vx_printf_lanes_print_whole_and_in_order(backend):
    device = _run(backend, PRINT_KERNEL)
    assert device.console() == _expected_print(CONFIG.threads)


# ---- snprintf against Python's % formatting ---------------------------------------------------

def _c_double(value):
    """A C literal of exactly this double (repr round-trips)."""
    if np.isnan(value):
        return "(0.0 / 0.0)" if not np.signbit(value) else "(-(0.0 / 0.0))"
    if np.isinf(value):
        return "(1.0 / 0.0)" if value > 0 else "(-1.0 / 0.0)"
    return repr(float(value))


def _format_cases(rng):
    """(C format, C argument text, expected text) for snprintf."""
    cases = []
    ints = [0, 1, -1, 42, -42, 255, 2147483647, -2147483648, *rng.integers(-10**9, 10**9, 6).tolist()]
    for fmt in ["%d", "%i", "%5d", "%-6d|", "%05d", "%+d", "% d", "%.3d", "%x", "%X", "%#x", "%08X",
                "%o", "%u", "%+-7d|", "%*d"]:
        for v in ints:
            if fmt in ("%x", "%X", "%#x", "%08X", "%o", "%u"):
                v &= 0xFFFFFFFF
                if fmt == "%#x" and v == 0:
                    continue                        # C prints "0", Python "0x0"
                arg = f"{v}u"
            else:
                arg = str(v) if v != -2147483648 else "(-2147483647 - 1)"
            if fmt == "%*d":
                cases.append((fmt, f"9, {arg}", "%9d" % v))
            else:
                cases.append((fmt, arg, fmt % v))
    for v in [0, 1234567890123456789, -(2**63), 2**40 + 3]:
        arg = f"{v}ll" if v != -(2**63) else "(-9223372036854775807ll - 1)"
        cases.append(("%lld", arg, "%d" % v))
    cases.append(("%llx", "0xFEDCBA9876543210ull", "fedcba9876543210"))
    cases.append(("%lu", "4000000000ul", "4000000000"))
    cases += [("%hhd", "300", "44"), ("%hhu", "-1", "255"), ("%hd", "70000", "4464"),
              ("%hx", "0x12345", "2345")]
    cases += [("%c", "'A'", "A"), ("%3c|", "'z'", "  z|"), ("%s", '"hello"', "hello"),
              ("%.2s", '"hello"', "he"), ("%8s|", '"abc"', "     abc|"),
              ("%-8s|", '"abc"', "abc     |"), ("%s", "(const char *)0", "(null)"),
              ("%08.3d", "5", "     005"), ("%#o", "8u", "010"), ("%%", "0", "%"),
              ("%p", "(void *)0x1234", "0x1234"), ("%5.1s|", '"abc"', "    a|")]
    floats = [0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 1.0, 100.0, 123456.789, 1e-5, 3.4028234663852886e38,
              1e30, 6.103515625e-05, 0.1, 2.0 / 3.0, np.inf, -np.inf, np.nan]
    mags = np.exp(rng.uniform(np.log(1e-10), np.log(1e20), 12)) * rng.choice([-1, 1], 12)
    floats += [float(np.float32(v)) for v in mags]
    for fmt in ["%f", "%.0f", "%.1f", "%10.3f", "%-12.2f|", "%+.2f", "%010.2f", "%e", "%.3e", "%E",
                "%g", "%.3g", "%#g", "%G", "%.10g", "% .4f"]:
        for v in floats:
            # C pads inf and nan with spaces even with the 0 flag (Python with zeros)
            want = (fmt.replace("%0", "%") if not np.isfinite(v) else fmt) % v
            cases.append((fmt, _c_double(v), want))
    return cases


SNPRINTF_SLOT = 96


def _snprintf_kernel(cases):
    lines = [f'    n[{i}] = snprintf(out + {SNPRINTF_SLOT * i}, {SNPRINTF_SLOT}, "{fmt}", {arg});'
             for i, (fmt, arg, _) in enumerate(cases)]
    return ("#include <stdio.h>\n#include <stdint.h>\n#include \"simtlab.h\"\n"
            "typedef struct { char *out; int32_t *n; } fmt_args_t;\n"
            "int main(void) {\n    const fmt_args_t *a = sl_arg();\n"
            "    char *out = a->out;\n    int32_t *n = a->n;\n"
            + "\n".join(lines) + "\n    return 0;\n}\n")


@pytest.mark.parametrize("backend", BACKENDS)
def test_snprintf_matches_python_formatting(backend):
    cases = _format_cases(np.random.default_rng(SEED))
    device = _device(backend)
    out = device.zeros(SNPRINTF_SLOT * len(cases), np.uint8)
    lengths = device.zeros(len(cases), np.int32)
    device.run(str(compile_kernel(_snprintf_kernel(cases), CONFIG)), out, lengths)
    text = device.download(out).reshape(len(cases), SNPRINTF_SLOT)
    n = device.download(lengths)
    for i, (fmt, arg, want) in enumerate(cases):
        got = bytes(text[i]).split(b"\0")[0].decode()
        assert (got, int(n[i])) == (want, len(want)), f"snprintf({fmt!r}, {arg}) (seed {SEED})"


def test_snprintf_truncates_and_counts():
    source = r"""
#include <stdio.h>
#include <string.h>
#include "simtlab.h"
typedef struct { int *r; } t_args_t;
int main(void) {
    const t_args_t *a = sl_arg();
    char buf[8];
    memset(buf, 'x', sizeof buf);
    a->r[0] = snprintf(buf, 5, "%d-%s", 12345, "abc");   /* 9 wanted, 4 kept + NUL */
    a->r[1] = (int)strlen(buf);
    a->r[2] = buf[4] == '\0' && buf[5] == 'x' && strcmp(buf, "1234") == 0;
    a->r[3] = snprintf(0, 0, "%f", 1.5);                   /* only counts */
    a->r[4] = sprintf(buf, "%c%c", 'o', 'k');
    a->r[5] = strcmp(buf, "ok") == 0;
    return 0;
}
"""
    device = _device("emu")
    r = device.zeros(6, np.int32)
    device.run(str(compile_kernel(source, CONFIG)), r)
    assert device.download(r).tolist() == [9, 4, 1, 8, 2, 1]


# ---- string.h and stdlib.h --------------------------------------------------------------------

STRING_KERNEL = r"""
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include "simtlab.h"
typedef struct { int *r; char *s; } str_args_t;

static int sign(int v) { return (v > 0) - (v < 0); }

int main(void) {
    const str_args_t *a = sl_arg();
    int *r = a->r, k = 0;
    static const char hay[] = "the quick brown fox jumps over the lazy dog";
    char *end;
    r[k++] = (int)strlen(hay);
    r[k++] = (int)strlen("");
    r[k++] = (int)strnlen(hay, 5);
    r[k++] = sign(strcmp("abc", "abd"));
    r[k++] = sign(strcmp("abc", "abc"));
    r[k++] = sign(strcmp("abcd", "abc"));
    r[k++] = sign(strcmp("\xff", "a"));               /* compares as unsigned char */
    r[k++] = sign(strncmp("abcX", "abcY", 3));
    r[k++] = sign(strncmp("abcX", "abcY", 4));
    r[k++] = (int)(strchr(hay, 'q') - hay);
    r[k++] = strchr(hay, 'Z') == 0;
    r[k++] = (int)(strchr(hay, '\0') - hay);
    r[k++] = (int)(strrchr(hay, 'o') - hay);
    r[k++] = (int)((const char *)memchr(hay, 'x', sizeof hay) - hay);
    r[k++] = memchr(hay, 'x', 10) == 0;
    r[k++] = (int)(strstr(hay, "lazy") - hay);
    r[k++] = strstr(hay, "cat") == 0;
    r[k++] = (int)(strstr(hay, "") - hay);
    r[k++] = sign(memcmp("ab\x01", "ab\x02", 3));
    r[k++] = abs(-17);
    r[k++] = (int)labs(-123456L);
    r[k++] = atoi("  -4711xyz");
    r[k++] = (int)strtol("0x1F", &end, 0);
    r[k++] = *end == '\0';
    r[k++] = (int)strtol("0755", 0, 0);
    r[k++] = (int)strtol("zz", &end, 36);
    static const char num[] = "  +12abc";
    r[k++] = (int)strtol(num, &end, 10);
    r[k++] = end - num == 5;
    r[k++] = (int)strtol("99999999999", 0, 10) == 0x7FFFFFFF;
    r[k++] = (int)strtol("-99999999999", 0, 10) == (int)0x80000000u;
    r[k++] = (int)strtoul("4294967295", 0, 10) == -1;
    r[k++] = (int)strtol("xyz", &end, 10) == 0 && *end == 'x';
    r[k++] = div(-7, 2).quot;
    r[k++] = div(-7, 2).rem;
    r[k++] = isdigit('7') + 2 * isspace('\t') + 4 * isalpha('q') + 8 * (toupper('q') == 'Q');
    /* copies into the host's buffer */
    char *s = a->s;
    strcpy(s, "hello");
    strcat(s, ", world");
    strncat(s, "!!!", 1);
    strncpy(s + 32, "abc", 6);                          /* pads with NULs */
    strncpy(s + 40, "abcdef", 3);                       /* no NUL */
    r[k] = k;
    return 0;
}
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_string_and_stdlib_functions(backend):
    hay = "the quick brown fox jumps over the lazy dog"
    expected = [len(hay), 0, 5, -1, 0, 1, 1, 0, -1, hay.index("q"), 1, len(hay), hay.rindex("o"),
                hay.index("x"), 1, hay.index("lazy"), 1, 0, -1, 17, 123456, -4711, 31, 1, 0o755,
                35 * 36 + 35, 12, 1, 1, 1, 1, 1, -3, -1, 1 + 2 + 4 + 8]
    expected.append(len(expected))
    device = _device(backend)
    r = device.zeros(len(expected), np.int32)
    s = device.full(48, 0x55, np.uint8)
    device.run(str(compile_kernel(STRING_KERNEL, CONFIG)), r, s)
    assert device.download(r).tolist() == expected
    buf = bytes(device.download(s))
    assert buf[:15] == b"hello, world!\0\x55"
    assert buf[32:38] == b"abc\0\0\0" and buf[38:40] == b"\x55\x55"
    assert buf[40:44] == b"abc\x55"


SORT_KERNEL = r"""
#include <stdlib.h>
#include <stdint.h>
#include "simtlab.h"
typedef struct { uint32_t n; int32_t *v; int32_t *keys; int32_t *found; uint32_t *rnd; } sort_args_t;

static int cmp_int(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static void rand_body(void *p) {
    const sort_args_t *a = p;
    uint32_t t = blockIdx.x;
    if (t & 1)
        srand(1000u + t);                 /* odd threads seed, even ones keep the default seed */
    for (int i = 0; i < 4; i++)
        a->rnd[t * 4 + i] = (uint32_t)rand();
}

int main(void) {
    const sort_args_t *a = sl_arg();
    qsort(a->v, a->n, sizeof(int32_t), cmp_int);
    for (int i = 0; i < 16; i++) {
        const int32_t *hit = bsearch(&a->keys[i], a->v, a->n, sizeof(int32_t), cmp_int);
        a->found[i] = hit ? (int32_t)(hit - a->v) : -1;
    }
    uint32_t grid = NUM_WARPS * NUM_THREADS;
    return vx_spawn_threads(1, &grid, 0, rand_body, a);
}
"""


def _xorshift(seed, count):
    x, out = seed, []
    for _ in range(count):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out.append(x >> 1)
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_qsort_bsearch_and_per_thread_rand(backend):
    rng = np.random.default_rng(SEED)
    values = rng.integers(-1000, 1000, 301).astype(np.int32)
    ordered = np.sort(values)
    keys = np.concatenate([rng.choice(values, 12), [-5000, 5000, 1001, -1001]]).astype(np.int32)
    device = _device(backend)
    v, k = device.upload(values), device.upload(keys)
    found = device.zeros(16, np.int32)
    harts = CONFIG.warps * CONFIG.threads
    rnd = device.zeros(harts * 4, np.uint32)
    device.run(str(compile_kernel(SORT_KERNEL, CONFIG)), len(values), v, k, found, rnd)
    assert np.array_equal(device.download(v), ordered), f"qsort (seed {SEED})"
    hits = device.download(found)
    for key, hit in zip(keys, hits):
        if key in ordered:
            assert ordered[hit] == key, f"bsearch {key} (seed {SEED})"
        else:
            assert hit == -1, f"bsearch {key} (seed {SEED})"
    want = [x for t in range(harts) for x in _xorshift(1000 + t if t & 1 else 1, 4)]
    assert device.download(rnd).tolist() == want


# ---- assert, exit, abort ------------------------------------------------------------------------

ASSERT_KERNEL = r"""
#include <assert.h>
#include "simtlab.h"
static void check(void *arg) {
    (void)arg;
    int t = blockIdx.x;
    assert(t != 2);
}
int main(void) {
    uint32_t grid = NUM_THREADS;
    return vx_spawn_threads(1, &grid, 0, check, 0);
}
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_failing_assert_ends_run_with_message_and_code(backend):
    device = _device(backend)
    with pytest.raises(KernelFailed) as info:
        device.run(str(compile_kernel(ASSERT_KERNEL, CONFIG)))
    assert info.value.code == 134
    line = ASSERT_KERNEL.splitlines().index("    assert(t != 2);") + 1
    assert device.console() == (f"[warp 0 lane 2] assertion failed: t != 2 (kernel.c:{line}, "
                                "check)\n")


def test_assert_passes_and_ndebug_removes_it():
    source = ASSERT_KERNEL.replace("t != 2", "t < NUM_THREADS")
    _run("emu", source)
    device = _device("emu")
    compiled = compile_kernel(ASSERT_KERNEL, CONFIG, extra_flags=("-DNDEBUG",))
    device.run(str(compiled))
    assert device.console() == ""


@pytest.mark.parametrize("call,code,console", [("exit(7)", 7, ""), ("abort()", 134, "abort\n")])
def test_exit_and_abort(call, code, console):
    source = ("#include <stdlib.h>\n#include <stdio.h>\n"
              f"int main(void) {{ printf(\"before\\n\"); {call}; printf(\"after\\n\"); return 0; }}\n")
    device = _device("emu")
    with pytest.raises(KernelFailed) as info:
        device.run(str(compile_kernel(source, CONFIG)))
    assert info.value.code == code
    assert device.console() == "before\n" + console


VX_CONFIG_KERNEL = r"""
#include <stdint.h>
#include <VX_config.h>
typedef struct { uint32_t *r; } cfg_args_t;
int main(void) {
    const cfg_args_t *a = (const cfg_args_t *)(uintptr_t)csr_read_mscratch();
    uint32_t v[] = { NUM_CLUSTERS, NUM_CORES, SOCKET_SIZE, NUM_WARPS, NUM_THREADS, NUM_BARRIERS, XLEN,
                     EXT_M_ENABLE, EXT_F_ENABLE, STARTUP_ADDR, STACK_BASE_ADDR, STACK_LOG2_SIZE,
                     IO_BASE_ADDR, IO_COUT_ADDR, IO_COUT_SIZE, LMEM_BASE_ADDR, LMEM_LOG_SIZE,
                     MEM_BLOCK_SIZE, L1_LINE_SIZE };
    for (unsigned i = 0; i < sizeof v / sizeof v[0]; i++)
        a->r[i] = v[i];
    return 0;
}
"""


@pytest.mark.parametrize("config", [SimtConfig(name="4x2", warps=4, threads=2),
                                    SimtConfig(name="2x4-nofpu", warps=2, threads=4, fpu=False)],
                         ids=lambda c: c.name)
def test_vx_config_follows_the_simt_config(config):
    """VX_config.h's Vortex names come from the kernel's SimtConfig (and the memory map); the
    runtime (libm included) also builds and runs without an FPU."""
    from simtlab.spec.memory import MemoryMap
    source = VX_CONFIG_KERNEL.replace("csr_read_mscratch()", "({ uint32_t m; __asm__ volatile "
                                      "(\"csrr %0, mscratch\" : \"=r\"(m)); m; })")
    source = source.replace("#include <VX_config.h>",
                            "#include <VX_config.h>\n#include <math.h>\n#include <stdio.h>")
    source = source.replace("    return 0;\n}", "    printf(\"%.3f\\n\", (double)sqrtf(2.0f));\n"
                            "    return 0;\n}")
    want = [1, config.cores, config.cores, config.warps, config.threads, config.num_barriers, 32,
            int(config.muldiv), int(config.fpu), MemoryMap.CODE_BASE, MemoryMap.STACK_TOP,
            config.stack_log_size, MemoryMap.IO_BASE, MemoryMap.IO_COUT,
            MemoryMap.IO_EXIT - MemoryMap.IO_COUT, MemoryMap.LMEM_BASE, config.lmem_log_size,
            config.block_bytes, config.block_bytes]
    with Device(config, backend="emu") as device:
        r = device.zeros(len(want), np.uint32)
        device.run(str(compile_kernel(source, config)), r)
        assert device.download(r).tolist() == want
        assert device.console() == "1.414\n"


CXX_KERNEL = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <assert.h>
#include <ctype.h>
#include <vx_print.h>
#include <VX_config.h>
struct Root { float x; Root(float v) : x(sqrtf(v)) {} };
static Root root2(2.0f);              // a global constructor calling libm
int main() {
    char buf[32];
    snprintf(buf, sizeof buf, "%.3f", (double)root2.x);
    assert(strcmp(buf, "1.414") == 0);
    vx_printf("%s %d %d %c\n", buf, abs(-3), NUM_WARPS, toupper('q'));
    return 0;
}
"""


def test_headers_work_in_cpp_kernels(tmp_path):
    source = tmp_path / "libc_kernel.cpp"
    source.write_text(CXX_KERNEL)
    device = _device("emu")
    device.run(str(compile_kernel(source, CONFIG)))
    assert device.console() == f"1.414 3 {CONFIG.warps} Q\n"
