import Glibc

/// Counts this process's open descriptors, through `/proc/self/fd`.
///
/// The test command runs tests one at a time (`--no-parallel`), so a count
/// taken before and after a test sees only that test's descriptors.
enum OpenDescriptors {
    /// Number of open descriptors now (not counting the one used to list them).
    static func count() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if name != "." && name != ".." { n += 1 }
        }
        return n - 1
    }

    /// Whether `fd` is open.
    static func isOpen(_ fd: Int32) -> Bool { fcntl(fd, F_GETFD) != -1 }
}

extension OpenDescriptors {
    /// The count once it is back to `expected`, or after `timeout`, whichever
    /// comes first. Objects released on other threads (a runtime dropped by its
    /// own thread, a pool thread letting go of a finished job) may close their
    /// descriptors a moment after the test's last await; a real leak never
    /// comes back.
    static func settledCount(expecting expected: Int, timeout: Duration = .seconds(1)) -> Int {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var now = count()
        while now != expected && ContinuousClock.now < deadline {
            usleep(1_000)
            now = count()
        }
        return now
    }

    /// The count once it has stopped changing (the same over 10 ms), or after
    /// `timeout`: a baseline that does not include descriptors an earlier
    /// test's runtime is still closing on its own thread.
    static func baseline(timeout: Duration = .seconds(1)) -> Int {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var last = count()
        var stableSince = ContinuousClock.now
        while ContinuousClock.now < deadline {
            usleep(1_000)
            let now = count()
            if now != last {
                last = now
                stableSince = ContinuousClock.now
            } else if ContinuousClock.now - stableSince >= .milliseconds(10) {
                break
            }
        }
        return last
    }
}
