/* The guest half of bench/ivshmem-rtt: its interrupt handler rings the
 * peer named in the shared memory right back, so a host peer can time the
 * doorbell round trip (host -> guest ISR -> host). Nothing is printed per
 * bounce. The thread sleeps in WFI until the host asks it to quit.
 * Shared memory layout (little-endian words):
 *   0x0 reply_to: the peer id to ring back (vector 0); write it before the
 *                 first doorbell (not rung when it is this VM's own id)
 *   0x4 quit:     BOUNCE_QUIT ends the program (exit 0)
 *   0x8 bounces:  how many interrupts the handler took (written by it) */
#include "armv7m.h"
#include "console.h"
#include "ivshmem.h"
#include "mps2-an385.h"
#include "startup.h"

#define BOUNCE_QUIT 0x51554954u /* "QUIT" */

typedef struct {
    volatile uint32_t reply_to;
    volatile uint32_t quit;
    volatile uint32_t bounces;
} BounceShm;

#define SHM ((BounceShm *)IVSHMEM_SHM_BASE)

IRQ_HANDLER(IVSHMEM_IRQn)
{
    uint32_t to = SHM->reply_to;
    /* never itself (a doorbell storm), nor an id no peer can have */
    if (to != IVSHMEM->IVPOSITION && to <= 0xFFFF)
        IVSHMEM->DOORBELL = IVSHMEM_DOORBELL(to, 0);
    SHM->bounces++;
}

int main(void)
{
    SHM->bounces = 0;
    SHM->quit = 0; /* a previous run on the same server left it set */
    NVIC_EnableIRQ(IVSHMEM_IRQn);
    con_printf("ivshmem-bounce: peer %u bounces doorbells\n", IVSHMEM->IVPOSITION);
    WFI_UNTIL(SHM->quit == BOUNCE_QUIT);
    con_printf("ivshmem-bounce: %u bounces\n", SHM->bounces);
    return 0;
}
