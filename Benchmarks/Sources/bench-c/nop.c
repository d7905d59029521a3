// The per-op floor: batches of io_uring NOPs with liburing. The ring uses the
// same setup flags as Compio's default (SINGLE_ISSUER|DEFER_TASKRUN), falling
// back to none on kernels that refuse them.
#include <sys/select.h>
#include <liburing.h>
#include "common.h"

int cmd_nop(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "nop <batch> <seconds> [ops]\n"); return 2; }
    unsigned batch = (unsigned)atoi(argv[0]);
    double seconds = atof(argv[1]);
    // A fixed op count (instead of the clock) makes instruction counts comparable.
    uint64_t count = argc > 2 ? (uint64_t)atoll(argv[2]) : 0;
    struct io_uring ring;
    struct io_uring_params p = {0};
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    if (io_uring_queue_init_params(256, &ring, &p) < 0) {
        if (io_uring_queue_init(256, &ring, 0) < 0) die("io_uring_queue_init");
    }
    uint64_t ops = 0;
    uint64_t start = now_ns(), deadline = start + (uint64_t)(seconds * 1e9);
    uint64_t end = start;
    for (;;) {
        for (unsigned i = 0; i < batch; i++) io_uring_prep_nop(io_uring_get_sqe(&ring));
        if (io_uring_submit_and_wait(&ring, batch) < 0) die("submit");
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&ring, head, cqe) { seen++; }
        io_uring_cq_advance(&ring, seen);
        ops += seen;
        if (count) {
            if (ops >= count) { end = now_ns(); break; }
        } else if ((ops & 0x3ff) < batch) {
            end = now_ns();
            if (end >= deadline) break;
        }
    }
    printf("RESULT value=%.0f unit=ops/s\n", ops / ((end - start) / 1e9));
    io_uring_queue_exit(&ring);
    return 0;
}
