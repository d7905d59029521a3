#!/usr/bin/env bash
# Runs the whole test suite (kernel and simulation tests) on every driver.
# Tests run one at a time: the leak checks count this process's descriptors.
set -euo pipefail
cd "$(dirname "$0")/.."
source Scripts/ensure-deps.sh
swift build --build-tests
swift test --skip-build --no-parallel "$@"
