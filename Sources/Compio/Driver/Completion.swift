/// A finished op: the op itself (with its buffers), its result, and the new
/// descriptor when the op created one.
public struct Completion: @unchecked Sendable {
    /// The key ``Driver/push(_:)`` returned, or ``OpKey/immediate`` for a ready push.
    public let key: OpKey
    /// The op, handed back with everything it owned.
    public var op: Op
    /// The result and the descriptor in one stored field. With two reference
    /// counted fields beside the op, Swift 6.3 builds every `Completion` in a
    /// temporary and copies it out through the outlined copy of each op kind
    /// (about 160 instructions of an inline NOP); with one it moves it.
    private var outcome: Outcome

    /// What ``result`` and ``descriptor`` read.
    private enum Outcome {
        /// Success without a new descriptor.
        case value(Int)
        /// Success with the descriptor the op created.
        case descriptor(Int, OwnedDescriptor)
        /// Failure.
        case failure(IOError)
    }

    /// A completion with the given parts. A `descriptor` given with a failure
    /// is dropped at once, which closes it unless it was taken: a failed op
    /// hands out no descriptor.
    public init(key: OpKey, op: Op, result: Result<Int, IOError>, descriptor: OwnedDescriptor? = nil) {
        self.key = key
        self.op = op
        outcome = Self.outcome(result, descriptor)
    }

    private static func outcome(_ result: Result<Int, IOError>, _ descriptor: OwnedDescriptor?) -> Outcome {
        switch result {
        case .success(let value): descriptor.map { .descriptor(value, $0) } ?? .value(value)
        case .failure(let error): .failure(error)
        }
    }

    /// A byte count or other non-negative value on success; the error otherwise.
    public var result: Result<Int, IOError> {
        get {
            switch outcome {
            case .value(let value), .descriptor(let value, _): .success(value)
            case .failure(let error): .failure(error)
            }
        }
        set { outcome = Self.outcome(newValue, descriptor) }
    }

    /// The descriptor created by `openAt`, `accept` or `socket`, owned here: it is
    /// closed when this value is dropped unless someone takes it first. A late
    /// completion after a cancel therefore cannot leak a descriptor.
    public var descriptor: OwnedDescriptor? {
        get {
            if case .descriptor(_, let descriptor) = outcome { descriptor } else { nil }
        }
        set { outcome = Self.outcome(result, newValue) }
    }

    /// The error, if the op failed.
    public var error: IOError? {
        if case .failure(let e) = outcome { e } else { nil }
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
