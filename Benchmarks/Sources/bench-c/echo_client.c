// The one load generator for every echo server: one thread, epoll, N
// connections to 127.0.0.1, each ping-ponging one message of S bytes. Bounded
// in time: a warm-up, then the measured window. Reports round trips per second
// and p50/p99 round-trip latency.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common.h"

#define BUCKET_NS 100
#define BUCKETS 200000 /* up to 20 ms at 100 ns resolution; slower lands in the last bucket */

struct conn {
    int fd;
    size_t received;
    uint64_t sent_at;
};

static uint64_t histogram[BUCKETS];

static double percentile(uint64_t total, double q) {
    uint64_t want = (uint64_t)(total * q), seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
        seen += histogram[i];
        if (seen > want) return (i + 0.5) * BUCKET_NS / 1000.0;
    }
    return BUCKETS * BUCKET_NS / 1000.0;
}

static void send_all(int fd, const char *buf, size_t size) {
    size_t off = 0;
    while (off < size) {
        ssize_t w = write(fd, buf + off, size - off);
        if (w < 0) {
            if (errno == EAGAIN || errno == EINTR) continue;
            die("write");
        }
        off += (size_t)w;
    }
}

int cmd_echo_client(int argc, char **argv) {
    if (argc < 5) { fprintf(stderr, "echo-client <port> <conns> <size> <warmup_s> <seconds>\n"); return 2; }
    int port = atoi(argv[0]), nconns = atoi(argv[1]);
    size_t size = (size_t)atol(argv[2]);
    double warmup = atof(argv[3]), seconds = atof(argv[4]);
    char *out = malloc(size), *in = malloc(65536);
    memset(out, 'x', size);
    struct conn *conns = calloc((size_t)nconns, sizeof *conns);
    int ep = epoll_create1(EPOLL_CLOEXEC), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < nconns; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conns[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    }
    uint64_t t0 = now_ns();
    uint64_t measure_from = t0 + (uint64_t)(warmup * 1e9);
    uint64_t deadline = measure_from + (uint64_t)(seconds * 1e9);
    for (int i = 0; i < nconns; i++) {
        conns[i].sent_at = now_ns();
        send_all(conns[i].fd, out, size);
    }
    uint64_t trips = 0;
    struct epoll_event events[256];
    uint64_t now = t0;
    while (now < deadline) {
        int n = epoll_wait(ep, events, 256, 1000);
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) { fprintf(stderr, "echo-client: no answer for 1 s\n"); return 1; }
        now = now_ns();
        for (int k = 0; k < n; k++) {
            struct conn *c = &conns[events[k].data.u32];
            ssize_t r = read(c->fd, in, 65536);
            if (r <= 0) { fprintf(stderr, "echo-client: server closed\n"); return 1; }
            c->received += (size_t)r;
            if (c->received < size) continue;
            c->received = 0;
            if (c->sent_at >= measure_from) {
                uint64_t b = (now - c->sent_at) / BUCKET_NS;
                histogram[b < BUCKETS ? b : BUCKETS - 1]++;
                trips++;
            }
            c->sent_at = now;
            send_all(c->fd, out, size);
        }
    }
    double elapsed = (now - measure_from) / 1e9;
    printf("RESULT value=%.0f unit=rt/s p50_us=%.1f p99_us=%.1f\n", trips / elapsed,
           percentile(trips, 0.50), percentile(trips, 0.99));
    for (int i = 0; i < nconns; i++) close(conns[i].fd);
    return 0;
}
