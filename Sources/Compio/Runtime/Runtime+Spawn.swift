import Synchronization

extension Runtime {
    /// Starts `body` as a new task on this runtime and returns its handle.
    ///
    /// Unlike `Task { }`, which leaves for the global pool, the task and
    /// everything it awaits stay on the runtime's thread. Dropping the handle
    /// detaches the task (see ``JoinHandle``). May be called from any thread.
    @discardableResult
    public func spawn<T: Sendable>(_ body: sending @escaping () async -> T) -> JoinHandle<T, Never> {
        let id = tasks.reserveID()
        let task = Task(executorPreference: self) { [self] in
            defer { tasks.finished(id) }
            return await withCancelScope { await body() }
        }
        tasks.insert(id, task)
        return JoinHandle(task: task)
    }

    /// Starts a throwing `body` as a new task on this runtime; see ``spawn(_:)-(()->T)``.
    @discardableResult
    public func spawn<T: Sendable>(_ body: sending @escaping () async throws -> T) -> JoinHandle<T, any Error> {
        let id = tasks.reserveID()
        let task = Task(executorPreference: self) { [self] in
            defer { tasks.finished(id) }
            return try await withCancelScope { () async throws -> T in try await body() }
        }
        tasks.insert(id, task)
        return JoinHandle(task: task)
    }

    /// Runs `body` on the driver's thread pool and returns its value.
    ///
    /// For blocking work (CPU-heavy code, blocking libraries). Not cancelled
    /// by task cancellation: once accepted, the closure runs to the end and
    /// the caller gets its value. Fails, without running `body`, with
    /// ``IOError/poolBusy`` when every pool thread is busy and the pool is at
    /// its limit, and with ``IOError/shutdown`` after shutdown. To return
    /// errors from `body`, return a `Result`.
    public func spawnBlocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async throws(IOError) -> T {
        let slot = BlockingResult<T>()
        let work = BlockingWork {
            slot.store(body())
            return .success(0)
        }
        let completion = await submitUncancellable(.asyncify(work))
        if case .failure(let error) = completion.result { throw error }
        return slot.take()
    }
}

/// Where a pool thread leaves a ``Runtime/spawnBlocking(_:)`` value for the task.
private final class BlockingResult<T: Sendable>: Sendable {
    private let value = Mutex<T?>(nil)

    func store(_ v: T) { value.withLock { $0 = v } }

    func take() -> T {
        guard let v = value.withLock({ $0.take() }) else {
            preconditionFailure("spawnBlocking: the pool reported success but the closure left no value")
        }
        return v
    }
}
