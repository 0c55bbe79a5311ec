/* Work handed to the CPU thread. Any thread posts a function; the CPU
 * thread runs it at the next instruction-block boundary (or as soon as it
 * wakes from WFI), so device state is only ever touched by the CPU thread.
 * Posting calls the kick function, which makes the CPU thread look. */
#ifndef MINIVM_DEFER_H
#define MINIVM_DEFER_H

#include <stdbool.h>

typedef struct DeferQueue DeferQueue;
typedef void (*DeferFn)(void *data);

/* kick may be NULL (tests run defer_run() themselves). */
DeferQueue *defer_queue_new(void (*kick)(void *opaque), void *kick_opaque);
void defer_queue_free(DeferQueue *q);

/* Thread-safe. Functions run in posting order. */
void defer_post(DeferQueue *q, DeferFn fn, void *data);
/* As defer_post; should the queue be freed before fn ran (the machine
 * stopped first), discard(data) is called instead, to release what data
 * holds. */
void defer_post_full(DeferQueue *q, DeferFn fn, void *data, DeferFn discard);
/* CPU thread: runs everything posted so far; returns how many ran. */
unsigned defer_run(DeferQueue *q);
/* Relaxed check, cheap enough for the block hook. */
bool defer_has_work(DeferQueue *q);

#endif
