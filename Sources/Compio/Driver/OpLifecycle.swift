/// The state of one op, as DESIGN.md draws it:
/// `created → submitted → (cancel requested)? → completed → taken`.
///
/// A small value type so the transitions can be tested without threads or a
/// kernel. Illegal transitions trap: they mean a driver bug that would otherwise
/// complete an op twice or free its buffers early.
public struct OpLifecycle: Sendable, Hashable, CustomStringConvertible {
    /// Where the op is.
    public enum State: Sendable, Hashable {
        /// Accepted by the driver, not yet handed to the kernel or the pool.
        case created
        /// Handed to the kernel or the pool.
        case submitted
        /// A cancel was asked for; `submitted` tells whether the op had been submitted.
        case cancelRequested(submitted: Bool)
        /// The result is known; the completion has not been handed out yet.
        case completed
        /// The completion was handed out. The slot may be reused.
        case taken
    }

    /// What a driver must do after ``requestCancel()``.
    public enum CancelAction: Sendable, Hashable {
        /// The op never reached the kernel: complete it with `ECANCELED` without running it.
        case completeUnsubmitted
        /// The op is in the kernel or on the pool: ask for its cancellation.
        case issueCancel
        /// Nothing to do: a cancel was already asked for, or the op already completed.
        case none
    }

    /// The current state.
    @inlinable public var state: State { storedState }
    @usableFromInline var storedState: State = .created

    /// Whether the completion was handed out (``State/taken``).
    @inlinable public var isTaken: Bool {
        if case .taken = storedState { true } else { false }
    }

    /// A new op in ``State/created``.
    @inlinable
    public init() {}

    /// `created → submitted`, or `cancelRequested(false) → cancelRequested(true)`.
    /// Returns false when a cancel came first: the driver must not submit, and
    /// completes the op with `ECANCELED` instead.
    @inlinable
    public mutating func submit() -> Bool {
        switch state {
        case .created:
            storedState = .submitted
            return true
        case .cancelRequested(submitted: false):
            return false
        default:
            preconditionFailure("OpLifecycle: submit in state \(state)")
        }
    }

    /// Records a cancel request and says what the driver must do about it.
    @inlinable
    public mutating func requestCancel() -> CancelAction {
        switch state {
        case .created:
            storedState = .cancelRequested(submitted: false)
            return .completeUnsubmitted
        case .submitted:
            storedState = .cancelRequested(submitted: true)
            return .issueCancel
        case .cancelRequested, .completed, .taken:
            return .none
        }
    }

    /// Whether a cancel was requested at some point before completion.
    @inlinable
    public var isCancelRequested: Bool {
        if case .cancelRequested = state { true } else { false }
    }

    /// `→ completed`. Traps if the op already completed: exactly once.
    @inlinable
    public mutating func complete() {
        switch state {
        case .created, .submitted, .cancelRequested:
            storedState = .completed
        case .completed, .taken:
            preconditionFailure("OpLifecycle: op completed twice (state \(state))")
        }
    }

    /// `completed → taken`. Traps otherwise: a completion is handed out once.
    @inlinable
    public mutating func take() {
        precondition(state == .completed, "OpLifecycle: take in state \(state)")
        storedState = .taken
    }

    /// The state's name.
    public var description: String { "\(state)" }
}
