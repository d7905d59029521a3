#!/usr/bin/env bash
# Runs the whole test suite (kernel tests on io_uring and epoll, and the
# simulation tests), after checking that the release build of the demo (what
# the README's demo command builds) still compiles.
# Tests run one at a time: the leak checks count this process's descriptors.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/ensure-deps.sh
swift build -c release --product compio-demo
swift build --build-tests
swift test --skip-build --no-parallel "$@"
