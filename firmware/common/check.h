/* Helpers for the self-checking test programs: CHECK() reports a failed
 * condition on the console and counts it; an event trace records the order
 * in which handlers ran, to compare with the order the architecture
 * requires. */
#ifndef FW_CHECK_H
#define FW_CHECK_H

#define CHECK(cond) check_((cond) != 0, #cond, __FILE__, __LINE__)
void check_(int ok, const char *what, const char *file, int line);

/* Prints "<name>: PASS" or "<name>: FAIL (<n> failed checks)" and returns
 * the exit status for main: 0 if all checks passed, 1 otherwise. */
int check_finish(const char *name);

/* Appends c to the trace (safe from handlers; bounded). */
void trace(char c);
/* Prints the trace ("order: ..."), compares it with expected, reports a
 * mismatch, then clears it. */
void trace_expect(const char *expected);

#endif
