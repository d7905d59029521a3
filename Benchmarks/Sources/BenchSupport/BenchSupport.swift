import Glibc

/// Monotonic time in nanoseconds.
public func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// The offsets generator every file benchmark uses (the C peer has the same),
/// so all of them read the same blocks.
public struct XorShift: Sendable {
    /// The generator's state; never zero.
    public var state: UInt64

    /// A generator; `stream` picks one of several independent sequences (one per task).
    public init(stream: UInt64 = 0) {
        state = 0x9E37_79B9_7F4A_7C15 &+ stream &* 0x1234_5678_9ABC
    }

    /// The next pseudo-random value.
    public mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}

/// Command-line options: `--name value` pairs after the subcommand.
public struct Options: Sendable {
    private var values: [String: String] = [:]

    /// Parses `arguments` (everything after the subcommand).
    public init(_ arguments: ArraySlice<String>) {
        var rest = arguments
        while let key = rest.popFirst() {
            precondition(key.hasPrefix("--"), "expected --option, got \(key)")
            values[String(key.dropFirst(2))] = rest.popFirst() ?? ""
        }
    }

    /// The option's text, or `fallback`.
    public func string(_ name: String, _ fallback: String) -> String { values[name] ?? fallback }
    /// The option as an integer, or `fallback`.
    public func int(_ name: String, _ fallback: Int) -> Int { values[name].flatMap { Int($0) } ?? fallback }
    /// The option as a number, or `fallback`.
    public func double(_ name: String, _ fallback: Double) -> Double { values[name].flatMap { Double($0) } ?? fallback }
}

/// Flushes stdout, so that the harness sees a `READY` line at once.
public func flushOutput() {
    fflush(nil)
}
