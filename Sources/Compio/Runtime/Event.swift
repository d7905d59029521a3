import Synchronization

/// A one-shot event: tasks ``wait()`` until some thread calls ``notify()``.
///
/// `notify()` may be called from any thread, including threads no runtime
/// owns. It never runs a waiter itself: it resumes the waiter's continuation,
/// and a task started by a ``Runtime`` carries the runtime as its executor
/// preference, so the resumed task is enqueued back onto its runtime's thread
/// (through the runtime's remote inbox, which wakes the driver). Once set, the
/// event stays set; later waits return at once.
public final class Event: Sendable {
    private struct State {
        var isSet = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// A new, unset event.
    public init() {}

    /// Whether ``notify()`` has been called.
    public var isSet: Bool { state.withLock { $0.isSet } }

    /// Sets the event and wakes every waiter. Idempotent; callable from any thread.
    public func notify() {
        // Resume outside the lock: a resumed task may run at once on this
        // thread's executor and call back into the event.
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.isSet else { return [] }
            state.isSet = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits until the event is set. Not cancellable: a cancelled waiter keeps
    /// waiting for ``notify()`` (wrap it in ``Runtime/timeout(_:_:)`` or race
    /// it in a task group to bound it).
    public func wait() async {
        if isSet { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let setAlready = state.withLock { state in
                if state.isSet { return true }
                state.waiters.append(continuation)
                return false
            }
            if setAlready { continuation.resume() }
        }
    }
}
