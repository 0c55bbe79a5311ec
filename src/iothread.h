/* The I/O thread: a GLib main loop on its own GMainContext, for everything
 * asynchronous (ivshmem sockets and eventfds, stdin, host-clock timers).
 * Sources are attached to iothread_context(); their callbacks run on the
 * I/O thread and hand work to the CPU thread through a DeferQueue. */
#ifndef MINIVM_IOTHREAD_H
#define MINIVM_IOTHREAD_H

#include <glib.h>

typedef struct IoThread IoThread;

IoThread *iothread_new(void);
GMainContext *iothread_context(IoThread *io);
/* Stops the loop, joins the thread; sources stay attached to the context
 * and are destroyed with it. */
void iothread_free(IoThread *io);

#endif
