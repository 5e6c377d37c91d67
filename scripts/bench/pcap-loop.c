/*
 * pcap-loop: the bare libpcap read loop, the floor any capture reader is measured against.
 *
 * It opens the file with pcap_open_offline and calls pcap_next_ex until the end, only
 * counting packets and summing caplen (so the loop cannot be optimised away). No
 * decoding, no allocation per packet: whatever fmc does beyond this is its own cost.
 *
 * usage: pcap-loop FILE   -> prints "packets=N" and "bytes=N"; exit 1 on any error.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE\n", argv[0]);
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap-loop: %s\n", err);
        return 1;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t packets = 0, bytes = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcap-loop: %s\n", pcap_geterr(p));
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("packets=%llu\nbytes=%llu\n", (unsigned long long)packets, (unsigned long long)bytes);
    return 0;
}
