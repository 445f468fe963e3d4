/* diverge(n, in, out): divergent control flow written as plain C, with no split/join -- what a stock
 * compiler emits for per-lane `if`, `||`, `?:`, loops, `switch`, calls through a function pointer and
 * early `return`. The core must run every lane on its own path (min-PC reconvergence, docs/simt.md).
 *
 * Arguments: n, address of in (int32), address of out (8 * n int32). Task i reads v = in[i] and
 * writes (catalog.py has the same rules in Python):
 *   out[8i+0..3]  the four results of divergence.c (nested if/else, a data-dependent loop with a
 *                 divergent body, an early exit, a loop until no bit is left)
 *   out[8i+4]     switch (v & 7) with eight cases (a jump table: lanes jump to different targets)
 *   out[8i+5]     a call through a table of four functions, chosen by (v >> 3) & 3
 *   out[8i+6]     (v > 1000 || (v & 5) == 5) ? v % 9 : -(v & 0xFF)
 *   out[8i+7]     1 if the lane got here by the fall-through path, or 2 if it returned early from
 *                 a helper that has its own loop (v % 5 == 0)
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    const int32_t *in;
    int32_t *out;
} diverge_args_t;

static int32_t nested(int32_t v) {
    if (v & 1)
        return (v & 2) ? (int32_t)(3u * (uint32_t)v) : (int32_t)((uint32_t)v + 7u);
    if ((v & 12) == 4)
        return v ^ 0x55;
    return (v & 16) ? (int32_t)(0u - (uint32_t)v) : v >> 1;
}

static __attribute__((noinline)) int32_t collatz(int32_t v) {
    uint32_t x = ((uint32_t)v & 255u) + 1u, steps = 0;
    while (x != 1 && steps < 200) {
        if (x & 1)
            x = 3 * x + 1;
        else
            x >>= 1;
        steps++;
    }
    return (int32_t)steps;
}

static __attribute__((noinline)) int32_t early(int32_t v) {
    if (v < 0)
        return -1;
    uint32_t limit = (uint32_t)v % 13u, sum = 0;
    for (uint32_t j = 0; j <= limit; j++)
        sum += j;
    return (int32_t)sum;
}

static __attribute__((noinline)) int32_t switched(int32_t v) {
    switch (v & 7) {
    case 0: return v + 11;
    case 1: return v * 5;
    case 2: return v ^ 0x1234;
    case 3: return v >> 3;
    case 4: return (int32_t)((uint32_t)v << 2);
    case 5: return v - 99;
    case 6: return v | 0x100;
    default: return v & 0xF0F;
    }
}

static int32_t f_add(int32_t v) { return v + 1; }
static int32_t f_neg(int32_t v) { return -v; }
static int32_t f_half(int32_t v) { return v / 2; }
static int32_t f_sq(int32_t v) { return (v & 0xFF) * (v & 0xFF); }
static int32_t (*const table[4])(int32_t) = {f_add, f_neg, f_half, f_sq};

static __attribute__((noinline)) int32_t path(int32_t v) {
    if (v % 5 == 0) {
        int32_t k = 0;
        while (k * k < (v & 63))
            k++;
        return 2 + 0 * k;
    }
    return 1;
}

static void diverge_body(void *p) {
    const diverge_args_t *arg = p;
    const uint32_t i = blockIdx.x;
    const int32_t v = arg->in[i];
    int32_t *out = arg->out + 8 * i;
    uint32_t bits = (uint32_t)v & 0xFFFFu, count = 0;

    out[0] = nested(v);
    out[1] = collatz(v);
    out[2] = early(v);
    while (bits) {
        count += bits & 1u;
        bits >>= 1;
    }
    out[3] = (int32_t)count;
    out[4] = switched(v);
    out[5] = table[(v >> 3) & 3](v);
    out[6] = (v > 1000 || (v & 5) == 5) ? v % 9 : -(v & 0xFF);
    out[7] = path(v);
}

int main(void) {
    const diverge_args_t *arg = sl_arg();
    return vx_spawn_threads(1, &arg->n, NULL, diverge_body, arg);
}
