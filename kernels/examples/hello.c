/* hello(value, text): console output through sl_printf.
 *
 * Arguments: value (int32), address of text (a NUL-terminated string). Prints one line per
 * conversion kind; catalog.py holds the exact expected console text.
 */
#include <stdint.h>
#include "simtlab.h"

typedef struct {
    int32_t value;
    const char *text;
} hello_args_t;

int main(void) {
    const hello_args_t *arg = sl_arg();
    sl_puts("hello from simtlab");
    sl_printf("d=%d u=%u x=%x X=%X\n", arg->value, (unsigned)arg->value, (unsigned)arg->value,
              (unsigned)arg->value);
    sl_printf("s=%s c=%c pct=%% pad=[%5d] [%-4d] [%08x] [%3s]\n", arg->text, 'Z', 42, -7, 0xbeefu, "ab");
    /* The shape CSRs must agree with the configuration the kernel was compiled for (any shape). */
    sl_printf("shape=%s cores=%d hart=%d\n",
              vx_num_threads() == NUM_THREADS && vx_num_warps() == NUM_WARPS ? "ok" : "WRONG",
              vx_num_cores(), vx_hart_id());
    sl_printf("min=%d zero=%d\n", (int)0x80000000, 0);
    return 0;
}
