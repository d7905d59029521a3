// C peers for the Compio benchmarks: one binary, one subcommand per peer.
// Each measurement prints one `RESULT key=value ...` line that the harness parses.
#include <string.h>
#include "common.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr,
                "usage: bench-c nop <batch> <seconds> [ops]\n"
                "       bench-c pread <file> <block> <rand|seq> <seconds>\n"
                "       bench-c echo-server <port>\n"
                "       bench-c echo-server-uring <port> <plain|linked|multishot>\n"
                "       bench-c echo-client <port> <conns> <size> <warmup_s> <seconds>\n");
        return 2;
    }
    if (!strcmp(argv[1], "nop")) return cmd_nop(argc - 2, argv + 2);
    if (!strcmp(argv[1], "pread")) return cmd_pread(argc - 2, argv + 2);
    if (!strcmp(argv[1], "echo-server")) return cmd_echo_server(argc - 2, argv + 2);
    if (!strcmp(argv[1], "echo-server-uring")) return cmd_echo_server_uring(argc - 2, argv + 2);
    if (!strcmp(argv[1], "echo-client")) return cmd_echo_client(argc - 2, argv + 2);
    fprintf(stderr, "bench-c: unknown command %s\n", argv[1]);
    return 2;
}
