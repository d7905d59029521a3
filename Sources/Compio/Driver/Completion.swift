/// A finished op: the op itself (with its buffers), its result, and the new
/// descriptor when the op created one.
public struct Completion: @unchecked Sendable {
    /// The key ``Driver/push(_:)`` returned, or ``OpKey/immediate`` for a ready push.
    public let key: OpKey
    /// The op, handed back with everything it owned.
    public var op: Op
    /// A byte count or other non-negative value on success; the error otherwise.
    public var result: Result<Int, IOError>
    /// The descriptor created by `openAt`, `accept` or `socket`, owned here: it is
    /// closed when this value is dropped unless someone takes it first. A late
    /// completion after a cancel therefore cannot leak a descriptor.
    public var descriptor: OwnedDescriptor?

    /// A completion with the given parts.
    public init(key: OpKey, op: Op, result: Result<Int, IOError>, descriptor: OwnedDescriptor? = nil) {
        self.key = key
        self.op = op
        self.result = result
        self.descriptor = descriptor
    }

    /// The error, if the op failed.
    public var error: IOError? {
        if case .failure(let e) = result { e } else { nil }
    }
}

/// What ``Driver/push(_:)`` returns.
public enum PushResult: @unchecked Sendable {
    /// The op finished during the push: an error found before submission, or an
    /// op the driver completes eagerly. It will not come out of ``Driver/poll(timeout:_:)``.
    case ready(Completion)
    /// The op is in flight; its completion comes out of ``Driver/poll(timeout:_:)`` exactly once.
    case pending(OpKey)
}
