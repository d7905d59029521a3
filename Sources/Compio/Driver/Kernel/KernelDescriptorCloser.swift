import Glibc

/// Closes descriptors with `close(2)`; used by the kernel drivers for
/// descriptors that ops created and nobody claimed.
public final class KernelDescriptorCloser: DescriptorCloser {
    /// The one instance.
    public static let shared = KernelDescriptorCloser()
    private init() {}

    /// `close(2)`, errors ignored (Linux frees the number even when close fails).
    public func closeDescriptor(_ fd: Int32) { _ = Glibc.close(fd) }
}

/// Reads `CLOCK_MONOTONIC`, the kernel drivers' clock.
public enum MonotonicClock {
    /// Now, in nanoseconds since boot.
    public static func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Instant(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }
}
