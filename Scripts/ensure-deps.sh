#!/usr/bin/env bash
# Installs what the build needs when it is missing: liburing's header and
# pkg-config file (Debian's liburing-dev). Safe to run again.
set -euo pipefail
if ! pkg-config --exists liburing 2>/dev/null || [ ! -f /usr/include/liburing.h ]; then
    echo "ensure-deps: installing liburing-dev" >&2
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq liburing-dev pkg-config >/dev/null
fi
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
