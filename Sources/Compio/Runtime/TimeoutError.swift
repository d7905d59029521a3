/// Thrown by ``Runtime/timeout(after:_:)`` when the body did not finish in time.
public struct TimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The time limit that passed.
    public let duration: Duration

    /// A timeout after `duration`.
    public init(duration: Duration) { self.duration = duration }

    /// `timed out after …`.
    public var description: String { "timed out after \(duration)" }
}
