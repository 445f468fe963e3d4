/* sort(n, data): sort data[0..n) ascending in place (int32, signed order).
 *
 * Arguments: n, address of data. Quicksort (median of three, explicit stack of pending ranges) that
 * falls back to insertion sort for short ranges; a final pass checks the order and ends the run with
 * exit code 2 if it is wrong.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    uint32_t n;
    int32_t *data;
} sort_args_t;

static void insertion_sort(int32_t *v, int32_t lo, int32_t hi) {   /* [lo, hi] */
    for (int32_t i = lo + 1; i <= hi; i++) {
        int32_t x = v[i];
        int32_t j = i - 1;
        while (j >= lo && v[j] > x) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

static inline void swap(int32_t *v, int32_t i, int32_t j) {
    int32_t t = v[i];
    v[i] = v[j];
    v[j] = t;
}

static void quicksort(int32_t *v, int32_t n) {
    int32_t stack[64][2];   /* smaller side first: depth <= 2 log2(n) */
    int32_t top = 0;
    stack[top][0] = 0;
    stack[top][1] = n - 1;
    top++;
    while (top) {
        top--;
        int32_t lo = stack[top][0], hi = stack[top][1];
        while (hi - lo >= 16) {
            int32_t mid = lo + (hi - lo) / 2;
            if (v[mid] < v[lo]) swap(v, mid, lo);
            if (v[hi] < v[lo]) swap(v, hi, lo);
            if (v[hi] < v[mid]) swap(v, hi, mid);
            int32_t pivot = v[mid];
            int32_t i = lo, j = hi;
            while (i <= j) {
                while (v[i] < pivot) i++;
                while (v[j] > pivot) j--;
                if (i <= j) {
                    swap(v, i, j);
                    i++;
                    j--;
                }
            }
            /* [lo, j] and [i, hi]: push the larger, keep working on the smaller */
            if (j - lo < hi - i) {
                stack[top][0] = i; stack[top][1] = hi; top++;
                hi = j;
            } else {
                stack[top][0] = lo; stack[top][1] = j; top++;
                lo = i;
            }
        }
        insertion_sort(v, lo, hi);
    }
}

int main(void) {
    const sort_args_t *arg = sl_arg();
    int32_t n = (int32_t)arg->n;
    if (n > 1)
        quicksort(arg->data, n);
    for (int32_t i = 1; i < n; i++)
        if (arg->data[i - 1] > arg->data[i])
            return 2;
    return 0;
}
