/* simtlab's stdlib.h subset (libc.c). No heap: malloc/free are not provided.
 * rand() keeps one state per hardware thread (seeded 1, srand sets the calling thread's), so lanes do
 * not race on it; the generator is a 32-bit xorshift, values 0 .. RAND_MAX. exit() ends the whole run
 * (IO_EXIT) with that code; abort() prints "abort" and ends it with code 134. */
#ifndef SIMTLAB_STDLIB_H
#define SIMTLAB_STDLIB_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RAND_MAX 0x7FFFFFFF
#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

typedef struct { int quot, rem; } div_t;

int abs(int v);
long labs(long v);
long long llabs(long long v);
div_t div(int num, int den);
int atoi(const char *s);
long atol(const char *s);
long strtol(const char *__restrict s, char **__restrict end, int base);
unsigned long strtoul(const char *__restrict s, char **__restrict end, int base);
int rand(void);
void srand(unsigned seed);
void qsort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));
void *bsearch(const void *key, const void *base, size_t n, size_t size,
              int (*cmp)(const void *, const void *));
__attribute__((noreturn)) void exit(int code);
__attribute__((noreturn)) void abort(void);

#ifdef __cplusplus
}
#endif

#endif /* SIMTLAB_STDLIB_H */
