/*
 * gen-capture: writes the synthetic benchmark capture used by scripts/bench-capture.
 *
 * Classic pcap (little-endian, microsecond, LINKTYPE_ETHERNET, snaplen 65535).
 * The traffic is a deterministic function of (packets, seed, flows), so a cached file
 * can be trusted and two runs on two machines measure the same bytes. It is written in
 * C rather than shell/Python so that making 1.2M packets costs about a second.
 *
 * Mix: ~75% IPv4 / 25% IPv6 flows, TCP:UDP about 60:40 with ~3% ICMP/ICMPv6 echo,
 * 300 IPv4 hosts in 198.18.0.0/15 and 100 IPv6 hosts in fd00:198:18::/48, ~5% of flows
 * 802.1Q tagged, IP packets up to the 1500-byte MTU (frames 64..1518 bytes), all
 * headers valid including IPv4/TCP/UDP/ICMP checksums, timestamps rising 1 us..1 ms.
 *
 * On success prints key=value facts (packets, bytes, ipv4, ...) that the benchmark
 * compares with what fmc reports.
 *
 * usage: gen-capture -o OUT.pcap [-n PACKETS] [-s SEED] [-f FLOWS]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_V4_HOSTS 300
#define N_V6_HOSTS 100
#define MAX_FRAME 1518          /* 14 Ethernet + 4 802.1Q + 1500 MTU */
#define MIN_FRAME 64
#define OUTBUF (4u << 20)

/* ---- PRNG: xorshift64*, seeded through splitmix64 so any seed (even 0) works ---- */
static uint64_t rng_state;

static void rng_seed(uint64_t seed) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    rng_state = (z ^ (z >> 31)) | 1;
}

static uint64_t rng_next(void) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n) without division; bias is negligible for the small n used here. */
static uint32_t rng_below(uint32_t n) {
    return (uint32_t)(((rng_next() >> 32) * (uint64_t)n) >> 32);
}

static uint32_t rng_range(uint32_t lo, uint32_t hi) { return lo + rng_below(hi - lo + 1); }

/* Percent draw: true with probability pct/100. */
static int rng_pct(uint32_t pct) { return rng_below(100) < pct; }

/* ---- hosts ---- */
static uint8_t v4_addr[N_V4_HOSTS][4];
static uint8_t v6_addr[N_V6_HOSTS][16];
static uint8_t v4_used[N_V4_HOSTS], v6_used[N_V6_HOSTS];

static void make_hosts(void) {
    /* Spread over both /16s of 198.18.0.0/15 and a few /24s, as a testbed would. */
    for (int i = 0; i < N_V4_HOSTS; i++) {
        int k = i / 2;
        v4_addr[i][0] = 198;
        v4_addr[i][1] = (uint8_t)(18 + i % 2);
        v4_addr[i][2] = (uint8_t)(1 + k / 100);
        v4_addr[i][3] = (uint8_t)(10 + k % 100);
    }
    /* fd00:198:18:<subnet>::<host>, two /64 subnets' worth per 100 hosts. */
    for (int i = 0; i < N_V6_HOSTS; i++) {
        uint8_t *a = v6_addr[i];
        memset(a, 0, 16);
        a[0] = 0xfd; a[1] = 0x00;
        a[2] = 0x01; a[3] = 0x98;
        a[4] = 0x00; a[5] = 0x18;
        a[6] = 0x00; a[7] = (uint8_t)(1 + i / 50);
        a[14] = 0x00; a[15] = (uint8_t)(0x10 + i % 50);
    }
}

/* ---- flows ---- */
enum profile { P_BULK, P_INTERACTIVE, P_DNS, P_MEDIA, P_QUIC, P_PING };

struct flow {
    uint8_t v6;             /* 0 = IPv4, 1 = IPv6 */
    uint8_t proto;          /* 6, 17, 1 or 58 */
    uint8_t profile;
    uint8_t used;
    uint8_t encrypted;      /* payload from the random pool */
    uint16_t a, b;          /* host indices: a is the client, b the server */
    uint16_t sport, dport;  /* client port, server port (ICMP: echo id in sport) */
    uint16_t vlan;          /* 0 = untagged */
    uint16_t media_size;    /* typical frame size of a media flow */
    uint32_t flowlabel;
    uint32_t seq[2];        /* TCP sequence numbers per direction; ICMP echo seq in seq[0] */
    uint32_t sent[2];       /* packets sent per direction, for SYN / SYN-ACK */
};

static const uint16_t tcp_ports[] = {80, 443, 443, 443, 22, 8080, 8443, 1935, 5432, 6379};
static const uint16_t udp_ports[] = {53, 53, 123, 443, 443, 5060, 3478, 4500, 5004, 9000};

static void make_flow(struct flow *f) {
    memset(f, 0, sizeof *f);
    f->v6 = !rng_pct(75);
    uint32_t r = rng_below(100);
    if (r < 3) f->proto = f->v6 ? 58 : 1;
    else if (r < 61) f->proto = 6;      /* 58 of the remaining 97 ~= 60% */
    else f->proto = 17;

    uint32_t n = f->v6 ? N_V6_HOSTS : N_V4_HOSTS;
    f->a = (uint16_t)rng_below(n);
    do f->b = (uint16_t)rng_below(n); while (f->b == f->a);
    f->sport = (uint16_t)rng_range(32768, 60999);
    f->vlan = rng_pct(5) ? (uint16_t)rng_range(100, 4000) : 0;
    f->flowlabel = f->v6 ? (uint32_t)(rng_next() & 0xFFFFF) : 0;
    f->seq[0] = (uint32_t)rng_next();
    f->seq[1] = (uint32_t)rng_next();

    if (f->proto == 6) {
        f->dport = tcp_ports[rng_below(10)];
        f->profile = rng_pct(60) ? P_BULK : P_INTERACTIVE;
    } else if (f->proto == 17) {
        f->dport = udp_ports[rng_below(10)];
        if (f->dport == 53) f->profile = P_DNS;
        else if (f->dport == 443) f->profile = P_QUIC;
        else f->profile = P_MEDIA;
        f->media_size = (uint16_t)rng_range(200, 1300);
    } else {
        f->dport = 0;
        f->sport = (uint16_t)rng_range(1, 65535);    /* echo identifier */
        f->seq[0] = 0;
        f->profile = P_PING;
    }
    f->encrypted = f->dport == 443 || f->dport == 8443 || f->dport == 22 || f->dport == 4500;
}

/* Target frame length for one packet of this flow/direction (dir 1 = server->client). */
static uint32_t pick_frame_len(const struct flow *f, int dir) {
    switch (f->profile) {
    case P_BULK:
        /* Server sends full segments, client mostly acks: the classic bimodal mix. */
        if (dir == 1) return rng_pct(85) ? rng_range(1400, MAX_FRAME) : rng_range(64, 1400);
        return rng_pct(90) ? rng_range(64, 80) : rng_range(80, 600);
    case P_INTERACTIVE:
        return rng_pct(70) ? rng_range(64, 150) : rng_range(150, 800);
    case P_DNS:
        return dir == 0 ? rng_range(70, 110) : rng_range(90, 500);
    case P_MEDIA: {
        uint32_t s = f->media_size + rng_range(0, 100);
        return s - 50;
    }
    case P_QUIC:
        return rng_pct(65) ? rng_range(1200, 1400) : rng_range(64, 300);
    default: /* P_PING */
        return rng_range(98, 150);
    }
}

/* ---- checksums ---- */
static uint32_t sum16(const uint8_t *p, size_t n, uint32_t acc) {
    while (n > 1) { acc += (uint32_t)p[0] << 8 | p[1]; p += 2; n -= 2; }
    if (n) acc += (uint32_t)p[0] << 8;
    return acc;
}

static uint16_t fold(uint32_t acc) {
    while (acc >> 16) acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)~acc;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }
static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v) { le16(p, (uint16_t)v); le16(p + 2, (uint16_t)(v >> 16)); }

static void set_mac(uint8_t *m, int v6, int host) {
    /* Locally administered, unique per host and family. */
    m[0] = 0x02; m[1] = 0x00; m[2] = 0x5e; m[3] = (uint8_t)v6;
    m[4] = (uint8_t)(host >> 8); m[5] = (uint8_t)host;
}

/*
 * Payload pools. Encrypted flows (TLS, QUIC, SSH, IPsec) carry random bytes and the rest
 * carry word soup, so gzip -6 shrinks the file about as much as a real capture rather than
 * 10x (a tiny repeated payload would make the gzip baseline unrealistically easy).
 */
#define POOL (1u << 20)
static uint8_t pool_random[POOL + MAX_FRAME];
static uint8_t pool_text[POOL + MAX_FRAME];

static void make_pools(void) {
    static const char *words[] = {
        "GET ", "POST ", "HTTP/1.1 ", "200 OK\r\n", "Host: ", "Content-Type: ",
        "application/json", "text/html", "Accept: */*\r\n", "User-Agent: ", "fmc/1.0 ",
        "{\"id\":", "\"name\":", "\"value\":", "\"ts\":", "true,", "false,", "null,",
        "session", "handover", "controller", "switch", "rule", "flow", "cell", "user",
        "<div>", "</div>", "<span>", "</span>", "\r\n", " ", "=", "&", "/api/v1/",
    };
    const size_t nw = sizeof words / sizeof words[0];
    for (size_t i = 0; i < sizeof pool_random; i++) pool_random[i] = (uint8_t)rng_next();
    size_t i = 0;
    while (i < sizeof pool_text) {
        const char *w = words[rng_below((uint32_t)nw)];
        size_t n = strlen(w);
        if (rng_pct(20)) {   /* digits keep it from compressing absurdly well */
            char num[12];
            n = (size_t)snprintf(num, sizeof num, "%u", rng_below(100000));
            w = num;
            for (size_t k = 0; k < n && i < sizeof pool_text; k++) pool_text[i++] = (uint8_t)w[k];
            continue;
        }
        for (size_t k = 0; k < n && i < sizeof pool_text; k++) pool_text[i++] = (uint8_t)w[k];
    }
}

/*
 * Builds one frame into `pkt`; returns its length. `dir` 0 is client->server.
 */
static uint32_t build_frame(uint8_t *pkt, struct flow *f, int dir, uint16_t ip_id) {
    int src = dir ? f->b : f->a, dst = dir ? f->a : f->b;
    uint32_t l2 = f->vlan ? 18 : 14;
    uint32_t l3 = f->v6 ? 40 : 20;
    uint32_t l4 = f->proto == 6 ? 20 : 8;
    uint32_t hdrs = l2 + l3 + l4;

    uint8_t tcp_flags = 0x10; /* ACK */
    int no_payload = 0;
    if (f->proto == 6 && f->sent[dir] == 0) {
        /* First packet each way opens the connection, so dissectors see a handshake. */
        tcp_flags = dir ? 0x12 : 0x02;
        no_payload = 1;
    }

    uint32_t target = pick_frame_len(f, dir);
    uint32_t plen = (no_payload || target <= hdrs) ? 0 : target - hdrs;
    if (l3 + l4 + plen > 1500) plen = 1500 - l3 - l4;   /* MTU */
    if (f->proto == 6 && plen > 0 && plen >= 200) tcp_flags |= 0x08; /* PSH on data */
    uint32_t ip_len = l3 + l4 + plen;
    uint32_t frame = l2 + ip_len;
    if (frame < MIN_FRAME) frame = MIN_FRAME;   /* Ethernet pads short frames */
    memset(pkt, 0, frame);

    /* Ethernet (+ 802.1Q) */
    uint8_t *p = pkt;
    set_mac(p, f->v6, dst);
    set_mac(p + 6, f->v6, src);
    uint16_t etype = f->v6 ? 0x86DD : 0x0800;
    if (f->vlan) {
        put16(p + 12, 0x8100);
        put16(p + 14, f->vlan);
        put16(p + 16, etype);
    } else {
        put16(p + 12, etype);
    }
    p += l2;

    /* IP */
    uint8_t *ip = p;
    uint32_t pseudo;
    if (!f->v6) {
        ip[0] = 0x45;
        put16(ip + 2, (uint16_t)ip_len);
        put16(ip + 4, ip_id);
        put16(ip + 6, 0x4000);           /* DF */
        ip[8] = 64;
        ip[9] = f->proto;
        memcpy(ip + 12, v4_addr[src], 4);
        memcpy(ip + 16, v4_addr[dst], 4);
        put16(ip + 10, fold(sum16(ip, 20, 0)));
        pseudo = sum16(ip + 12, 8, 0) + f->proto + (l4 + plen);
        v4_used[src] = v4_used[dst] = 1;
    } else {
        put32(ip, 0x60000000u | f->flowlabel);
        put16(ip + 4, (uint16_t)(l4 + plen));
        ip[6] = f->proto;
        ip[7] = 64;
        memcpy(ip + 8, v6_addr[src], 16);
        memcpy(ip + 24, v6_addr[dst], 16);
        pseudo = sum16(ip + 8, 32, 0) + f->proto + (l4 + plen);
        v6_used[src] = v6_used[dst] = 1;
    }
    p += l3;

    /* L4 header; the payload after it is a slice of a pool at a random offset. */
    uint8_t *l4p = p;
    memcpy(l4p + l4, (f->encrypted ? pool_random : pool_text) + rng_below(POOL), plen);
    if (f->proto == 6) {
        put16(l4p, dir ? f->dport : f->sport);
        put16(l4p + 2, dir ? f->sport : f->dport);
        put32(l4p + 4, f->seq[dir]);
        put32(l4p + 8, tcp_flags == 0x02 ? 0 : f->seq[!dir]);
        l4p[12] = 0x50;
        l4p[13] = tcp_flags;
        put16(l4p + 14, 65535);
        f->seq[dir] += plen + ((tcp_flags & 0x02) ? 1 : 0);
        put16(l4p + 16, fold(sum16(l4p, l4 + plen, pseudo)));
    } else if (f->proto == 17) {
        put16(l4p, dir ? f->dport : f->sport);
        put16(l4p + 2, dir ? f->sport : f->dport);
        put16(l4p + 4, (uint16_t)(l4 + plen));
        uint16_t c = fold(sum16(l4p, l4 + plen, pseudo));
        put16(l4p + 6, c ? c : 0xFFFF);
    } else {
        /* Echo request from the client, reply from the server, sharing id/seq. */
        l4p[0] = f->v6 ? (dir ? 129 : 128) : (dir ? 0 : 8);
        put16(l4p + 4, f->sport);
        if (dir == 0) f->seq[0]++;
        put16(l4p + 6, (uint16_t)f->seq[0]);
        uint32_t acc = f->v6 ? pseudo : 0;   /* ICMPv4 has no pseudo-header */
        put16(l4p + 2, fold(sum16(l4p, l4 + plen, acc)));
    }
    f->sent[dir]++;
    return frame;
}

int main(int argc, char **argv) {
    uint64_t packets = 1200000, seed = 1;
    uint32_t nflows = 4000;
    const char *out = NULL;
    int opt;
    while ((opt = getopt(argc, argv, "n:s:f:o:")) != -1) {
        switch (opt) {
        case 'n': packets = strtoull(optarg, NULL, 10); break;
        case 's': seed = strtoull(optarg, NULL, 10); break;
        case 'f': nflows = (uint32_t)strtoul(optarg, NULL, 10); break;
        case 'o': out = optarg; break;
        default: goto usage;
        }
    }
    if (!out || packets == 0 || nflows < 1 || nflows > 1000000) goto usage;

    rng_seed(seed);
    make_hosts();
    make_pools();
    struct flow *flows = calloc(nflows, sizeof *flows);
    if (!flows) { perror("calloc"); return 1; }
    for (uint32_t i = 0; i < nflows; i++) make_flow(&flows[i]);

    FILE *fp = fopen(out, "wb");
    if (!fp) { perror(out); return 1; }
    uint8_t *buf = malloc(OUTBUF);
    if (!buf) { perror("malloc"); return 1; }

    /* Global header: magic a1b2c3d4 written little-endian, v2.4, snaplen 65535, DLT 1. */
    uint8_t gh[24] = {0};
    le32(gh, 0xa1b2c3d4u);
    le16(gh + 4, 2);
    le16(gh + 6, 4);
    le32(gh + 16, 65535);
    le32(gh + 20, 1);
    size_t used = 0;
    memcpy(buf, gh, sizeof gh);
    used = sizeof gh;

    uint64_t ts_us = 1700000000ull * 1000000ull;
    uint64_t first_us = ts_us, bytes = 0, n4 = 0, n6 = 0, ntcp = 0, nudp = 0, nicmp = 0, nvlan = 0;
    uint16_t ip_id = 0;

    for (uint64_t i = 0; i < packets; i++) {
        struct flow *f = &flows[rng_below(nflows)];
        /* Servers talk a bit more than clients (responses, bulk data). */
        int dir = rng_pct(55);
        if (f->proto == 6 && f->sent[0] == 0) dir = 0;  /* client SYN comes first */
        if (f->proto == 6 && f->sent[0] > 0 && f->sent[1] == 0) dir = 1;

        if (used + 16 + MAX_FRAME > OUTBUF) {
            if (fwrite(buf, 1, used, fp) != used) { perror("write"); return 1; }
            used = 0;
        }
        uint8_t *rec = buf + used;
        uint32_t len = build_frame(rec + 16, f, dir, ip_id++);
        le32(rec, (uint32_t)(ts_us / 1000000));
        le32(rec + 4, (uint32_t)(ts_us % 1000000));
        le32(rec + 8, len);     /* caplen == wire length: nothing is truncated */
        le32(rec + 12, len);
        used += 16 + len;

        f->used = 1;
        bytes += len;
        if (f->v6) n6++; else n4++;
        if (f->proto == 6) ntcp++; else if (f->proto == 17) nudp++; else nicmp++;
        if (f->vlan) nvlan++;
        if (i + 1 < packets) ts_us += rng_range(1, 1000);
    }
    if (fwrite(buf, 1, used, fp) != used || fclose(fp) != 0) { perror("write"); return 1; }

    uint32_t hosts = 0, flows_used = 0;
    for (int i = 0; i < N_V4_HOSTS; i++) hosts += v4_used[i];
    for (int i = 0; i < N_V6_HOSTS; i++) hosts += v6_used[i];
    for (uint32_t i = 0; i < nflows; i++) flows_used += flows[i].used;

    printf("packets=%llu\nbytes=%llu\nipv4=%llu\nipv6=%llu\ntcp=%llu\nudp=%llu\nicmp=%llu\n"
           "vlan=%llu\nhosts=%u\nflows=%u\nfirst_ns=%llu\nlast_ns=%llu\n",
           (unsigned long long)packets, (unsigned long long)bytes,
           (unsigned long long)n4, (unsigned long long)n6, (unsigned long long)ntcp,
           (unsigned long long)nudp, (unsigned long long)nicmp, (unsigned long long)nvlan,
           hosts, flows_used, (unsigned long long)(first_us * 1000),
           (unsigned long long)(ts_us * 1000));
    free(buf);
    free(flows);
    return 0;

usage:
    fprintf(stderr, "usage: %s -o OUT.pcap [-n PACKETS] [-s SEED] [-f FLOWS]\n", argv[0]);
    return 2;
}
