/* Shared by the ivshmem tests: every fd a test opens must be closed again. */
#ifndef MINIVM_IVSHMEM_TEST_FDS_H
#define MINIVM_IVSHMEM_TEST_FDS_H

#include <check.h>
#include <glib.h>

/* How many fds this process has open. */
static inline unsigned count_fds(void)
{
    unsigned n = 0;
    GDir *d = g_dir_open("/proc/self/fd", 0, NULL);
    ck_assert_ptr_nonnull(d);
    while (g_dir_read_name(d) != NULL)
        n++;
    g_dir_close(d);
    return n;
}

#endif
