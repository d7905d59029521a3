#pragma once
#include <stdint.h>
/// Heap allocations (malloc, calloc, realloc, memalign family) since process start.
uint64_t bench_malloc_count(void);
