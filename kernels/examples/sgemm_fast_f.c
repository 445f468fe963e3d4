/* sgemm_fast_f(m, n, k, A, B, C): C = A x B on float32 (A m x k, B k x n, C m x n, row-major), tuned
 * for simtlab's core (the float sgemm of `make bench`).
 *
 * Arguments: m, n, k, address of A, address of B, address of C.
 * Register blocking: a warp owns a tile of 4 rows x 4 * NUM_THREADS columns of C; lane l of the warp
 * computes rows r0 .. r0 + 3 and columns c0 + l + q * NUM_THREADS (q = 0..3), 16 accumulators in
 * registers. Each step e of the k loop loads A[r0 + i][e] (i = 0..3: the same address on every lane,
 * one memory request each) and B[e][c0 + l + q * NUM_THREADS] (q = 0..3: consecutive lanes read
 * consecutive words, one 64-byte block per load when the row is aligned), then runs 16 fmadd.s: 8 loads
 * per 16 fused multiply-adds. The k loop is unrolled 4 times (a plain loop does the k % 4 rest); it
 * has no divide and no lane-dependent branch.
 * Launch: task mode, 1-D grid of ceil(m / 4) * ceil(n / (4 * NUM_THREADS)) * NUM_THREADS tasks; the
 * NUM_THREADS consecutive tasks of a warp share one tile (one divide per task, outside the k loop).
 * Edges: rows past m and columns past n are clamped to the last row / column for the loads (results
 * discarded); stores are guarded (a warp-uniform test for the rows, SL_IF for partial column groups).
 * Order, as in sgemm_f (checked bit-exactly against the same reference):
 *   acc = +0.0f; for e = 0 .. k-1: acc = fma(A[row][e], B[e][col], acc).
 */
#include <stdint.h>
#include "simtlab.h"
#include "sl_float.h"

#define TM 4                    /* rows per thread */
#define TN 4                    /* columns per thread, NUM_THREADS apart */
#define T NUM_THREADS

typedef struct {
    uint32_t m, n, k;
    const float *a;
    const float *b;
    float *c;
} sgemm_args_t;

#define FMA_ROW(i, av)                                                    \
    c##i##0 = sl_fmaf(av, b0, c##i##0);                                   \
    c##i##1 = sl_fmaf(av, b1, c##i##1);                                   \
    c##i##2 = sl_fmaf(av, b2, c##i##2);                                   \
    c##i##3 = sl_fmaf(av, b3, c##i##3);

/* One k step: B row at pointer bp (lanes' first column), A column at offset off of each row. */
#define KSTEP(bp, off) {                                                  \
        const float b0 = (bp)[0], b1 = (bp)[T], b2 = (bp)[2 * T], b3 = (bp)[3 * T]; \
        const float x0 = a0[off], x1 = a1[off], x2 = a2[off], x3 = a3[off]; \
        FMA_ROW(0, x0) FMA_ROW(1, x1) FMA_ROW(2, x2) FMA_ROW(3, x3)       \
    }

/* Same with four separate (clamped) column pointers. */
#define KSTEP_EDGE(e) {                                                   \
        const float b0 = p0[(e) * n], b1 = p1[(e) * n], b2 = p2[(e) * n], b3 = p3[(e) * n]; \
        const float x0 = a0[e], x1 = a1[e], x2 = a2[e], x3 = a3[e];       \
        FMA_ROW(0, x0) FMA_ROW(1, x1) FMA_ROW(2, x2) FMA_ROW(3, x3)       \
    }

/* Keeps the compiler from hoisting the loads of later k steps above this point: hoisted, they need
 * more registers than there are and spill to the (per-thread, uncoalesced) stack. */
#define SCHED_FENCE() __asm__ __volatile__ ("" ::: "memory")

#define STORE_ROW(i)                                                      \
    if (r0 + i < m) {                           /* uniform */             \
        float *cr = arg->c + (r0 + i) * n + col;                          \
        if (full) {                             /* uniform */             \
            cr[0] = c##i##0; cr[T] = c##i##1; cr[2 * T] = c##i##2; cr[3 * T] = c##i##3; \
        } else {                                                          \
            SL_IF(col < n) { cr[0] = c##i##0; } SL_ENDIF;                 \
            SL_IF(col + T < n) { cr[T] = c##i##1; } SL_ENDIF;             \
            SL_IF(col + 2 * T < n) { cr[2 * T] = c##i##2; } SL_ENDIF;     \
            SL_IF(col + 3 * T < n) { cr[3 * T] = c##i##3; } SL_ENDIF;     \
        }                                                                 \
    }

static inline uint32_t clamp(uint32_t v, uint32_t last) {
    return sl_select(v <= last, v, last);
}

static void sgemm_fast_body(void *p) {
    const sgemm_args_t *arg = p;
    const uint32_t m = arg->m, n = arg->n, k = arg->k;
    const uint32_t task = blockIdx.x;
    const uint32_t lane = task % T, tile = task / T;
    const uint32_t col_tiles = (n + TN * T - 1) / (TN * T);
    const uint32_t tile_row = tile / col_tiles;
    const uint32_t r0 = tile_row * TM;
    const uint32_t c0 = (tile - tile_row * col_tiles) * (TN * T);
    const uint32_t col = c0 + lane;
    const uint32_t full = c0 + TN * T <= n;                 /* uniform: every column of the tile */

    /* rows past m repeat row m - 1 (uniform values) */
    const float *a0 = arg->a + (r0 + 0 < m ? r0 + 0 : m - 1) * k;
    const float *a1 = arg->a + (r0 + 1 < m ? r0 + 1 : m - 1) * k;
    const float *a2 = arg->a + (r0 + 2 < m ? r0 + 2 : m - 1) * k;
    const float *a3 = arg->a + (r0 + 3 < m ? r0 + 3 : m - 1) * k;

    float c00 = 0.0f, c01 = 0.0f, c02 = 0.0f, c03 = 0.0f;
    float c10 = 0.0f, c11 = 0.0f, c12 = 0.0f, c13 = 0.0f;
    float c20 = 0.0f, c21 = 0.0f, c22 = 0.0f, c23 = 0.0f;
    float c30 = 0.0f, c31 = 0.0f, c32 = 0.0f, c33 = 0.0f;

    uint32_t e = 0;
    if (full) {
        const float *b = arg->b + col;
        const uint32_t k4 = k & ~3u;
        const uint32_t n4 = 4 * n;
        for (; e < k4; e += 4) {
            const float *bq1 = b + n, *bq2 = b + 2 * n, *bq3 = b + 3 * n;
            KSTEP(b, 0)
            SCHED_FENCE();
            KSTEP(bq1, 1)
            SCHED_FENCE();
            KSTEP(bq2, 2)
            SCHED_FENCE();
            KSTEP(bq3, 3)
            SCHED_FENCE();
            b += n4;
            a0 += 4; a1 += 4; a2 += 4; a3 += 4;
        }
        for (; e < k; e++) {
            KSTEP(b, 0)
            b += n;
            a0++; a1++; a2++; a3++;
        }
    } else {
        const uint32_t last = n - 1;
        const float *p0 = arg->b + clamp(col, last);
        const float *p1 = arg->b + clamp(col + T, last);
        const float *p2 = arg->b + clamp(col + 2 * T, last);
        const float *p3 = arg->b + clamp(col + 3 * T, last);
        for (; e < k; e++)
            KSTEP_EDGE(e)
    }

    STORE_ROW(0)
    STORE_ROW(1)
    STORE_ROW(2)
    STORE_ROW(3)
}

int main(void) {
    const sgemm_args_t *arg = sl_arg();
    const uint32_t row_tiles = (arg->m + TM - 1) / TM;
    const uint32_t col_tiles = (arg->n + TN * T - 1) / (TN * T);
    uint32_t tasks = row_tiles * col_tiles * T;
    return vx_spawn_threads(1, &tasks, NULL, sgemm_fast_body, arg);
}
