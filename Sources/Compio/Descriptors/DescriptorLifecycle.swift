/// The close protocol of a shared descriptor, as a value type.
///
/// Clones of a file or socket share one descriptor. Every in-flight op holds a
/// use of it; `close()` waits until no op holds it and then issues exactly one
/// close. After `close()` starts, new ops are refused (``IOError/closed``).
/// The kernel reuses a closed number at once, so the runtime must never issue
/// an op on a number after its close was issued (DESIGN.md, invariant 4).
public struct DescriptorLifecycle: Sendable, Hashable, CustomStringConvertible {
    /// Where the descriptor is.
    public enum State: Sendable, Hashable {
        /// Open, with `uses` ops in flight.
        case open(uses: Int)
        /// `close()` was called; waiting for `uses` ops to finish.
        case draining(uses: Int)
        /// The close was issued. Nothing may use the number any more.
        case closed
    }

    /// What the caller of ``close()`` must do.
    public enum CloseAction: Sendable, Hashable {
        /// Issue the close now: no op holds the descriptor.
        case closeNow
        /// Wait: the last ``release()`` will say ``ReleaseAction/closeNow``.
        case wait
        /// Another `close()` already started or finished it; wait for that one.
        case alreadyClosing
    }

    /// What the caller of ``release()`` must do.
    public enum ReleaseAction: Sendable, Hashable {
        /// Nothing.
        case none
        /// This was the last op a pending `close()` waited for: issue the close now.
        case closeNow
    }

    /// The current state.
    public private(set) var state: State = .open(uses: 0)

    /// An open descriptor with no op in flight.
    public init() {}

    /// An op wants to use the descriptor. Returns false when it is closing or
    /// closed: the op must not be issued.
    public mutating func acquire() -> Bool {
        guard case .open(let uses) = state else { return false }
        state = .open(uses: uses + 1)
        return true
    }

    /// An op that acquired the descriptor completed.
    public mutating func release() -> ReleaseAction {
        switch state {
        case .open(let uses):
            precondition(uses > 0, "DescriptorLifecycle: release without acquire")
            state = .open(uses: uses - 1)
            return .none
        case .draining(let uses):
            precondition(uses > 0, "DescriptorLifecycle: release without acquire while draining")
            if uses == 1 {
                state = .closed
                return .closeNow
            }
            state = .draining(uses: uses - 1)
            return .none
        case .closed:
            preconditionFailure("DescriptorLifecycle: release after close: an op outlived the descriptor")
        }
    }

    /// `close()` was called.
    public mutating func close() -> CloseAction {
        switch state {
        case .open(0):
            state = .closed
            return .closeNow
        case .open(let uses):
            state = .draining(uses: uses)
            return .wait
        case .draining, .closed:
            return .alreadyClosing
        }
    }

    /// The last reference went away without `close()`: whether the caller must close now.
    /// Ops hold references, so no op can be in flight here.
    public mutating func dropLastReference() -> Bool {
        switch state {
        case .open(let uses):
            precondition(uses == 0, "DescriptorLifecycle: last reference dropped with \(uses) ops in flight")
            state = .closed
            return true
        case .draining:
            preconditionFailure("DescriptorLifecycle: last reference dropped while draining")
        case .closed:
            return false
        }
    }

    /// Ops in flight now.
    public var uses: Int {
        switch state {
        case .open(let n), .draining(let n): n
        case .closed: 0
        }
    }

    /// Whether the close was issued.
    public var isClosed: Bool { state == .closed }

    /// The state's name.
    public var description: String { "\(state)" }
}
