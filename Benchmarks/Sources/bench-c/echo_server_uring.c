// C io_uring echo servers: how fast the kernel lets any io_uring server echo,
// so that the Compio server's figure can be read against that floor as well as
// against the epoll server. One thread, one ring set up as Compio sets up its
// own (SINGLE_ISSUER, DEFER_TASKRUN, registered ring fd), no Swift and no
// per-op bookkeeping beyond a connection index in user_data. Three designs:
//   plain      a receive, then a send, each with its own completion; the
//              receive waits for data first (POLL_FIRST). The ops Compio issues.
//   linked     the send is linked to the next receive and posts no completion
//              when it succeeds (IO_LINK, CQE_SKIP_SUCCESS, MSG_WAITALL): one
//              submission and one completion per round trip.
//   multishot  one multishot receive per connection into a provided-buffer
//              ring, so no receive is armed again; the send returns the buffer.
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <liburing.h>
#include "common.h"

enum design { PLAIN, LINKED, MULTISHOT };
enum { MAX_CONNS = 4096, BUF_SIZE = 65536, RING_BUFS = 512 };

// user_data: the kind in the top byte, a connection index (and for a
// multishot send, a buffer id) below.
#define KIND_ACCEPT 1ull
#define KIND_RECV 2ull
#define KIND_SEND 3ull
#define UD(kind, conn, bid) (((kind) << 56) | ((uint64_t)(bid) << 24) | (uint64_t)(conn))

static struct io_uring ring;
static int conn_fd[MAX_CONNS];
static char *conn_buf[MAX_CONNS];  // plain and linked: one buffer per connection
static char *ring_mem;             // multishot: the provided buffers
static struct io_uring_buf_ring *buf_ring;

static struct io_uring_sqe *sqe(void) {
    struct io_uring_sqe *s = io_uring_get_sqe(&ring);
    if (!s) {
        io_uring_submit(&ring);
        s = io_uring_get_sqe(&ring);
    }
    if (!s) die("io_uring_get_sqe");
    return s;
}

static void arm_accept(int lfd) {
    struct io_uring_sqe *s = sqe();
    io_uring_prep_accept(s, lfd, NULL, NULL, SOCK_CLOEXEC);
    io_uring_sqe_set_data64(s, UD(KIND_ACCEPT, 0, 0));
}

static void arm_recv(enum design d, int conn) {
    struct io_uring_sqe *s = sqe();
    if (d == MULTISHOT) {
        io_uring_prep_recv_multishot(s, conn_fd[conn], NULL, 0, 0);
        s->flags |= IOSQE_BUFFER_SELECT;
        s->buf_group = 0;
    } else {
        io_uring_prep_recv(s, conn_fd[conn], conn_buf[conn], BUF_SIZE, 0);
        s->ioprio |= IORING_RECVSEND_POLL_FIRST;
    }
    io_uring_sqe_set_data64(s, UD(KIND_RECV, conn, 0));
}

static void give_back(int bid) {
    io_uring_buf_ring_add(buf_ring, ring_mem + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
                          io_uring_buf_ring_mask(RING_BUFS), 0);
    io_uring_buf_ring_advance(buf_ring, 1);
}

int cmd_echo_server_uring(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "echo-server-uring <port> <plain|linked|multishot>\n"); return 2; }
    int port = atoi(argv[0]);
    enum design d = !strcmp(argv[1], "linked") ? LINKED : !strcmp(argv[1], "multishot") ? MULTISHOT : PLAIN;
    if (d == PLAIN && strcmp(argv[1], "plain")) { fprintf(stderr, "unknown design %s\n", argv[1]); return 2; }

    int lfd = listen_loopback(port, SOCK_CLOEXEC);
    int one = 1;

    struct io_uring_params p = {0};
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SUBMIT_ALL;
    int err = io_uring_queue_init_params(1024, &ring, &p);
    if (err < 0) { errno = -err; die("io_uring_queue_init_params"); }
    io_uring_register_ring_fd(&ring);
    if (d == MULTISHOT) {
        buf_ring = aligned_alloc(4096, RING_BUFS * sizeof(struct io_uring_buf));
        ring_mem = aligned_alloc(4096, (size_t)RING_BUFS * BUF_SIZE);
        if (!buf_ring || !ring_mem) die("aligned_alloc");
        io_uring_buf_ring_init(buf_ring);
        struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)buf_ring, .ring_entries = RING_BUFS, .bgid = 0};
        err = io_uring_register_buf_ring(&ring, &reg, 0);
        if (err < 0) { errno = -err; die("io_uring_register_buf_ring"); }
        for (int bid = 0; bid < RING_BUFS; bid++) give_back(bid);
    }
    arm_accept(lfd);
    printf("READY port=%d\n", port);
    fflush(stdout);

    int conns = 0;
    for (;;) {
        int r = io_uring_submit_and_wait(&ring, 1);
        if (r < 0 && r != -EINTR) { errno = -r; die("io_uring_submit_and_wait"); }
        struct io_uring_cqe *c;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, c) {
            seen++;
            uint64_t ud = c->user_data;
            int kind = (int)(ud >> 56), conn = (int)(ud & 0xffffff), bid = (int)((ud >> 24) & 0xffff);
            int res = c->res;
            if (kind == KIND_ACCEPT) {
                if (res >= 0 && conns < MAX_CONNS) {
                    setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    conn_fd[conns] = res;
                    if (d != MULTISHOT && !conn_buf[conns] && !(conn_buf[conns] = malloc(BUF_SIZE))) die("malloc");
                    arm_recv(d, conns++);
                } else if (res >= 0) {
                    close(res);
                }
                arm_accept(lfd);
            } else if (kind == KIND_RECV) {
                if (res <= 0) {
                    // End of stream or an error; a linked receive cancelled by
                    // a failed send also lands here, and so does its close.
                    if (!(c->flags & IORING_CQE_F_MORE)) close(conn_fd[conn]);
                    continue;
                }
                struct io_uring_sqe *s = sqe();
                if (d == MULTISHOT) {
                    int got = (int)(c->flags >> IORING_CQE_BUFFER_SHIFT);
                    io_uring_prep_send(s, conn_fd[conn], ring_mem + (size_t)got * BUF_SIZE, (size_t)res, MSG_WAITALL);
                    io_uring_sqe_set_data64(s, UD(KIND_SEND, conn, got));
                    if (!(c->flags & IORING_CQE_F_MORE)) arm_recv(d, conn);
                } else {
                    io_uring_prep_send(s, conn_fd[conn], conn_buf[conn], (size_t)res, MSG_WAITALL);
                    io_uring_sqe_set_data64(s, UD(KIND_SEND, conn, 0));
                    if (d == LINKED) {
                        s->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
                        arm_recv(d, conn);
                    }
                }
            } else if (kind == KIND_SEND) {
                if (d == MULTISHOT) give_back(bid);
                else if (d == PLAIN && res > 0) arm_recv(d, conn);
                else if (d == PLAIN) close(conn_fd[conn]);
                // A failed linked send also fails its receive, which closes.
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
}
