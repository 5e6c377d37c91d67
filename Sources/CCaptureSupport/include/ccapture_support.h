/* C glue that Swift cannot express directly: a stdio FILE whose reads come from a Swift
 * stream (fopencookie needs _GNU_SOURCE), so libpcap's pcap_fopen_offline can read
 * decompressed data produced by fmc's zlib layer. */
#ifndef CCAPTURE_SUPPORT_H
#define CCAPTURE_SUPPORT_H
#include <stdio.h>
#include <sys/types.h>

typedef long (*fmc_read_fn)(void *context, char *buffer, size_t size);

/* A read-only FILE that calls `read` for data; ftell reports the bytes delivered so far. */
FILE *fmc_fopen_reader(void *context, fmc_read_fn read);

#endif
