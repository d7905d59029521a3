// Plain pread(2) in a loop: random 4 KiB blocks or sequential big blocks.
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common.h"

int cmd_pread(int argc, char **argv) {
    if (argc < 4) { fprintf(stderr, "pread <file> <block> <rand|seq> <seconds>\n"); return 2; }
    int fd = open(argv[0], O_RDONLY);
    if (fd < 0) die("open");
    size_t block = (size_t)atol(argv[1]);
    int random = !strcmp(argv[2], "rand");
    double seconds = atof(argv[3]);
    struct stat st;
    if (fstat(fd, &st) < 0) die("fstat");
    uint64_t blocks = (uint64_t)st.st_size / block;
    void *buf = aligned_alloc(4096, block);
    uint64_t seed = 0x9E3779B97F4A7C15ull, ops = 0, next = 0;
    uint64_t start = now_ns(), deadline = start + (uint64_t)(seconds * 1e9), end = start;
    for (;;) {
        uint64_t index = random ? xorshift(&seed) % blocks : next++ % blocks;
        if (pread(fd, buf, block, (off_t)(index * block)) != (ssize_t)block) die("pread");
        ops++;
        if ((ops & 0xff) == 0) {
            end = now_ns();
            if (end >= deadline) break;
        }
    }
    printf("RESULT value=%.0f unit=ops/s\n", ops / ((end - start) / 1e9));
    free(buf);
    close(fd);
    return 0;
}
