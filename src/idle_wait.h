/* How the CPU thread waits while the guest sleeps (WFI/WFE) and idle time
 * follows the host: blocked in poll() on a wake-up eventfd and on the
 * event fds devices register, so that an event from outside (an ivshmem
 * doorbell) is seen by the CPU thread itself, without a hop through the
 * I/O thread. Before blocking it may busy-poll for a short while (halt
 * polling, as KVM does): an event that comes within that window is seen
 * within a microsecond instead of after a thread wake-up (~10 µs on a
 * small VM). DESIGN.md §3, §5; README "--idle-poll". */
#ifndef MINIVM_IDLE_WAIT_H
#define MINIVM_IDLE_WAIT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct IdleWait IdleWait;

/* CPU thread: fd was readable while the CPU thread waited. It must not
 * block: read the fd non-blocking (another thread may have drained it). */
typedef void (*IdleFdReady)(void *opaque);
/* CPU thread: true when the wait should end (work arrived). */
typedef bool (*IdleDone)(void *opaque);

/* Errors are MINIVM_ERROR / MINIVM_EXIT_INTERNAL (no eventfd). */
IdleWait *idle_wait_new(GError **error);
void idle_wait_free(IdleWait *w);

/* Any thread, after making the reason visible to done(): ends a wait in
 * progress (a system call only when the CPU thread is blocked). */
void idle_wait_wake(IdleWait *w);

/* CPU thread, before or between waits: also wake for fd (not owned). */
void idle_wait_add_fd(IdleWait *w, int fd, IdleFdReady ready, void *opaque);
unsigned idle_wait_fd_count(const IdleWait *w);

/* CPU thread: returns once done(opaque) is true, once a registered fd was
 * readable and its ready() ran, or when host time reaches deadline_ns
 * (g_get_monotonic_time() in ns; 0 = none). Polls busily for up to spin_ns
 * first. */
void idle_wait(IdleWait *w, IdleDone done, void *opaque, uint64_t deadline_ns,
               uint64_t spin_ns);

#endif
