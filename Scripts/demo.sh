#!/usr/bin/env bash
# Runs the demo on the default driver (COMPIO_DRIVER=io_uring|epoll|auto to choose).
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/ensure-deps.sh
swift run -c release compio-demo "$@"
