/* Facts of the ivshmem server protocol (QEMU docs/specs/ivshmem-spec,
 * DESIGN.md §5) and QEMU's defaults, shared by the client and the server. */
#ifndef MINIVM_IVSHMEM_PROTOCOL_H
#define MINIVM_IVSHMEM_PROTOCOL_H

#define IVSHMEM_PROTOCOL_VERSION 0
#define IVSHMEM_MAX_VECTORS 64
/* Peer ids travel in the 16-bit peer field of DOORBELL. */
#define IVSHMEM_MAX_PEER_ID 0xFFFF
#define IVSHMEM_DEFAULT_SOCKET "/tmp/ivshmem_socket"
#define IVSHMEM_DEFAULT_SIZE (4u * 1024 * 1024)

#endif
