/* minivm error domain: every GError that reaches main() carries, as its
 * code, the process exit status documented in README.md. */
#ifndef MINIVM_ERRORS_H
#define MINIVM_ERRORS_H

#include <glib.h>

#define MINIVM_ERROR (minivm_error_quark())
GQuark minivm_error_quark(void);

typedef enum {
    MINIVM_EXIT_USAGE = 64,        /* bad command line */
    MINIVM_EXIT_BAD_IMAGE = 65,    /* firmware image unusable */
    MINIVM_EXIT_NO_FILE = 66,      /* a named file is missing or unreadable */
    MINIVM_EXIT_UNAVAILABLE = 69,  /* external service unreachable / broke protocol */
    MINIVM_EXIT_INTERNAL = 70,     /* internal error */
    MINIVM_EXIT_BAD_BOARD = 78,    /* invalid board file */
    MINIVM_EXIT_GUEST_FAULT = 100, /* guest fatal fault or lockup */
    MINIVM_EXIT_GUEST_STUCK = 101, /* WFI with no possible wake source */
    MINIVM_EXIT_TIMEOUT = 124,     /* --timeout reached */
    MINIVM_EXIT_INSN_LIMIT = 125,  /* --max-insns reached */
} MinivmExit;

#endif
