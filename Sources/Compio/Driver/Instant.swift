/// A point on a driver's monotonic clock, in nanoseconds since an arbitrary origin.
///
/// Kernel drivers read `CLOCK_MONOTONIC`; the simulator's driver reads virtual
/// time. The runtime's timers and its `Clock` use only this (DESIGN.md, invariant 5).
public struct Instant: InstantProtocol, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: Int64

    /// The instant `nanoseconds` after the clock's origin.
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The clock's origin.
    public static var zero: Instant { Instant(nanoseconds: 0) }

    /// The instant `duration` after this one (saturating).
    public func advanced(by duration: Duration) -> Instant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(duration.nanosecondsClamped)
        return Instant(nanoseconds: overflow ? (duration < .zero ? .min : .max) : sum)
    }

    /// The duration from this instant to `other`.
    public func duration(to other: Instant) -> Duration {
        .nanoseconds(other.nanoseconds &- nanoseconds)
    }

    /// Orders instants by time.
    public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// The instant as seconds since the origin.
    public var description: String {
        let s = nanoseconds / 1_000_000_000
        let ns = abs(nanoseconds % 1_000_000_000)
        return "\(s).\(String(ns + 1_000_000_000).dropFirst())s"
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `Int64`.
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (total, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow2 { return seconds < 0 ? .min : .max }
        return total
    }
}
