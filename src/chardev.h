/* A character backend behind a UART: where TX bytes go and RX bytes come
 * from. Kinds: "null", "stdio" (stdout; stdin read on the I/O thread),
 * "file:PATH" (output only), and fd (tests, host pipes).
 *
 * Output is written synchronously on the CPU thread. Input arrives on the
 * I/O thread, is queued, and is handed to the frontend (the UART) on the
 * CPU thread by chardev_deliver(), as much as the frontend can take. */
#ifndef MINIVM_CHARDEV_H
#define MINIVM_CHARDEV_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

typedef struct CharDev CharDev;

typedef struct CharFrontend {
    /* bytes the UART can accept now */
    size_t (*can_receive)(void *opaque);
    void (*receive)(void *opaque, const uint8_t *buf, size_t len);
    void *opaque;
} CharFrontend;

/* spec: "null", "stdio", "file:PATH". NULL on error (GError code 64/66). */
CharDev *chardev_new(const char *spec, GError **error);
/* Output to out_fd (may be -1), input from in_fd (may be -1). The fds stay
 * owned by the caller. */
CharDev *chardev_new_fds(int in_fd, int out_fd);
void chardev_free(CharDev *cd);

/* NULL-safe: writing to no chardev drops the bytes. */
void chardev_write(CharDev *cd, const uint8_t *buf, size_t len);
void chardev_set_frontend(CharDev *cd, const CharFrontend *fe);

/* CPU thread: hand queued input to the frontend. A UART calls this after
 * the guest made room (e.g. read the RX data register). NULL-safe. */
void chardev_deliver(CharDev *cd);

/* Starts reading the input fd (if any) on the I/O thread's context. */
void chardev_attach(CharDev *cd, GMainContext *context);
/* Blocks until one input byte is available (semihosting READC); -1 at EOF
 * or when the chardev has no input. */
int chardev_read_byte_blocking(CharDev *cd);

/* Input queued from the I/O thread (or tests). Thread-safe. */
void chardev_push_input(CharDev *cd, const uint8_t *buf, size_t len);
/* Whether this chardev reads input from a host fd (an external event
 * source for the clock's idle policy). */
gboolean chardev_has_input(const CharDev *cd);
int chardev_input_fd(const CharDev *cd);

/* Called (from any thread) when input was queued; the machine installs a
 * kick of the CPU thread here. */
void chardev_set_input_notify(CharDev *cd, void (*fn)(void *opaque), void *opaque);

#endif
