/// A closure for ``Op/asyncify(_:)``: runs on a pool thread and returns a count
/// or an error. Whatever else it produces it hands over through its own captures.
public final class BlockingWork: @unchecked Sendable {
    /// The work. Called at most once, on a pool thread (or, in simulation, on the
    /// runtime thread at the simulated completion time).
    public let body: @Sendable () -> Result<Int, IOError>

    /// Wraps `body`.
    public init(_ body: @escaping @Sendable () -> Result<Int, IOError>) {
        self.body = body
    }
}
