// liburing for Swift. A glibc header must come first: liburing.h defines
// _XOPEN_SOURCE, and without this the module's fd_set clashes with SwiftGlibc's.
#ifndef COMPIO_CLIBURING_SHIM_H
#define COMPIO_CLIBURING_SHIM_H

// The kernel's <linux/io_uring.h> (which swift-system's CSystem also includes)
// before liburing's older copy, which shares its include guard: one definition
// of io_uring_sqe for every module in the build.
#include <sys/select.h>
#include <linux/io_uring.h>
#include <liburing.h>

struct curing_cqe {
    uint64_t user_data;
    int32_t res;
    uint32_t flags;
};

// io_uring_for_each_cqe is a macro; the bulk reap is the hot path, so it lives here.
static inline unsigned curing_reap(struct io_uring *ring, struct curing_cqe *out, unsigned max) {
    unsigned head;
    unsigned n = 0;
    struct io_uring_cqe *cqe;
    io_uring_for_each_cqe(ring, head, cqe) {
        if (n == max) break;
        out[n].user_data = cqe->user_data;
        out[n].res = cqe->res;
        out[n].flags = cqe->flags;
        n++;
    }
    io_uring_cq_advance(ring, n);
    return n;
}

// The inline-completion check: when the only CQE ready is the one for
// `user_data`, copy it to `out`, consume it and return 1; otherwise touch
// nothing and return 0.
static inline unsigned curing_take_only(struct io_uring *ring, uint64_t user_data, struct curing_cqe *out) {
    // The ring's head and tail read directly: io_uring_peek_cqe's general
    // checks cost more than the rest of this. CQEs parked in the kernel's
    // overflow list are left for the next reap, which flushes them.
    unsigned head = *ring->cq.khead;
    if (io_uring_smp_load_acquire(ring->cq.ktail) - head != 1) return 0;
    struct io_uring_cqe *cqe = &ring->cq.cqes[io_uring_cqe_index(ring, head, ring->cq.ring_mask)];
    if (cqe->user_data != user_data) return 0;
    out->user_data = cqe->user_data;
    out->res = cqe->res;
    out->flags = cqe->flags;
    io_uring_smp_store_release(ring->cq.khead, head + 1);
    return 1;
}

static inline void curing_sqe_set_flags(struct io_uring_sqe *sqe, unsigned flags) { io_uring_sqe_set_flags(sqe, flags); }

static const unsigned CURING_IOSQE_IO_LINK = IOSQE_IO_LINK;
static const unsigned CURING_IOSQE_ASYNC = IOSQE_ASYNC;
static const unsigned CURING_IORING_ASYNC_CANCEL_ALL = IORING_ASYNC_CANCEL_ALL;

// Setup flags newer than some distro headers: define the kernel's values if missing.
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif
static const unsigned CURING_SETUP_SQPOLL = IORING_SETUP_SQPOLL;
static const unsigned CURING_SETUP_COOP_TASKRUN = IORING_SETUP_COOP_TASKRUN;
static const unsigned CURING_SETUP_SINGLE_ISSUER = IORING_SETUP_SINGLE_ISSUER;
static const unsigned CURING_SETUP_DEFER_TASKRUN = IORING_SETUP_DEFER_TASKRUN;
static const unsigned CURING_SETUP_SUBMIT_ALL = IORING_SETUP_SUBMIT_ALL;

// Setup flags the driver falls back through.
static const unsigned CURING_SETUP_CQSIZE = IORING_SETUP_CQSIZE;
static const unsigned CURING_FSYNC_DATASYNC = IORING_FSYNC_DATASYNC;

// statx of an open descriptor takes an empty path; a string literal has static
// storage, so the kernel may read it whenever it gets to the SQE.
static inline const char *curing_empty_path(void) { return ""; }

// struct statx is declared by several modules (glibc, CLinux, liburing); taking
// the buffer untyped keeps Swift from having to pick one.
static inline void curing_prep_statx(struct io_uring_sqe *sqe, int dfd, const char *path, int flags,
                                     unsigned mask, void *buffer) {
    io_uring_prep_statx(sqe, dfd, path, flags, mask, (struct statx *)buffer);
}

// Whether the kernel's probe lists `op` as supported.
static inline int curing_probe_supports(const struct io_uring_probe *p, int op) {
    return p != NULL && io_uring_opcode_supported(p, op);
}

// Opcodes newer than liburing 2.3 (kernel 6.9 and 6.11). No prep helpers exist in
// 2.3, so the driver fills the SQE with io_uring_prep_rw the way later liburings do.
static const int CURING_OP_FTRUNCATE = 55;
static const int CURING_OP_LISTEN = 57;

static inline void curing_prep_ftruncate(struct io_uring_sqe *sqe, int fd, long long length) {
    io_uring_prep_rw(CURING_OP_FTRUNCATE, sqe, fd, 0, 0, (__u64)length);
}

static inline void curing_prep_listen(struct io_uring_sqe *sqe, int fd, int backlog) {
    io_uring_prep_rw(CURING_OP_LISTEN, sqe, fd, 0, (unsigned)backlog, 0);
}

#endif
