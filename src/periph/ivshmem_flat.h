/* ivshmem-flat: the inter-VM shared memory device for boards without PCI
 * (QEMU's hw/misc/ivshmem-flat.c, DESIGN.md §5). Four 32-bit registers and
 * one interrupt line; the shared memory itself is mapped into guest memory
 * by the machine from ivshmem_client_shm()/ivshmem_client_shm_size().
 *
 * Register window, 32-bit aligned accesses:
 *   0x0 INTRMASK    reads 0, writes ignored (reserved in spec revision 1)
 *   0x4 INTRSTATUS  reads 0, writes ignored
 *   0x8 IVPOSITION  read-only: the own peer id
 *   0xC DOORBELL    write-only: bits 31..16 peer id, bits 15..0 vector;
 *                   rings that peer's eventfd for that vector. An unknown
 *                   peer or a vector it does not have is ignored (traced).
 * Everything else - byte or halfword accesses, a write to IVPOSITION, a read
 * of DOORBELL, offsets from 0x10 on - is a guest error: ignored, reads as 0,
 * traced, and returns MMIO_UNASSIGNED so that --strict makes it a bus fault.
 *
 * Each own eventfd that fires is drained and becomes one pulse on the
 * line; all vectors share the line. While the guest runs, the I/O thread
 * drains it and posts the pulse to the CPU thread through the DeferQueue;
 * while the guest sleeps, the CPU thread watches the eventfds itself
 * (ivshmem_flat_wake_idle_cpu) and pulses at once, a thread wake-up
 * sooner. Whichever drains a kick first delivers it, once. */
#ifndef MINIVM_IVSHMEM_FLAT_H
#define MINIVM_IVSHMEM_FLAT_H

#include "client.h"
#include "defer.h"
#include "device.h"
#include "idle_wait.h"

#define IVSHMEM_FLAT_WINDOW_SIZE 0x10

typedef struct IvshmemFlat IvshmemFlat;

extern const DeviceClass ivshmem_flat_class; /* type "ivshmem-flat" */

/* client is borrowed: free it after destroying the device (and after the
 * guest memory that maps its shared memory is gone). Interrupts start
 * being delivered from here on; kicks that came earlier are not lost. */
IvshmemFlat *ivshmem_flat_new(IvshmemClient *client, DeferQueue *defer, IrqLine irq);
/* CPU thread, before the run: the CPU thread's idle wait also watches
 * the own eventfds (the device must outlive the wait's last use). */
void ivshmem_flat_wake_idle_cpu(IvshmemFlat *s, IdleWait *w);

#endif
