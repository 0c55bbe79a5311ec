/* Answers requests from a host peer (e.g. tools/minivm-ivshmem-peer)
 * through the ivshmem-flat shared memory: on each doorbell, if a new
 * request is there, prints it, writes the same text back as the reply and
 * rings the requesting peer's vector 0. The request "quit" is answered,
 * then the program exits 0.
 * Shared memory layout (little-endian words):
 *   0x000 request: +0 seq, +4 from (the requester's peer id), +8 len,
 *                  +12 text (len bytes, at most 244)
 *   0x100 reply:   +0 seq (the request's, written last), +4 len, +8 text
 * A requester writes the request with a new seq (not 0: the shared memory
 * starts zeroed), rings this VM's vector 0 (its peer id is printed at
 * start), waits for its own interrupt and reads the reply. */
#include "armv7m.h"
#include "console.h"
#include "ivshmem.h"
#include "libc.h"
#include "mps2-an385.h"
#include "startup.h"

#define ECHO_MAX_TEXT 244

typedef struct {
    volatile uint32_t seq, from, len;
    char text[ECHO_MAX_TEXT];
} EchoRequest;

typedef struct {
    volatile uint32_t seq, len;
    char text[248];
} EchoReply;

typedef struct {
    EchoRequest request; /* 0x000 */
    EchoReply reply;     /* 0x100 */
} EchoShm;

#define SHM ((EchoShm *)IVSHMEM_SHM_BASE)

static volatile uint32_t doorbells;

IRQ_HANDLER(IVSHMEM_IRQn)
{
    doorbells++;
}

int main(void)
{
    con_printf("ivshmem-echo: peer %u, waiting for requests\n", IVSHMEM->IVPOSITION);
    NVIC_EnableIRQ(IVSHMEM_IRQn);
    /* A request may already be there: the requester can ring as soon as
     * this VM has connected, before main runs. */
    uint32_t last = 0;
    for (;;) {
        WFI_UNTIL(SHM->request.seq != last);
        __DSB();
        last = SHM->request.seq;
        uint32_t len = SHM->request.len;
        if (len > ECHO_MAX_TEXT)
            len = ECHO_MAX_TEXT;
        char text[ECHO_MAX_TEXT + 1];
        memcpy(text, SHM->request.text, len);
        text[len] = '\0';
        uint32_t from = SHM->request.from;
        con_printf("request %u from peer %u: %s\n", last, from, text);

        memcpy(SHM->reply.text, text, len);
        SHM->reply.len = len;
        __DSB(); /* the reply before its sequence number */
        SHM->reply.seq = last;
        __DSB(); /* and before the doorbell */
        IVSHMEM->DOORBELL = IVSHMEM_DOORBELL(from, 0);
        if (strcmp(text, "quit") == 0)
            break;
    }
    con_puts("ivshmem-echo: quit\n");
    return 0;
}
