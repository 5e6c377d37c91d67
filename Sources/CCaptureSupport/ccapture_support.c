#define _GNU_SOURCE
#include "ccapture_support.h"
#include <errno.h>
#include <stdlib.h>

struct reader {
    void *context;
    fmc_read_fn read;
    off64_t delivered;
};

static ssize_t reader_read(void *cookie, char *buffer, size_t size) {
    struct reader *r = cookie;
    long n = r->read(r->context, buffer, size);
    if (n < 0) {
        errno = EIO;
        return -1;
    }
    r->delivered += n;
    return n;
}

/* Only "where am I" is supported, which is what ftell needs. */
static int reader_seek(void *cookie, off64_t *offset, int whence) {
    struct reader *r = cookie;
    if (whence == SEEK_CUR && *offset == 0) {
        *offset = r->delivered;
        return 0;
    }
    errno = ESPIPE;
    return -1;
}

static int reader_close(void *cookie) {
    free(cookie);
    return 0;
}

FILE *fmc_fopen_reader(void *context, fmc_read_fn read) {
    struct reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->context = context;
    r->read = read;
    cookie_io_functions_t io = {reader_read, NULL, reader_seek, reader_close};
    FILE *f = fopencookie(r, "r", io);
    if (!f) free(r);
    return f;
}
