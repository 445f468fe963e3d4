/* simtlab's assert.h: a failing assert prints
 *     assertion failed: <expr> (<file>:<line>, <function>)
 * (with the lane: "[warp W lane L]" prefix) and ends the whole run with exit code 134 (the driver raises
 * KernelFailed). NDEBUG turns assert off. No include guard, as the C standard asks. */
#undef assert
#ifdef NDEBUG
#define assert(e) ((void)0)
#else
#ifdef __cplusplus
extern "C"
#endif
__attribute__((noreturn)) void __sl_assert_fail(const char *expr, const char *file, int line,
                                                const char *func);
#define assert(e) ((e) ? (void)0 : __sl_assert_fail(#e, __FILE__, __LINE__, __func__))
#endif

#ifndef static_assert
#ifndef __cplusplus
#define static_assert _Static_assert
#endif
#endif
