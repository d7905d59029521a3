import Synchronization

/// One open descriptor shared by every clone of a file or socket.
///
/// Every op on it holds a use for as long as it is in flight, so the number
/// cannot be closed, and reused by the kernel for something else, under an op.
/// ``close()`` refuses new ops at once, waits until the last op in flight
/// completes, then issues exactly one close through the driver. Dropping the
/// last reference without `close()` closes it too, synchronously (no op can be
/// in flight then: ops hold references).
///
/// The protocol itself is ``DescriptorLifecycle``; this class adds the lock, the
/// waiting and the close op.
public final class SharedDescriptor: Sendable, CustomStringConvertible {
    /// The descriptor number. Never use it after ``close()`` was called.
    public let raw: Int32
    private let closer: any DescriptorCloser
    private let state = Mutex(State())

    private struct State: ~Copyable {
        var lifecycle = DescriptorLifecycle()
        /// Callers of `close()` waiting for the close to be issued and finish.
        var waiters: [CheckedContinuation<Result<Void, IOError>, Never>] = []
        /// The close's result, once it finished.
        var result: Result<Void, IOError>?
    }

    /// Takes ownership of `raw`, which `closer` closes if the last reference
    /// goes away without ``close()``.
    public init(_ raw: Int32, closer: any DescriptorCloser) {
        precondition(raw >= 0, "SharedDescriptor: invalid descriptor \(raw)")
        self.raw = raw
        self.closer = closer
    }

    /// Claims a descriptor an op created.
    public convenience init(_ owned: OwnedDescriptor, closer: any DescriptorCloser) {
        self.init(owned.take(), closer: closer)
    }

    deinit {
        let mustClose = state.withLock { $0.lifecycle.dropLastReference() }
        if mustClose { closer.closeDescriptor(raw) }
    }

    /// Whether ``close()`` was called (the descriptor refuses ops from then on).
    public var isClosing: Bool {
        state.withLock { if case .open = $0.lifecycle.state { false } else { true } }
    }

    /// Ops in flight on the descriptor now.
    public var uses: Int { state.withLock { $0.lifecycle.uses } }

    /// Runs the op `makeOp` builds for this descriptor on `runtime`, holding a
    /// use of the descriptor until the op completed.
    ///
    /// After ``close()`` started, the op is not issued: it comes back at once
    /// with ``IOError/closed`` (and its buffers).
    @inlinable
    nonisolated(nonsending) public func submit(on runtime: Runtime, _ makeOp: (Int32) -> Op) async -> Completion {
        guard acquireUse() else { return Completion(key: .immediate, op: makeOp(raw), result: .failure(.closed)) }
        let completion = await runtime.submit(makeOp(raw))
        if releaseUseMustClose() { await issueClose(on: runtime) }
        return completion
    }

    /// Like ``submit(on:_:)`` for ops that must not be cancelled half-way.
    nonisolated(nonsending) public func submitUncancellable(on runtime: Runtime, _ makeOp: (Int32) -> Op) async -> Completion {
        guard acquireUse() else { return Completion(key: .immediate, op: makeOp(raw), result: .failure(.closed)) }
        let completion = await runtime.submitUncancellable(makeOp(raw))
        if releaseUseMustClose() { await issueClose(on: runtime) }
        return completion
    }

    // The use protocol around one op: refuse it once closing, otherwise hold a
    // use while the op runs, then release it, which may issue the pending
    // close. Synchronous on purpose: every async frame between the caller and
    // `Runtime.submit` costs an executor hop (a status-record lock) per op.

    @usableFromInline
    func acquireUse() -> Bool { state.withLock { $0.lifecycle.acquire() } }

    @usableFromInline
    func releaseUseMustClose() -> Bool { state.withLock { $0.lifecycle.release() } == .closeNow }

    /// Closes the descriptor: refuses new ops at once, waits until no op holds
    /// it, then closes it once. Every caller gets that one close's result; a
    /// call after it finished gets it again.
    ///
    /// The close itself is not cancellable: once asked for, it happens.
    public func close() async throws(IOError) {
        guard let runtime = Runtime.current else { throw .noRuntime }
        try await close(on: runtime)
    }

    /// ``close()`` on a given runtime.
    public func close(on runtime: Runtime) async throws(IOError) {
        let action = state.withLock { $0.lifecycle.close() }
        if action == .closeNow { await issueClose(on: runtime) }
        if action == .wait, runtime._testingFaults.contains(.closeBeforeInFlightOpsFinish) { await runtime.testingCloseEarly(self) }
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, IOError>, Never>) in
            let done: Result<Void, IOError>? = state.withLock { s in
                if let result = s.result { return result }
                s.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
        try result.get()
    }

    /// Issues the one close and hands its result to every waiter.
    @usableFromInline
    func issueClose(on runtime: Runtime) async {
        assert(state.withLock { $0.lifecycle.isClosed && $0.result == nil }, "SharedDescriptor: close issued twice")
        let completion =
            runtime.testingWasClosedEarly(self)
            ? Completion(key: .immediate, op: .nop, result: .success(0)) : await runtime.submitUncancellable(.close(fd: raw))
        let result: Result<Void, IOError> = completion.result.map { _ in () }
        let waiters = state.withLock { s in
            s.result = result
            let w = s.waiters
            s.waiters = []
            return w
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// `fd N`.
    public var description: String { "fd \(raw)" }
}
