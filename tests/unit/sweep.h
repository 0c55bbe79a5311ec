/* Randomized sweeps: deterministic by default (a fixed seed per sweep, as
 * the loader's sweeps use), with the seed printed so that a failure found
 * with another one can be repeated:
 *   MINIVM_SWEEP_SEED=n        run every sweep with seed n
 *   MINIVM_SWEEP_ITERATIONS=n  run n iterations instead of the default
 * The default iteration counts are lower under AddressSanitizer, which
 * makes every iteration several times slower, so that both builds stay
 * within the unit tests' time limit. */
#ifndef MINIVM_SWEEP_H
#define MINIVM_SWEEP_H

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

static inline guint32 sweep_env_uint(const char *name, guint32 fallback)
{
    const char *text = g_getenv(name);
    guint64 n = 0;
    if (text == NULL || !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT32, &n, NULL))
        return fallback;
    return (guint32)n;
}

/* The seed a sweep runs with, printed with how to repeat the run. */
static inline guint32 sweep_seed(const char *sweep, guint32 fixed)
{
    guint32 seed = sweep_env_uint("MINIVM_SWEEP_SEED", fixed);
    fprintf(stderr, "%s: seed %u (repeat with MINIVM_SWEEP_SEED=%u)\n", sweep, seed, seed);
    return seed;
}

/* normal iterations in a plain build, sanitized under ASan. */
static inline unsigned sweep_iterations(unsigned normal, unsigned sanitized)
{
    return sweep_env_uint("MINIVM_SWEEP_ITERATIONS", SWEEP_SANITIZED ? sanitized : normal);
}

#endif
