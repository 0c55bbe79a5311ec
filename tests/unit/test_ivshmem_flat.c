/* ivshmem-flat and its client, against a fake server: a socketpair whose
 * other end the test writes protocol messages into (with SCM_RIGHTS), a
 * memfd as the shared memory, and real eventfds for every vector. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gio/gunixfdmessage.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client.h"
#include "errors.h"
#include "ivshmem_test_fds.h"
#include "iothread.h"
#include "ivshmem_flat.h"
#include "unit_main.h"

#define SHM_SIZE (64 * 1024)
#define OWN_ID 3
#define FAST_TIMEOUT_MS 100

/* ---- helpers ---- */

/* The test's side of the protocol. Peers' eventfds stay open here too (the
 * client gets duplicates), so the test sees doorbells and kicks own vectors. */
typedef struct {
    GSocket *client_end;
    GSocket *server_end;
    int shm_fd;
    int efd[8][IVSHMEM_MAX_VECTORS + 1]; /* by peer id */
    unsigned nvec[8];
} Fake;

static Fake fake;
static unsigned fds_at_start;
static GMainContext *ctx;
static DeferQueue *defer;
static IvshmemClient *client;
static IvshmemFlat *dev;
static unsigned pulses;
static bool line_level;

static void record_irq(void *opaque, int n, bool level)
{
    if (level && !line_level)
        pulses++;
    line_level = level;
}

static void send_raw(const void *data, size_t len, int fd1, int fd2)
{
    GOutputVector vec = { data, len };
    g_autoptr(GSocketControlMessage) fds = NULL;
    if (fd1 >= 0) {
        fds = g_unix_fd_message_new();
        ck_assert(g_unix_fd_message_append_fd(G_UNIX_FD_MESSAGE(fds), fd1, NULL));
        if (fd2 >= 0)
            ck_assert(g_unix_fd_message_append_fd(G_UNIX_FD_MESSAGE(fds), fd2, NULL));
    }
    gssize n = g_socket_send_message(fake.server_end, NULL, &vec, 1, fds ? &fds : NULL,
                                     fds ? 1 : 0, G_SOCKET_MSG_NONE, NULL, NULL);
    ck_assert_int_eq(n, (gssize)len);
}

static void send_msg(gint64 value, int fd)
{
    guint64 le = GUINT64_TO_LE((guint64)value);
    send_raw(&le, sizeof(le), fd, -1);
}

static void send_header(gint64 own)
{
    send_msg(IVSHMEM_PROTOCOL_VERSION, -1);
    send_msg(own, -1);
    send_msg(-1, fake.shm_fd);
}

/* Announces vectors first..first+n-1 of peer id (creating the eventfds). */
static void send_vectors(unsigned id, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        unsigned v = fake.nvec[id]++;
        fake.efd[id][v] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        ck_assert_int_ge(fake.efd[id][v], 0);
        send_msg(id, fake.efd[id][v]);
    }
}

/* Peer 1 with 2 vectors, peer 5 with 1, then us (3) with 2. */
static void send_standard_greeting(void)
{
    send_header(OWN_ID);
    send_vectors(1, 2);
    send_vectors(5, 1);
    send_vectors(OWN_ID, 2);
}

static IvshmemClient *connect_fake(size_t size, GError **err)
{
    IvshmemClientConfig cfg = { .shm_size = size, .context = ctx,
                                .greeting_timeout_ms = FAST_TIMEOUT_MS };
    return ivshmem_client_new_for_socket(fake.client_end, "fake", &cfg, err);
}

static void make_device(void)
{
    g_autoptr(GError) err = NULL;
    client = connect_fake(SHM_SIZE, &err);
    ck_assert_msg(client != NULL, "connect: %s", err ? err->message : "?");
    IrqLine line = { record_irq, NULL, 0 };
    dev = ivshmem_flat_new(client, defer, line);
}

/* Runs the I/O side, then the CPU side. */
static void pump(void)
{
    for (int i = 0; i < 10; i++)
        while (g_main_context_iteration(ctx, FALSE))
            ;
    defer_run(defer);
}

static uint64_t efd_take(int fd)
{
    uint64_t v = 0;
    if (read(fd, &v, sizeof(v)) != sizeof(v))
        return 0;
    return v;
}

static void kick(int fd)
{
    uint64_t one = 1;
    ck_assert_int_eq(write(fd, &one, sizeof(one)), sizeof(one));
}

static uint32_t reg_read(uint32_t offset)
{
    uint32_t v = 0xdeadbeef;
    ck_assert_int_eq(ivshmem_flat_class.read(dev, offset, 4, &v), MMIO_OK);
    return v;
}

static MmioResult doorbell(unsigned peer, unsigned vector)
{
    return ivshmem_flat_class.write(dev, 0xC, (peer << 16) | vector, 4);
}

static void expect_connect_error(size_t size, const char *fragment)
{
    g_autoptr(GError) err = NULL;
    IvshmemClient *c = connect_fake(size, &err);
    ck_assert_ptr_null(c);
    ck_assert_ptr_nonnull(err);
    ck_assert(g_error_matches(err, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE));
    ck_assert_msg(strstr(err->message, fragment) != NULL, "'%s' lacks '%s'", err->message,
                  fragment);
}

static void setup(void)
{
    fds_at_start = count_fds();
    memset(&fake, 0, sizeof(fake));
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    fake.client_end = g_socket_new_from_fd(sv[0], NULL);
    fake.server_end = g_socket_new_from_fd(sv[1], NULL);
    fake.shm_fd = memfd_create("test-ivshmem", MFD_CLOEXEC);
    ck_assert_int_eq(ftruncate(fake.shm_fd, SHM_SIZE), 0);
    ctx = g_main_context_new();
    defer = defer_queue_new(NULL, NULL);
    pulses = 0;
    line_level = false;
}

static void teardown(void)
{
    if (dev != NULL)
        ivshmem_flat_class.destroy(dev);
    defer_run(defer);
    ivshmem_client_free(client);
    dev = NULL;
    client = NULL;
    defer_queue_free(defer);
    g_main_context_unref(ctx);
    g_object_unref(fake.client_end);
    g_object_unref(fake.server_end);
    close(fake.shm_fd);
    for (unsigned p = 0; p < G_N_ELEMENTS(fake.efd); p++)
        for (unsigned v = 0; v < fake.nvec[p]; v++)
            close(fake.efd[p][v]);
    ck_assert_uint_eq(count_fds(), fds_at_start);
}

/* ---- registers ---- */

START_TEST(test_ivposition_reads_own_peer_id)
{
    send_standard_greeting();
    make_device();
    ck_assert_uint_eq(reg_read(0x8), OWN_ID);
}
END_TEST

START_TEST(test_intrmask_and_intrstatus_read_zero_and_ignore_writes)
{
    send_standard_greeting();
    make_device();
    ck_assert_int_eq(ivshmem_flat_class.write(dev, 0x0, 0xffffffff, 4), MMIO_OK);
    ck_assert_int_eq(ivshmem_flat_class.write(dev, 0x4, 0xffffffff, 4), MMIO_OK);
    ck_assert_uint_eq(reg_read(0x0), 0);
    ck_assert_uint_eq(reg_read(0x4), 0);
}
END_TEST

START_TEST(test_doorbell_read_and_ivposition_write_are_guest_errors)
{
    send_standard_greeting();
    make_device();
    uint32_t v = 0;
    ck_assert_int_eq(ivshmem_flat_class.read(dev, 0xC, 4, &v), MMIO_UNASSIGNED);
    ck_assert_int_eq(ivshmem_flat_class.write(dev, 0x8, 7, 4), MMIO_UNASSIGNED);
    ck_assert_uint_eq(reg_read(0x8), OWN_ID);
}
END_TEST

START_TEST(test_byte_and_halfword_accesses_are_unassigned)
{
    send_standard_greeting();
    make_device();
    uint32_t v = 0;
    for (unsigned size = 1; size <= 2; size++) {
        ck_assert_int_eq(ivshmem_flat_class.read(dev, 0x8, size, &v), MMIO_UNASSIGNED);
        ck_assert_int_eq(ivshmem_flat_class.write(dev, 0xC, (1u << 16) | 0, size),
                         MMIO_UNASSIGNED);
    }
    ck_assert_int_eq(ivshmem_flat_class.read(dev, 0x9, 4, &v), MMIO_UNASSIGNED);
    ck_assert_uint_eq(efd_take(fake.efd[1][0]), 0); /* the narrow writes rang nothing */
}
END_TEST

START_TEST(test_offsets_past_the_registers_are_unassigned)
{
    send_standard_greeting();
    make_device();
    uint32_t v = 0;
    for (uint32_t off = 0x10; off < 0x400; off += 4) {
        ck_assert_int_eq(ivshmem_flat_class.read(dev, off, 4, &v), MMIO_UNASSIGNED);
        ck_assert_int_eq(ivshmem_flat_class.write(dev, off, 0, 4), MMIO_UNASSIGNED);
    }
}
END_TEST

START_TEST(test_reset_keeps_ivposition)
{
    send_standard_greeting();
    make_device();
    ivshmem_flat_class.reset(dev);
    ck_assert_uint_eq(reg_read(0x8), OWN_ID);
}
END_TEST

/* ---- doorbells ---- */

START_TEST(test_doorbell_rings_the_named_peers_vector_only)
{
    send_standard_greeting();
    make_device();
    ck_assert_int_eq(doorbell(1, 1), MMIO_OK);
    ck_assert_uint_eq(efd_take(fake.efd[1][1]), 1);
    ck_assert_uint_eq(efd_take(fake.efd[1][0]), 0);
    ck_assert_uint_eq(efd_take(fake.efd[5][0]), 0);
    ck_assert_int_eq(doorbell(5, 0), MMIO_OK);
    ck_assert_uint_eq(efd_take(fake.efd[5][0]), 1);
}
END_TEST

START_TEST(test_doorbell_to_unknown_peer_is_ignored)
{
    send_standard_greeting();
    make_device();
    ck_assert_int_eq(doorbell(2, 0), MMIO_OK);
    ck_assert_int_eq(doorbell(0xFFFF, 0), MMIO_OK);
    ck_assert_uint_eq(efd_take(fake.efd[1][0]), 0);
    ck_assert_uint_eq(efd_take(fake.efd[5][0]), 0);
}
END_TEST

START_TEST(test_doorbell_to_a_vector_the_peer_lacks_is_ignored)
{
    send_standard_greeting();
    make_device();
    unsigned vectors[] = { 1, 2, 63, 64, 65, 0xFFFF };
    for (size_t i = 0; i < G_N_ELEMENTS(vectors); i++)
        ck_assert_int_eq(doorbell(5, vectors[i]), MMIO_OK);
    ck_assert_int_eq(doorbell(1, 2), MMIO_OK);
    ck_assert_uint_eq(efd_take(fake.efd[5][0]), 0);
    ck_assert_uint_eq(efd_take(fake.efd[1][0]), 0);
    ck_assert_uint_eq(efd_take(fake.efd[1][1]), 0);
}
END_TEST

START_TEST(test_client_notify_says_why_a_doorbell_was_ignored)
{
    send_standard_greeting();
    make_device();
    ck_assert_int_eq(ivshmem_client_notify(client, 5, 0), IVSHMEM_NOTIFY_OK);
    ck_assert_int_eq(ivshmem_client_notify(client, 5, 1), IVSHMEM_NOTIFY_NO_VECTOR);
    ck_assert_int_eq(ivshmem_client_notify(client, 1, 2), IVSHMEM_NOTIFY_NO_VECTOR);
    ck_assert_int_eq(ivshmem_client_notify(client, OWN_ID, 64), IVSHMEM_NOTIFY_NO_VECTOR);
    ck_assert_int_eq(ivshmem_client_notify(client, 2, 0), IVSHMEM_NOTIFY_NO_PEER);
}
END_TEST

START_TEST(test_doorbell_to_self_interrupts_self)
{
    send_standard_greeting();
    make_device();
    ck_assert_int_eq(doorbell(OWN_ID, 1), MMIO_OK);
    pump();
    ck_assert_uint_eq(pulses, 1);
}
END_TEST

/* ---- interrupts ---- */

START_TEST(test_each_drained_eventfd_pulses_the_line_once)
{
    send_standard_greeting();
    make_device();
    kick(fake.efd[OWN_ID][0]);
    pump();
    ck_assert_uint_eq(pulses, 1);
    kick(fake.efd[OWN_ID][1]);
    pump();
    ck_assert_uint_eq(pulses, 2);
    ck_assert(!line_level);
    pump();
    ck_assert_uint_eq(pulses, 2);
}
END_TEST

START_TEST(test_kicks_before_a_drain_merge_into_one_pulse)
{
    send_standard_greeting();
    make_device();
    kick(fake.efd[OWN_ID][0]);
    kick(fake.efd[OWN_ID][0]);
    kick(fake.efd[OWN_ID][0]);
    pump();
    ck_assert_uint_eq(pulses, 1);
}
END_TEST

START_TEST(test_pulses_reach_the_line_only_through_the_defer_queue)
{
    send_standard_greeting();
    make_device();
    kick(fake.efd[OWN_ID][0]);
    while (g_main_context_iteration(ctx, FALSE))
        ;
    ck_assert_uint_eq(pulses, 0);
    ck_assert(defer_has_work(defer));
    defer_run(defer);
    ck_assert_uint_eq(pulses, 1);
}
END_TEST

static bool never_done(void *opaque)
{
    (void)opaque;
    return false;
}

/* While the guest sleeps the CPU thread watches the own eventfds itself:
 * a kick pulses the line at once, without the I/O thread or the queue. */
START_TEST(test_sleeping_cpu_thread_drains_own_vectors_itself)
{
    send_standard_greeting();
    make_device();
    IdleWait *w = idle_wait_new(NULL);
    ivshmem_flat_wake_idle_cpu(dev, w);
    ck_assert_uint_eq(idle_wait_fd_count(w), 2);
    for (unsigned v = 0; v < 2; v++) {
        kick(fake.efd[OWN_ID][v]);
        kick(fake.efd[OWN_ID][v]);
        idle_wait(w, never_done, NULL, 0, v == 0 ? 0 : 1000 * 1000); /* blocking, polling */
        ck_assert_uint_eq(pulses, v + 1);
        ck_assert(!defer_has_work(defer));
        /* drained: the I/O thread's watch finds nothing left to deliver */
        pump();
        ck_assert_uint_eq(pulses, v + 1);
    }
    idle_wait_free(w);
}
END_TEST

/* Both watchers racing for the same kick deliver it once. */
START_TEST(test_kick_drained_by_the_io_thread_first_is_delivered_once)
{
    send_standard_greeting();
    make_device();
    IdleWait *w = idle_wait_new(NULL);
    ivshmem_flat_wake_idle_cpu(dev, w);
    kick(fake.efd[OWN_ID][0]);
    while (g_main_context_iteration(ctx, FALSE)) /* the I/O thread wins */
        ;
    ck_assert(defer_has_work(defer));
    idle_wait(w, never_done, NULL, (uint64_t)g_get_monotonic_time() * 1000 + 20000000, 0);
    ck_assert_uint_eq(pulses, 0); /* nothing was left in the eventfd */
    defer_run(defer);
    ck_assert_uint_eq(pulses, 1);
    idle_wait_free(w);
}
END_TEST

START_TEST(test_kick_before_the_device_exists_is_not_lost)
{
    send_standard_greeting();
    g_autoptr(GError) err = NULL;
    client = connect_fake(SHM_SIZE, &err);
    ck_assert_ptr_nonnull(client);
    kick(fake.efd[OWN_ID][1]);
    pump();
    IrqLine line = { record_irq, NULL, 0 };
    dev = ivshmem_flat_new(client, defer, line);
    pump();
    ck_assert_uint_eq(pulses, 1);
}
END_TEST

START_TEST(test_pulse_queued_before_destroy_does_nothing_after)
{
    send_standard_greeting();
    make_device();
    kick(fake.efd[OWN_ID][0]);
    while (g_main_context_iteration(ctx, FALSE))
        ;
    ivshmem_flat_class.destroy(dev);
    dev = NULL;
    defer_run(defer);
    ck_assert_uint_eq(pulses, 0);
}
END_TEST

/* The real arrangement: the client's sources on an I/O thread, doorbells
 * and pulses on this thread (the CPU thread). Under ASan this catches a
 * doorbell using a departing peer's fd or memory. */
START_TEST(test_doorbells_race_peers_joining_and_leaving_safely)
{
    send_standard_greeting();
    IoThread *io = iothread_new();
    IvshmemClientConfig cfg = { .shm_size = SHM_SIZE, .context = iothread_context(io) };
    client = ivshmem_client_new_for_socket(fake.client_end, "fake", &cfg, NULL);
    ck_assert_ptr_nonnull(client);
    IrqLine line = { record_irq, NULL, 0 };
    dev = ivshmem_flat_new(client, defer, line);
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    for (unsigned i = 0; i < 2000; i++) {
        send_msg(6, efd);
        doorbell(6, 0);
        send_msg(6, -1);
        doorbell(6, 0);
        if (i % 100 == 0)
            kick(fake.efd[OWN_ID][i % 200 ? 1 : 0]);
        defer_run(defer);
    }
    send_vectors(7, 1); /* messages are handled in order: when 7 is there, all are */
    gint64 end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while ((pulses == 0 || ivshmem_client_peer_vectors(client, 7) == 0) &&
           g_get_monotonic_time() < end) {
        defer_run(defer);
        g_usleep(1000);
    }
    ck_assert_uint_ge(pulses, 1);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, 6), 0);
    ivshmem_flat_class.destroy(dev);
    dev = NULL;
    iothread_free(io); /* the client's sources stop before it is freed */
    close(efd);
}
END_TEST

/* ---- shared memory ---- */

START_TEST(test_shared_memory_is_the_servers)
{
    send_standard_greeting();
    make_device();
    ck_assert_uint_eq(ivshmem_client_shm_size(client), SHM_SIZE);
    uint8_t *theirs = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fake.shm_fd, 0);
    ck_assert_ptr_ne(theirs, MAP_FAILED);
    uint8_t *ours = ivshmem_client_shm(client);
    theirs[SHM_SIZE - 1] = 0x5a;
    ours[0] = 0xa5;
    ck_assert_uint_eq(ours[SHM_SIZE - 1], 0x5a);
    ck_assert_uint_eq(theirs[0], 0xa5);
    munmap(theirs, SHM_SIZE);
}
END_TEST

START_TEST(test_size_zero_accepts_the_servers_size)
{
    send_standard_greeting();
    g_autoptr(GError) err = NULL;
    client = connect_fake(0, &err);
    ck_assert_ptr_nonnull(client);
    ck_assert_uint_eq(ivshmem_client_shm_size(client), SHM_SIZE);
}
END_TEST

/* ---- peers coming and going ---- */

START_TEST(test_peer_joining_later_can_be_rung)
{
    send_standard_greeting();
    make_device();
    send_vectors(6, 3);
    pump();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, 6), 3);
    doorbell(6, 2);
    ck_assert_uint_eq(efd_take(fake.efd[6][2]), 1);
}
END_TEST

START_TEST(test_peer_leaving_closes_its_fds_and_is_ignored_after)
{
    send_standard_greeting();
    make_device();
    unsigned before = count_fds();
    send_msg(1, -1);
    pump();
    ck_assert_uint_eq(count_fds(), before - 2);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, 1), 0);
    doorbell(1, 0);
    ck_assert_uint_eq(efd_take(fake.efd[1][0]), 0);
    g_autoptr(GArray) peers = ivshmem_client_peers(client);
    ck_assert_uint_eq(peers->len, 1);
    ck_assert_uint_eq(g_array_index(peers, guint16, 0), 5);
}
END_TEST

START_TEST(test_unknown_or_own_departure_is_ignored)
{
    send_standard_greeting();
    make_device();
    send_msg(42, -1);
    send_msg(OWN_ID, -1);
    pump();
    kick(fake.efd[OWN_ID][0]);
    pump();
    ck_assert_uint_eq(pulses, 1);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, OWN_ID), 2);
}
END_TEST

START_TEST(test_own_vectors_arriving_after_connect_are_watched)
{
    send_header(OWN_ID);
    send_vectors(OWN_ID, 1);
    make_device();
    send_vectors(OWN_ID, 1);
    pump();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, OWN_ID), 2);
    kick(fake.efd[OWN_ID][1]);
    pump();
    ck_assert_uint_eq(pulses, 1);
}
END_TEST

static gpointer send_own_vector_late(gpointer data)
{
    g_usleep(4 * IVSHMEM_GREETING_QUIET_MS * 1000);
    send_vectors(OWN_ID, 1);
    return NULL;
}

START_TEST(test_connect_waits_for_as_many_own_vectors_as_other_peers_have)
{
    send_header(OWN_ID);
    send_vectors(1, 2);
    send_vectors(OWN_ID, 1);
    GThread *late = g_thread_new("late", send_own_vector_late, NULL);
    IvshmemClientConfig cfg = { .shm_size = SHM_SIZE, .context = ctx };
    client = ivshmem_client_new_for_socket(fake.client_end, "fake", &cfg, NULL);
    g_thread_join(late);
    ck_assert_ptr_nonnull(client);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, OWN_ID), 2);
}
END_TEST

START_TEST(test_fewer_own_vectors_than_the_others_are_accepted_at_the_deadline)
{
    send_header(OWN_ID);
    send_vectors(1, 2);
    send_vectors(OWN_ID, 1);
    make_device();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, OWN_ID), 1);
}
END_TEST

START_TEST(test_alone_connect_takes_the_own_vectors_sent_together)
{
    send_header(OWN_ID);
    send_vectors(OWN_ID, 5);
    make_device();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, OWN_ID), 5);
}
END_TEST

START_TEST(test_sixty_four_vectors_per_peer_are_accepted)
{
    send_header(OWN_ID);
    send_vectors(1, IVSHMEM_MAX_VECTORS);
    send_vectors(OWN_ID, IVSHMEM_MAX_VECTORS);
    make_device();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, 1), 64);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, OWN_ID), 64);
    doorbell(1, 63);
    ck_assert_uint_eq(efd_take(fake.efd[1][63]), 1);
    kick(fake.efd[OWN_ID][63]);
    pump();
    ck_assert_uint_eq(pulses, 1);
}
END_TEST

START_TEST(test_sixty_fifth_vector_in_the_greeting_is_refused)
{
    send_header(OWN_ID);
    send_vectors(1, IVSHMEM_MAX_VECTORS + 1);
    send_vectors(OWN_ID, 1);
    expect_connect_error(SHM_SIZE, "more than 64 vectors for peer 1");
}
END_TEST

START_TEST(test_sixty_fifth_vector_later_is_ignored_and_closed)
{
    send_header(OWN_ID);
    send_vectors(1, IVSHMEM_MAX_VECTORS);
    send_vectors(OWN_ID, IVSHMEM_MAX_VECTORS);
    make_device();
    unsigned before = count_fds();
    send_vectors(1, 1); /* the test's own copy of the new eventfd stays open */
    pump();
    ck_assert_uint_eq(count_fds(), before + 1);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, 1), 64);
    doorbell(1, 64);
    ck_assert_uint_eq(efd_take(fake.efd[1][64]), 0);
}
END_TEST

START_TEST(test_server_gone_keeps_memory_and_doorbells)
{
    send_standard_greeting();
    make_device();
    g_socket_close(fake.server_end, NULL);
    pump();
    ck_assert(ivshmem_client_server_gone(client));
    ((volatile uint8_t *)ivshmem_client_shm(client))[0] = 1;
    doorbell(1, 0);
    ck_assert_uint_eq(efd_take(fake.efd[1][0]), 1);
    kick(fake.efd[OWN_ID][0]);
    pump();
    ck_assert_uint_eq(pulses, 1);
}
END_TEST

/* A whole session as QEMU's contrib/ivshmem-server drives it with -n 3
 * (ivshmem_server_handle_new_conn, ivshmem_server_free_peer,
 * ivshmem_server_close): we are peer 3, peers 0 and 2 were there (1 left
 * before we came); each join is the id once per vector with its eventfd,
 * each departure the id alone; at shutdown it frees its peers in joining
 * order, sending each departure to those still listed, so we see the
 * peers listed before us leave and then the connection close. */
START_TEST(test_a_session_as_qemus_server_drives_it)
{
    send_header(OWN_ID);
    send_vectors(0, 3);
    send_vectors(2, 3);
    send_vectors(OWN_ID, 3);
    make_device();
    g_autoptr(GArray) first = ivshmem_client_peers(client);
    ck_assert_uint_eq(first->len, 2);
    ck_assert_uint_eq(ivshmem_client_own_vectors(client), 3);
    ck_assert_uint_eq(reg_read(0x8), OWN_ID);

    send_vectors(4, 3); /* peer 4 joins */
    send_msg(0, -1);    /* peer 0 leaves */
    pump();
    doorbell(4, 2);
    ck_assert_uint_eq(efd_take(fake.efd[4][2]), 1);
    ck_assert_uint_eq(efd_take(fake.efd[4][0]) + efd_take(fake.efd[4][1]), 0);
    doorbell(0, 0);
    ck_assert_uint_eq(efd_take(fake.efd[0][0]), 0);
    kick(fake.efd[OWN_ID][1]);
    pump();
    ck_assert_uint_eq(pulses, 1);

    send_msg(4, -1);    /* peer 4 leaves, 5 joins */
    send_vectors(5, 3);
    send_msg(2, -1);    /* shutdown: 2 was listed before us */
    g_socket_close(fake.server_end, NULL);
    pump();
    ck_assert(ivshmem_client_server_gone(client));
    g_autoptr(GArray) last = ivshmem_client_peers(client);
    ck_assert_uint_eq(last->len, 1);
    ck_assert_uint_eq(g_array_index(last, guint16, 0), 5);
    doorbell(5, 1); /* the eventfds outlive the server */
    ck_assert_uint_eq(efd_take(fake.efd[5][1]), 1);
    kick(fake.efd[OWN_ID][2]);
    pump();
    ck_assert_uint_eq(pulses, 2);
}
END_TEST

/* ---- malformed messages after the greeting ---- */

START_TEST(test_later_invalid_peer_id_is_ignored_and_its_fd_closed)
{
    send_standard_greeting();
    make_device();
    unsigned before = count_fds();
    int efd = eventfd(0, EFD_CLOEXEC);
    send_msg(-7, efd);
    send_msg(0x10000, efd);
    send_msg(G_MAXINT64, -1);
    close(efd);
    pump();
    ck_assert_uint_eq(count_fds(), before);
    ck_assert(!ivshmem_client_server_gone(client));
    send_vectors(6, 1);
    pump();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, 6), 1);
}
END_TEST

START_TEST(test_later_message_split_across_reads_is_reassembled)
{
    send_standard_greeting();
    make_device();
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    guint64 le = GUINT64_TO_LE(6);
    send_raw(&le, 3, efd, -1);
    pump();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, 6), 0);
    send_raw((guint8 *)&le + 3, 5, -1, -1);
    pump();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(client, 6), 1);
    doorbell(6, 0);
    ck_assert_uint_eq(efd_take(efd), 1);
    close(efd);
}
END_TEST

START_TEST(test_later_eof_mid_message_closes_the_pending_fd)
{
    send_standard_greeting();
    make_device();
    unsigned before = count_fds();
    int efd = eventfd(0, EFD_CLOEXEC);
    guint64 le = GUINT64_TO_LE(6);
    send_raw(&le, 4, efd, -1);
    close(efd);
    pump();
    g_socket_close(fake.server_end, NULL);
    pump();
    ck_assert(ivshmem_client_server_gone(client));
    ck_assert_uint_eq(count_fds(), before - 1); /* the closed server end */
}
END_TEST

/* ---- malformed greetings ---- */

START_TEST(test_version_other_than_zero_is_refused)
{
    send_msg(1, -1);
    expect_connect_error(SHM_SIZE, "protocol version 1");
}
END_TEST

START_TEST(test_fd_with_the_version_is_refused_and_closed)
{
    send_msg(0, fake.shm_fd);
    expect_connect_error(SHM_SIZE, "sent an fd with its protocol version");
}
END_TEST

START_TEST(test_invalid_own_ids_are_refused)
{
    gint64 ids[] = { -1, -5, 0x10000, G_MAXINT64 };
    send_msg(0, -1);
    send_msg(ids[_i], -1);
    expect_connect_error(SHM_SIZE, "invalid id");
}
END_TEST

START_TEST(test_missing_shm_fd_is_refused)
{
    send_msg(0, -1);
    send_msg(OWN_ID, -1);
    send_msg(-1, -1);
    expect_connect_error(SHM_SIZE, "no shared-memory fd");
}
END_TEST

START_TEST(test_shm_fd_with_wrong_index_is_refused)
{
    send_msg(0, -1);
    send_msg(OWN_ID, -1);
    send_msg(OWN_ID, fake.shm_fd);
    expect_connect_error(SHM_SIZE, "no shared-memory fd");
}
END_TEST

START_TEST(test_shm_that_is_not_memory_is_refused)
{
    int efd = eventfd(0, EFD_CLOEXEC);
    send_msg(0, -1);
    send_msg(OWN_ID, -1);
    send_msg(-1, efd);
    close(efd);
    expect_connect_error(SHM_SIZE, "not a memory object");
}
END_TEST

START_TEST(test_size_mismatch_is_refused_naming_both_sizes)
{
    send_standard_greeting();
    expect_connect_error(2 * SHM_SIZE, "65536 bytes, but 131072 were asked for");
}
END_TEST

START_TEST(test_stall_after_the_header_times_out_quickly)
{
    send_header(OWN_ID);
    send_vectors(1, 1);
    gint64 start = g_get_monotonic_time();
    expect_connect_error(SHM_SIZE, "within 100 ms");
    ck_assert_int_lt(g_get_monotonic_time() - start, 2 * G_USEC_PER_SEC);
}
END_TEST

START_TEST(test_stall_inside_a_message_times_out)
{
    guint64 le = 0;
    send_raw(&le, 5, -1, -1);
    expect_connect_error(SHM_SIZE, "did not complete its greeting");
}
END_TEST

START_TEST(test_eof_mid_greeting_is_refused)
{
    send_header(OWN_ID);
    send_vectors(1, 1);
    g_socket_close(fake.server_end, NULL);
    expect_connect_error(SHM_SIZE, "closed the connection in the middle of its greeting");
}
END_TEST

START_TEST(test_garbage_is_refused)
{
    guint8 junk[64];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (guint8)(i * 37 + 11);
    send_raw(junk, sizeof(junk), -1, -1);
    expect_connect_error(SHM_SIZE, "protocol version");
}
END_TEST

START_TEST(test_two_fds_in_one_message_are_refused_and_closed)
{
    int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
    send_header(OWN_ID);
    guint64 le = GUINT64_TO_LE(1);
    send_raw(&le, sizeof(le), a, b);
    close(a);
    close(b);
    expect_connect_error(SHM_SIZE, "several fds in one message");
}
END_TEST

START_TEST(test_vector_that_is_not_an_eventfd_is_refused)
{
    int p[2];
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    send_header(OWN_ID);
    send_msg(1, p[1]);
    close(p[0]);
    close(p[1]);
    expect_connect_error(SHM_SIZE, "not an eventfd");
}
END_TEST

START_TEST(test_invalid_peer_id_in_the_greeting_is_refused)
{
    int efd = eventfd(0, EFD_CLOEXEC);
    send_header(OWN_ID);
    send_msg(-2, efd);
    close(efd);
    expect_connect_error(SHM_SIZE, "invalid peer id -2");
}
END_TEST

START_TEST(test_no_server_names_the_path_and_how_to_start_one)
{
    g_autofree char *dir = g_dir_make_tmp("ivshmem-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "sock", NULL);
    IvshmemClientConfig cfg = { .socket_path = path, .context = ctx };
    g_autoptr(GError) err = NULL;
    ck_assert_ptr_null(ivshmem_client_connect(&cfg, &err));
    ck_assert(g_error_matches(err, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE));
    ck_assert_ptr_nonnull(strstr(err->message, path));
    ck_assert_ptr_nonnull(strstr(err->message, "minivm-ivshmem-server -S"));
    ck_assert_ptr_nonnull(strstr(err->message, "minivm --ivshmem-serve"));
    g_rmdir(dir);
}
END_TEST

START_TEST(test_socket_path_too_long_is_refused)
{
    g_autofree char *path = g_strnfill(200, 'x');
    IvshmemClientConfig cfg = { .socket_path = path, .context = ctx };
    g_autoptr(GError) err = NULL;
    ck_assert_ptr_null(ivshmem_client_connect(&cfg, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "too long"));
}
END_TEST

/* ---- sizes ---- */

/* What QEMU's ivshmem-server takes for -l (qemu_strtosz): scripts written
 * for it must work unchanged. */
START_TEST(test_sizes_take_what_qemus_server_takes)
{
    static const struct {
        const char *text;
        guint64 bytes;
    } good[] = {
        { "4096", 4096 },
        { "4M", 4u << 20 },
        { "1k", 1024 },
        { "2G", G_GUINT64_CONSTANT(2) << 30 },
        { "512b", 512 },
        { "64K", 65536 },
        { "1T", G_GUINT64_CONSTANT(1) << 40 },
        { "1p", G_GUINT64_CONSTANT(1) << 50 },
        { "2E", G_GUINT64_CONSTANT(2) << 60 },
        { "1.5M", 3u << 19 },
        { "0.5k", 512 },
        { "1.k", 1024 },
        { "12.345M", 12944671 }, /* to the nearest byte, as QEMU */
        { "0x400000", 4u << 20 },
        { "0X10", 16 },
        { "010", 10 }, /* decimal, not octal */
    };
    for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
        guint64 n = 0;
        g_autoptr(GError) err = NULL;
        ck_assert_msg(ivshmem_parse_size(good[i].text, &n, &err), "refused '%s'", good[i].text);
        ck_assert_msg(n == good[i].bytes, "'%s' gave %" G_GUINT64_FORMAT, good[i].text, n);
    }
    const char *bad[] = { "", "M", "-1", "4X", "4MB", " 4", "99999999999999999999",
                          "17179869184G", "16E", "1.5", "1.5B", "0x", "0x10M", "0x1.8",
                          "1e3", "+4", "4 ", ".5M" };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        guint64 n = 0;
        g_autoptr(GError) err = NULL;
        ck_assert_msg(!ivshmem_parse_size(bad[i], &n, &err), "accepted '%s'", bad[i]);
        ck_assert(g_error_matches(err, MINIVM_ERROR, MINIVM_EXIT_USAGE));
    }
}
END_TEST

/* ---- suite ---- */

static void warm_up(void)
{
    /* One-time lazy fds (GLib's, for threads and GIO types) must not count
     * as leaks. */
    iothread_free(iothread_new());
    g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                        G_SOCKET_PROTOCOL_DEFAULT, NULL);
    g_autoptr(GSocketControlMessage) m = g_unix_fd_message_new();
    g_autoptr(GMainContext) c = g_main_context_new();
    g_main_context_iteration(c, FALSE);
}

static TCase *tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, warm_up, NULL);
    tcase_add_checked_fixture(tc, setup, teardown);
    return tc;
}

static Suite *ivshmem_flat_suite(void)
{
    Suite *s = suite_create("ivshmem_flat");
    TCase *tc = tcase("registers");
    tcase_add_test(tc, test_ivposition_reads_own_peer_id);
    tcase_add_test(tc, test_intrmask_and_intrstatus_read_zero_and_ignore_writes);
    tcase_add_test(tc, test_doorbell_read_and_ivposition_write_are_guest_errors);
    tcase_add_test(tc, test_byte_and_halfword_accesses_are_unassigned);
    tcase_add_test(tc, test_offsets_past_the_registers_are_unassigned);
    tcase_add_test(tc, test_reset_keeps_ivposition);
    suite_add_tcase(s, tc);

    tc = tcase("doorbell");
    tcase_add_test(tc, test_doorbell_rings_the_named_peers_vector_only);
    tcase_add_test(tc, test_doorbell_to_unknown_peer_is_ignored);
    tcase_add_test(tc, test_doorbell_to_a_vector_the_peer_lacks_is_ignored);
    tcase_add_test(tc, test_client_notify_says_why_a_doorbell_was_ignored);
    tcase_add_test(tc, test_doorbell_to_self_interrupts_self);
    suite_add_tcase(s, tc);

    tc = tcase("interrupts");
    tcase_add_test(tc, test_each_drained_eventfd_pulses_the_line_once);
    tcase_add_test(tc, test_kicks_before_a_drain_merge_into_one_pulse);
    tcase_add_test(tc, test_pulses_reach_the_line_only_through_the_defer_queue);
    tcase_add_test(tc, test_sleeping_cpu_thread_drains_own_vectors_itself);
    tcase_add_test(tc, test_kick_drained_by_the_io_thread_first_is_delivered_once);
    tcase_add_test(tc, test_kick_before_the_device_exists_is_not_lost);
    tcase_add_test(tc, test_pulse_queued_before_destroy_does_nothing_after);
    tcase_add_test(tc, test_doorbells_race_peers_joining_and_leaving_safely);
    suite_add_tcase(s, tc);

    tc = tcase("shared memory");
    tcase_add_test(tc, test_shared_memory_is_the_servers);
    tcase_add_test(tc, test_size_zero_accepts_the_servers_size);
    tcase_add_test(tc, test_sizes_take_what_qemus_server_takes);
    suite_add_tcase(s, tc);

    tc = tcase("peers");
    tcase_add_test(tc, test_peer_joining_later_can_be_rung);
    tcase_add_test(tc, test_peer_leaving_closes_its_fds_and_is_ignored_after);
    tcase_add_test(tc, test_unknown_or_own_departure_is_ignored);
    tcase_add_test(tc, test_own_vectors_arriving_after_connect_are_watched);
    tcase_add_test(tc, test_connect_waits_for_as_many_own_vectors_as_other_peers_have);
    tcase_add_test(tc, test_fewer_own_vectors_than_the_others_are_accepted_at_the_deadline);
    tcase_add_test(tc, test_alone_connect_takes_the_own_vectors_sent_together);
    tcase_add_test(tc, test_sixty_four_vectors_per_peer_are_accepted);
    tcase_add_test(tc, test_sixty_fifth_vector_in_the_greeting_is_refused);
    tcase_add_test(tc, test_sixty_fifth_vector_later_is_ignored_and_closed);
    tcase_add_test(tc, test_server_gone_keeps_memory_and_doorbells);
    tcase_add_test(tc, test_a_session_as_qemus_server_drives_it);
    suite_add_tcase(s, tc);

    tc = tcase("malformed later messages");
    tcase_add_test(tc, test_later_invalid_peer_id_is_ignored_and_its_fd_closed);
    tcase_add_test(tc, test_later_message_split_across_reads_is_reassembled);
    tcase_add_test(tc, test_later_eof_mid_message_closes_the_pending_fd);
    suite_add_tcase(s, tc);

    tc = tcase("malformed greetings");
    tcase_add_test(tc, test_version_other_than_zero_is_refused);
    tcase_add_test(tc, test_fd_with_the_version_is_refused_and_closed);
    tcase_add_loop_test(tc, test_invalid_own_ids_are_refused, 0, 4);
    tcase_add_test(tc, test_missing_shm_fd_is_refused);
    tcase_add_test(tc, test_shm_fd_with_wrong_index_is_refused);
    tcase_add_test(tc, test_shm_that_is_not_memory_is_refused);
    tcase_add_test(tc, test_size_mismatch_is_refused_naming_both_sizes);
    tcase_add_test(tc, test_stall_after_the_header_times_out_quickly);
    tcase_add_test(tc, test_stall_inside_a_message_times_out);
    tcase_add_test(tc, test_eof_mid_greeting_is_refused);
    tcase_add_test(tc, test_garbage_is_refused);
    tcase_add_test(tc, test_two_fds_in_one_message_are_refused_and_closed);
    tcase_add_test(tc, test_vector_that_is_not_an_eventfd_is_refused);
    tcase_add_test(tc, test_invalid_peer_id_in_the_greeting_is_refused);
    tcase_add_test(tc, test_no_server_names_the_path_and_how_to_start_one);
    tcase_add_test(tc, test_socket_path_too_long_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(ivshmem_flat_suite());
}
