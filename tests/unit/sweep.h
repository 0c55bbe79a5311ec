/* Randomized sweeps: deterministic by default (a fixed seed per sweep, as
 * the loader's sweeps use), with the seed printed so that a failure found
 * with another one can be repeated:
 *   MINIVM_SWEEP_SEED=n        run every sweep with seed n
 *   MINIVM_SWEEP_ITERATIONS=n  run n iterations instead of the default
 * The default iteration counts are lower under AddressSanitizer, which
 * makes every iteration slower, so that both builds stay well within the
 * unit tests' time limit. */
#ifndef MINIVM_SWEEP_H
#define MINIVM_SWEEP_H

#include <check.h>
#include <glib.h>
#include <stdio.h>

#if defined(__SANITIZE_ADDRESS__)
#define SWEEP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SWEEP_SANITIZED 1
#endif
#endif
#ifndef SWEEP_SANITIZED
#define SWEEP_SANITIZED 0
#endif

/* Where a sweep is, for its failure messages: each sweep's test program
 * defines it and keeps seed and iter up to date. */
typedef struct {
    guint32 seed;
    unsigned iter;
    char why[256];
} SweepState;

extern SweepState sweep;

/* ck_assert_msg, naming the seed and the iteration. */
#define SWEEP_ASSERT(cond, ...)                                                           \
    ck_assert_msg(cond, "seed %u iteration %u: %s", sweep.seed, sweep.iter,               \
                  (g_snprintf(sweep.why, sizeof(sweep.why), __VA_ARGS__), sweep.why))

static inline guint32 sweep_env_uint(const char *name, guint32 fallback)
{
    const char *text = g_getenv(name);
    guint64 n = 0;
    if (text == NULL || !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &n, NULL))
        return fallback;
    return (guint32)n;
}

/* The seed a sweep runs with, printed with how to repeat the run. */
static inline guint32 sweep_seed(const char *name, guint32 fixed)
{
    guint32 seed = sweep_env_uint("MINIVM_SWEEP_SEED", fixed);
    fprintf(stderr, "%s: seed %u (repeat with MINIVM_SWEEP_SEED=%u)\n", name, seed, seed);
    return seed;
}

/* normal iterations in a plain build, sanitized under ASan. */
static inline unsigned sweep_iterations(unsigned normal, unsigned sanitized)
{
    return sweep_env_uint("MINIVM_SWEEP_ITERATIONS", SWEEP_SANITIZED ? sanitized : normal);
}

/* The code under test warns of every bad input it ignores: thousands of
 * lines in a sweep. Until sweep_unmute(), its warnings (stdio's stderr)
 * are dropped; sanitizer reports, written to fd 2, still show. */
static inline FILE *sweep_mute(void)
{
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(stderr);
    return saved;
}

static inline void sweep_unmute(FILE *saved)
{
    fclose(stderr);
    stderr = saved;
}

#endif
