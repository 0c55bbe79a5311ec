/* The end of every unit test program's main(): runs the suite and turns
 * the result into the exit status meson reads. */
#ifndef MINIVM_UNIT_MAIN_H
#define MINIVM_UNIT_MAIN_H

#include <check.h>

static inline int run_suite(Suite *suite)
{
    SRunner *sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

#endif
