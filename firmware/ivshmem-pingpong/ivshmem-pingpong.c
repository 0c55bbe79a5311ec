/* Two VMs on one ivshmem server exchange PINGPONG_ROUNDS messages each way
 * through the shared memory, ringing each other's doorbell after each.
 * Each announces itself in the shared memory and rings the peers it finds
 * there, so neither needs to start first; the one with the lower peer id
 * sends first. Each prints what it receives and exits 0.
 *   minivm --ivshmem-serve SOCK ivshmem-pingpong.elf &
 *   minivm --ivshmem SOCK ivshmem-pingpong.elf
 * Shared memory layout (little-endian words):
 *   0x000 announce[64]: PINGPONG_MAGIC while peer id i takes part
 *   0x100 mailbox[64], 64 bytes each, written only by peer id i:
 *         +0 seq (last message number), +4 text (NUL-terminated)
 * Expects the shared memory fresh, or left by clean exits (which clear
 * their announcement). */
#include "armv7m.h"
#include "console.h"
#include "ivshmem.h"
#include "mps2-an385.h"
#include "startup.h"

#define PINGPONG_ROUNDS 5
#define PINGPONG_MAGIC 0x50494E47u /* "PING" */
#define MAX_PEERS 64

typedef struct {
    volatile uint32_t seq;
    char text[60];
} Mailbox;

typedef struct {
    volatile uint32_t announce[MAX_PEERS];
    Mailbox mailbox[MAX_PEERS];
} PingPongShm;

#define SHM ((PingPongShm *)IVSHMEM_SHM_BASE)

static volatile uint32_t doorbells;
static uint32_t self;

IRQ_HANDLER(IVSHMEM_IRQn)
{
    doorbells++;
}

/* Another announced peer's id, or -1. Rings every one found, so that a
 * peer that announced itself earlier and sleeps wakes up and looks too. */
static int find_peer(void)
{
    int found = -1;
    for (uint32_t id = 0; id < MAX_PEERS; id++) {
        if (id != self && SHM->announce[id] == PINGPONG_MAGIC) {
            if (found < 0)
                found = (int)id;
            IVSHMEM->DOORBELL = IVSHMEM_DOORBELL(id, 0);
        }
    }
    return found;
}

static void send(uint32_t peer, uint32_t seq, const char *what)
{
    Mailbox *mb = &SHM->mailbox[self];
    fmt_snprint(mb->text, sizeof mb->text, "%s %u from peer %u", what, seq, self);
    __DSB(); /* the text before the sequence number */
    mb->seq = seq;
    __DSB(); /* the sequence number before the doorbell */
    IVSHMEM->DOORBELL = IVSHMEM_DOORBELL(peer, 0);
}

static void receive(uint32_t peer, uint32_t seq)
{
    Mailbox *mb = &SHM->mailbox[peer];
    WFI_UNTIL(mb->seq == seq);
    __DSB();
    con_printf("received: %s\n", mb->text);
}

int main(void)
{
    self = IVSHMEM->IVPOSITION;
    if (self >= MAX_PEERS) {
        con_printf("ivshmem-pingpong: peer id %u too large\n", self);
        return 2;
    }
    NVIC_EnableIRQ(IVSHMEM_IRQn);
    SHM->mailbox[self].seq = 0;
    __DSB();
    SHM->announce[self] = PINGPONG_MAGIC;
    __DSB();

    int found;
    WFI_UNTIL((found = find_peer()) >= 0);
    uint32_t peer = (uint32_t)found;
    int first = self < peer;
    con_printf("ivshmem-pingpong: peer %u here, peer %u there, %s\n", self, peer,
               first ? "sending first" : "answering");

    for (uint32_t round = 1; round <= PINGPONG_ROUNDS; round++) {
        if (first) {
            send(peer, round, "ping");
            receive(peer, round);
        } else {
            receive(peer, round);
            send(peer, round, "pong");
        }
    }
    SHM->announce[self] = 0;
    con_printf("ivshmem-pingpong: %u rounds done\n", PINGPONG_ROUNDS);
    return 0;
}
