// Shared helpers for the C peers: time, xorshift offsets, result lines.
#pragma once
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

// The same generator the Swift benchmarks use, so both read the same offsets.
static inline uint64_t xorshift(uint64_t *s) {
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static inline void die(const char *what) {
    perror(what);
    exit(2);
}

// A listening TCP socket on 127.0.0.1:<port>; sock_flags go to socket(2).
int listen_loopback(int port, int sock_flags);

int cmd_nop(int argc, char **argv);
int cmd_pread(int argc, char **argv);
int cmd_echo_server(int argc, char **argv);
int cmd_echo_server_uring(int argc, char **argv);
int cmd_echo_client(int argc, char **argv);
