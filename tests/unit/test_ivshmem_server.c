/* ivshmem server library, through the harness of ivshmem_server_harness.h. */
#include <check.h>
#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "ivshmem_server_harness.h"
#include "ivshmem_test_fds.h"
#include "unit_main.h"

/* ---- ids and announcements ---- */

START_TEST(test_ids_count_up_from_zero)
{
    server_start((IvshmemServerConfig){ 0 });
    IvshmemClient *c[3];
    for (unsigned i = 0; i < 3; i++) {
        c[i] = peer_connect();
        ck_assert_uint_eq(ivshmem_client_own_id(c[i]), i);
    }
    for (unsigned i = 0; i < 3; i++)
        ivshmem_client_free(c[i]);
}
END_TEST

START_TEST(test_a_freed_id_is_not_given_again_at_once)
{
    server_start((IvshmemServerConfig){ 0 });
    IvshmemClient *a = peer_connect(), *b = peer_connect();
    ivshmem_client_free(b);
    WAIT_UNTIL(npeers(a) == 0);
    IvshmemClient *c = peer_connect();
    ck_assert_uint_eq(ivshmem_client_own_id(c), 2);
    ivshmem_client_free(a);
    ivshmem_client_free(c);
}
END_TEST

START_TEST(test_greeting_is_sent_as_qemu_sends_it)
{
    server_start((IvshmemServerConfig){ .vectors = 2 });
    IvshmemClient *first = peer_connect();
    GSocket *raw = raw_connect();
    raw_expect(raw, 0, false);  /* protocol version */
    raw_expect(raw, 1, false);  /* own id */
    raw_expect(raw, -1, true);  /* shared memory */
    raw_expect(raw, 0, true);   /* peer 0, vector 0 */
    raw_expect(raw, 0, true);   /* peer 0, vector 1 */
    raw_expect(raw, 1, true);   /* own vector 0 */
    raw_expect(raw, 1, true);   /* own vector 1 */
    g_object_unref(raw);
    ivshmem_client_free(first);
}
END_TEST

START_TEST(test_a_new_peer_is_announced_to_the_others_with_every_vector)
{
    server_start((IvshmemServerConfig){ .vectors = 3 });
    IvshmemClient *a = peer_connect(), *b = peer_connect();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(b, 0), 3);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(b, 1), 3);
    WAIT_UNTIL(ivshmem_client_peer_vectors(a, 1) == 3);
    ivshmem_client_free(a);
    ivshmem_client_free(b);
}
END_TEST

START_TEST(test_a_departure_is_announced_to_the_others)
{
    server_start((IvshmemServerConfig){ 0 });
    IvshmemClient *a = peer_connect(), *b = peer_connect(), *c = peer_connect();
    WAIT_UNTIL(npeers(a) == 2);
    ivshmem_client_free(b);
    WAIT_UNTIL(npeers(a) == 1 && npeers(c) == 1);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(a, 1), 0);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(c, 1), 0);
    ivshmem_client_free(a);
    ivshmem_client_free(c);
}
END_TEST

START_TEST(test_a_peer_that_sends_anything_is_disconnected)
{
    server_start((IvshmemServerConfig){ 0 });
    IvshmemClient *a = peer_connect();
    GSocket *raw = raw_connect();
    WAIT_UNTIL(npeers(a) == 1);
    ck_assert_int_eq(g_socket_send(raw, "x", 1, NULL, NULL), 1);
    WAIT_UNTIL(npeers(a) == 0);
    g_object_unref(raw);
    ivshmem_client_free(a);
}
END_TEST

START_TEST(test_doorbells_reach_the_named_peer_and_vector)
{
    server_start((IvshmemServerConfig){ .vectors = 4 });
    IvshmemClient *a = peer_connect(), *b = peer_connect();
    Hits hits = { 0 };
    ivshmem_client_set_interrupt_handler(b, count_interrupt, &hits);
    WAIT_UNTIL(ivshmem_client_peer_vectors(a, 1) == 4);
    ck_assert_int_eq(ivshmem_client_notify(a, 1, 2), IVSHMEM_NOTIFY_OK);
    WAIT_UNTIL(hits.hits[2] == 1);
    ck_assert_uint_eq(hits.hits[0] + hits.hits[1] + hits.hits[3], 0);
    ivshmem_client_free(a);
    ivshmem_client_free(b);
}
END_TEST

START_TEST(test_sixty_four_peers_at_once)
{
    enum { N = 64 };
    server_start((IvshmemServerConfig){ 0 });
    IvshmemClient *c[N];
    for (unsigned i = 0; i < N; i++) {
        c[i] = peer_connect();
        ck_assert_uint_eq(ivshmem_client_own_id(c[i]), i);
    }
    for (unsigned i = 0; i < N; i++)
        WAIT_UNTIL(npeers(c[i]) == N - 1);
    ck_assert_int_eq(ivshmem_client_notify(c[0], N - 1, 0), IVSHMEM_NOTIFY_OK);
    for (unsigned i = 1; i < N; i++)
        ivshmem_client_free(c[i]);
    WAIT_UNTIL(npeers(c[0]) == 0);
    ivshmem_client_free(c[0]);
}
END_TEST

START_TEST(test_a_peer_that_stops_reading_does_not_stall_the_server)
{
    server_start((IvshmemServerConfig){ .vectors = 8 });
    GSocket *deaf = raw_connect(); /* never reads */
    for (unsigned i = 0; i < 200; i++)
        ivshmem_client_free(peer_connect());
    IvshmemClient *a = peer_connect();
    ck_assert_uint_eq(ivshmem_client_own_id(a), 201);
    ivshmem_client_free(a);
    g_object_unref(deaf);
}
END_TEST

/* Announcements queued for a peer that never reads hold eventfds; those
 * of peers that left must be dropped, or the server runs out of fds. The
 * fd limit is lowered so that 60 departures of 64 vectors would exceed it. */
START_TEST(test_a_peer_that_never_reads_does_not_pin_departed_peers_fds)
{
    struct rlimit saved, low;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
    low = saved;
    low.rlim_cur = count_fds() + 1500;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    server_start((IvshmemServerConfig){ .vectors = IVSHMEM_MAX_VECTORS });
    GSocket *deaf = raw_connect(); /* peer 0, never reads */
    IvshmemClient *watcher = peer_connect();
    for (unsigned i = 0; i < 60; i++) {
        ivshmem_client_free(peer_connect());
        pump();
    }
    IvshmemClient *last = peer_connect();
    ck_assert_uint_eq(ivshmem_client_own_id(last), 62);
    ck_assert_uint_eq(ivshmem_client_peer_vectors(last, 0), IVSHMEM_MAX_VECTORS);
    ivshmem_client_free(last);
    ivshmem_client_free(watcher);
    g_object_unref(deaf);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
}
END_TEST

/* A connection that cannot be accepted (no free fd: peers that stay can
 * use them all up) stays queued, and the listening socket readable: the
 * server must wait before trying again instead of spinning on it (flooding
 * the log, and minivm's I/O thread with --ivshmem-serve), and take the
 * peer once an fd is free. The fd limit is lowered to just what the test
 * holds, its own socket to the server included. */
START_TEST(test_running_out_of_fds_pauses_accepting_instead_of_spinning)
{
    server_start((IvshmemServerConfig){ 0 });
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    GSocket *waiting = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                    G_SOCKET_PROTOCOL_DEFAULT, NULL);
    struct rlimit saved, low;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
    low = saved;
    low.rlim_cur = (rlim_t)g_socket_get_fd(waiting) + 1; /* it took the lowest free fd */
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    struct rusage before, after;
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &before), 0);
    ck_assert(g_socket_connect(waiting, addr, NULL, NULL));
    g_usleep(300 * 1000);
    ck_assert_int_eq(getrusage(RUSAGE_SELF, &after), 0);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);
    gint64 cpu_us = (after.ru_utime.tv_sec - before.ru_utime.tv_sec +
                     after.ru_stime.tv_sec - before.ru_stime.tv_sec) * G_USEC_PER_SEC +
                    after.ru_utime.tv_usec - before.ru_utime.tv_usec +
                    after.ru_stime.tv_usec - before.ru_stime.tv_usec;
    ck_assert_msg(cpu_us < 100 * 1000, "the server spun: %" G_GINT64_FORMAT
                  " ms of CPU in 300 ms", cpu_us / 1000);
    g_socket_set_timeout(waiting, 5);
    raw_expect(waiting, 0, false); /* accepted and greeted: version */
    raw_expect(waiting, 0, false); /* id 0 */
    g_object_unref(waiting);
}
END_TEST

/* ---- what QEMU's clients require of a server ---- */

/* QEMU's peers beside ours, one that never reads, one that hangs up in the
 * middle of its greeting, one that talks (and is dropped): every message
 * either QEMU peer gets is one it accepts, and the eventfds it is given
 * ring the right peer's right vector. */
START_TEST(test_qemu_clients_accept_everything_the_server_sends)
{
    server_start((IvshmemServerConfig){ .vectors = 3 });
    QemuLike *q1 = qemu_like_connect();          /* 0 */
    IvshmemClient *ours = peer_connect();        /* 1 */
    GSocket *deaf = raw_connect();               /* 2, never reads */
    GSocket *quitter = raw_connect();            /* 3 */
    gint64 v;
    raw_read(quitter, &v);
    g_object_unref(quitter);                     /* gone mid-greeting */
    GSocket *chatty = raw_connect();             /* 4 */
    ck_assert_int_eq(g_socket_send(chatty, "x", 1, NULL, NULL), 1);
    WAIT_UNTIL(npeers(ours) == 2);               /* 0 and 2 */
    QemuLike *q2 = qemu_like_connect();          /* 5 */
    ck_assert_int_eq(q2->own, 5);
    ivshmem_client_free(ours);
    qemu_like_pump(q2, 200);
    qemu_like_pump(q1, 200);
    g_object_unref(chatty);

    ck_assert_uint_eq(g_hash_table_size(q1->vectors), 3);
    ck_assert_uint_eq(qemu_like_vectors(q1, 0), 3);
    ck_assert_uint_eq(qemu_like_vectors(q1, 2), 3);
    ck_assert_uint_eq(qemu_like_vectors(q1, 5), 3);
    ck_assert_uint_eq(g_hash_table_size(q2->vectors), 3);
    ck_assert_uint_eq(qemu_like_vectors(q2, 0), 3);
    ck_assert_uint_eq(qemu_like_vectors(q2, 2), 3);
    ck_assert_uint_eq(qemu_like_vectors(q2, 5), 3);
    uint64_t one = 1, got = 0;
    ck_assert_int_eq(write(qemu_like_vector(q2, 0, 2), &one, sizeof(one)), sizeof(one));
    ck_assert_int_eq(read(qemu_like_vector(q1, 0, 2), &got, sizeof(got)), sizeof(got));
    ck_assert_uint_eq(got, 1);
    ck_assert_int_eq(read(qemu_like_vector(q1, 0, 1), &got, sizeof(got)), -1);
    ck_assert_int_eq(errno, EAGAIN);
    qemu_like_free(q1);
    qemu_like_free(q2);
    g_object_unref(deaf);
}
END_TEST

/* -n 0 as QEMU's server: the greeting ends with the memory; joins bring
 * nothing, and so (unlike QEMU's server) do departures. */
START_TEST(test_no_vectors_serves_memory_only_and_announces_nothing)
{
    server_start((IvshmemServerConfig){ .no_vectors = true });
    QemuLike *a = qemu_like_connect();
    QemuLike *b = qemu_like_connect();
    ck_assert_int_eq(b->own, 1);
    qemu_like_pump(b, 100);
    qemu_like_free(b);
    qemu_like_pump(a, 200);
    ck_assert_uint_eq(g_hash_table_size(a->vectors), 0);
    qemu_like_free(a);
}
END_TEST

/* ---- shared memory ---- */

START_TEST(test_peers_share_the_memory)
{
    server_start((IvshmemServerConfig){ .shm_size = 64 * 1024 });
    IvshmemClient *a = peer_connect(), *b = peer_connect();
    ck_assert_uint_eq(ivshmem_client_shm_size(a), 64 * 1024);
    ((volatile char *)ivshmem_client_shm(a))[4242] = 'q';
    ck_assert_int_eq(((volatile char *)ivshmem_client_shm(b))[4242], 'q');
    ivshmem_client_free(a);
    ivshmem_client_free(b);
}
END_TEST

START_TEST(test_size_is_rounded_up_to_a_power_of_two)
{
    server_start((IvshmemServerConfig){ .shm_size = 3000 });
    ck_assert_uint_eq(ivshmem_server_shm_size(server.srv), 4096);
    IvshmemClient *a = peer_connect();
    ck_assert_uint_eq(ivshmem_client_shm_size(a), 4096);
    ivshmem_client_free(a);
}
END_TEST

START_TEST(test_default_size_is_four_mib)
{
    server_start((IvshmemServerConfig){ 0 });
    ck_assert_uint_eq(ivshmem_server_shm_size(server.srv), 4u << 20);
}
END_TEST

START_TEST(test_file_backed_memory_leaves_no_file)
{
    server_start((IvshmemServerConfig){ .shm_dir = dir, .shm_size = 4096 });
    IvshmemClient *a = peer_connect();
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    ck_assert_str_eq(g_dir_read_name(d), "sock"); /* only the socket */
    ck_assert_ptr_null(g_dir_read_name(d));
    ivshmem_client_free(a);
}
END_TEST

START_TEST(test_posix_shm_object_exists_while_serving)
{
    g_autofree char *name = g_strdup_printf("minivm-test-%d", (int)getpid());
    g_autofree char *file = g_strdup_printf("/dev/shm/%s", name);
    server_start((IvshmemServerConfig){ .shm_name = name, .shm_size = 8192 });
    IvshmemClient *a = peer_connect();
    ck_assert_int_eq(g_access(file, F_OK), 0);
    ivshmem_client_free(a);
    server_stop(&server);
    ck_assert_int_ne(g_access(file, F_OK), 0);
}
END_TEST

/* ---- the socket file ---- */

START_TEST(test_socket_is_owner_only_by_default)
{
    server_start((IvshmemServerConfig){ 0 });
    GStatBuf st;
    ck_assert_int_eq(g_stat(path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

START_TEST(test_socket_mode_can_be_chosen)
{
    server_start((IvshmemServerConfig){ .socket_mode = 0660 });
    GStatBuf st;
    ck_assert_int_eq(g_stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0660);
}
END_TEST

START_TEST(test_stale_socket_is_replaced)
{
    g_autoptr(GSocketAddress) addr = g_unix_socket_address_new(path);
    GSocket *old = g_socket_new(G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                                G_SOCKET_PROTOCOL_DEFAULT, NULL);
    ck_assert(g_socket_bind(old, addr, FALSE, NULL));
    g_object_unref(old); /* the file stays, nobody listens */
    server_start((IvshmemServerConfig){ 0 });
    IvshmemClient *a = peer_connect();
    ivshmem_client_free(a);
}
END_TEST

START_TEST(test_live_socket_is_refused_and_keeps_serving)
{
    server_start((IvshmemServerConfig){ 0 });
    Running second = { 0 };
    g_autoptr(GError) err = NULL;
    ck_assert_ptr_null(server_try(&second, (IvshmemServerConfig){ 0 }, &err));
    ck_assert(g_error_matches(err, MINIVM_ERROR, MINIVM_EXIT_UNAVAILABLE));
    ck_assert_ptr_nonnull(strstr(err->message, "already listening"));
    ck_assert_ptr_nonnull(strstr(err->message, path));
    IvshmemClient *a = peer_connect();
    ivshmem_client_free(a);
}
END_TEST

START_TEST(test_path_that_is_not_a_socket_is_refused_and_kept)
{
    ck_assert(g_file_set_contents(path, "precious", -1, NULL));
    Running r = { 0 };
    g_autoptr(GError) err = NULL;
    ck_assert_ptr_null(server_try(&r, (IvshmemServerConfig){ 0 }, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "not a socket"));
    g_autofree char *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    ck_assert_str_eq(text, "precious");
}
END_TEST

START_TEST(test_stopping_removes_the_socket_and_clients_see_it_go)
{
    server_start((IvshmemServerConfig){ 0 });
    IvshmemClient *a = peer_connect();
    server_stop(&server);
    ck_assert_int_ne(g_access(path, F_OK), 0);
    WAIT_UNTIL(ivshmem_client_server_gone(a));
    ivshmem_client_free(a);
}
END_TEST

START_TEST(test_stopping_keeps_a_successors_socket)
{
    server_start((IvshmemServerConfig){ 0 });
    g_unlink(path); /* someone removed it, and a new server took the path */
    Running next = { 0 };
    g_autoptr(GError) err = NULL;
    ck_assert_ptr_nonnull(server_try(&next, (IvshmemServerConfig){ 0 }, &err));
    server_stop(&server);
    ck_assert_int_eq(g_access(path, F_OK), 0);
    IvshmemClient *a = peer_connect();
    ivshmem_client_free(a);
    server_stop(&next);
}
END_TEST

/* ---- configuration ---- */

START_TEST(test_bad_configurations_are_usage_errors)
{
    IvshmemServerConfig bad[] = {
        { .vectors = IVSHMEM_MAX_VECTORS + 1, .memfd = true },
        { .memfd = true, .shm_dir = "/tmp" },
        { .shm_name = "x", .shm_dir = "/tmp" },
        { .memfd = true, .socket_mode = 010000 },
        { .memfd = true, .shm_size = G_GUINT64_CONSTANT(1) << 50 },
        { .memfd = true, .no_vectors = true, .vectors = 2 },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        bad[i].socket_path = path;
        ck_assert_ptr_null(ivshmem_server_new(&bad[i], cctx, &err));
        ck_assert_msg(g_error_matches(err, MINIVM_ERROR, MINIVM_EXIT_USAGE), "case %zu", i);
    }
    ck_assert_int_ne(g_access(path, F_OK), 0);
}
END_TEST

START_TEST(test_sixty_four_vectors_per_peer)
{
    server_start((IvshmemServerConfig){ .vectors = IVSHMEM_MAX_VECTORS });
    IvshmemClient *a = peer_connect(), *b = peer_connect();
    ck_assert_uint_eq(ivshmem_client_peer_vectors(b, 0), 64);
    WAIT_UNTIL(ivshmem_client_peer_vectors(a, 1) == 64);
    ck_assert_int_eq(ivshmem_client_notify(a, 1, 63), IVSHMEM_NOTIFY_OK);
    ivshmem_client_free(a);
    ivshmem_client_free(b);
}
END_TEST

/* ---- suite ---- */

static TCase *tcase(const char *name)
{
    TCase *tc = tcase_create(name);
    tcase_add_unchecked_fixture(tc, server_test_warm_up, NULL);
    tcase_add_checked_fixture(tc, server_test_setup, server_test_teardown);
    return tc;
}

static Suite *ivshmem_server_suite(void)
{
    Suite *s = suite_create("ivshmem_server");
    TCase *tc = tcase("peers");
    tcase_add_test(tc, test_ids_count_up_from_zero);
    tcase_add_test(tc, test_a_freed_id_is_not_given_again_at_once);
    tcase_add_test(tc, test_greeting_is_sent_as_qemu_sends_it);
    tcase_add_test(tc, test_a_new_peer_is_announced_to_the_others_with_every_vector);
    tcase_add_test(tc, test_a_departure_is_announced_to_the_others);
    tcase_add_test(tc, test_a_peer_that_sends_anything_is_disconnected);
    tcase_add_test(tc, test_doorbells_reach_the_named_peer_and_vector);
    tcase_add_test(tc, test_sixty_four_peers_at_once);
    tcase_add_test(tc, test_sixty_four_vectors_per_peer);
    tcase_add_test(tc, test_a_peer_that_stops_reading_does_not_stall_the_server);
    tcase_add_test(tc, test_a_peer_that_never_reads_does_not_pin_departed_peers_fds);
    tcase_add_test(tc, test_running_out_of_fds_pauses_accepting_instead_of_spinning);
    suite_add_tcase(s, tc);

    tc = tcase("QEMU's clients");
    tcase_add_test(tc, test_qemu_clients_accept_everything_the_server_sends);
    tcase_add_test(tc, test_no_vectors_serves_memory_only_and_announces_nothing);
    suite_add_tcase(s, tc);

    tc = tcase("shared memory");
    tcase_add_test(tc, test_peers_share_the_memory);
    tcase_add_test(tc, test_size_is_rounded_up_to_a_power_of_two);
    tcase_add_test(tc, test_default_size_is_four_mib);
    tcase_add_test(tc, test_file_backed_memory_leaves_no_file);
    tcase_add_test(tc, test_posix_shm_object_exists_while_serving);
    suite_add_tcase(s, tc);

    tc = tcase("socket file");
    tcase_add_test(tc, test_socket_is_owner_only_by_default);
    tcase_add_test(tc, test_socket_mode_can_be_chosen);
    tcase_add_test(tc, test_stale_socket_is_replaced);
    tcase_add_test(tc, test_live_socket_is_refused_and_keeps_serving);
    tcase_add_test(tc, test_path_that_is_not_a_socket_is_refused_and_kept);
    tcase_add_test(tc, test_stopping_removes_the_socket_and_clients_see_it_go);
    tcase_add_test(tc, test_stopping_keeps_a_successors_socket);
    suite_add_tcase(s, tc);

    tc = tcase("configuration");
    tcase_add_test(tc, test_bad_configurations_are_usage_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(ivshmem_server_suite());
}
