/// A task started with ``Runtime/spawn(_:)-(()->T)``: await its value, cancel it, or detach it.
///
/// **Discarding a handle detaches the task**, as with Swift's `Task`: it keeps
/// running to completion on the runtime and its value is dropped. (compio
/// cancels a task whose handle is dropped; Swift code expects `Task`'s
/// behaviour, and a copyable handle cannot tell its last copy went away.) Call
/// ``cancel()`` to stop it. Either way, every task a runtime spawned is
/// cancelled and drained when ``Runtime/blockOn(_:)`` returns.
public struct JoinHandle<Success: Sendable, Failure: Error>: Sendable, Hashable {
    /// The underlying task.
    public let task: Task<Success, Failure>

    init(task: Task<Success, Failure>) { self.task = task }

    /// Asks the task to stop: cancels it (and so every op it awaits).
    public func cancel() { task.cancel() }

    /// Whether ``cancel()`` was called.
    public var isCancelled: Bool { task.isCancelled }

    /// Lets the task run on without anyone waiting for it. Equivalent to
    /// dropping the handle; spelled out for readers.
    public func detach() {}
}

extension JoinHandle where Failure == Never {
    /// Waits for the task and returns its value.
    public var value: Success {
        get async { await task.value }
    }
}

extension JoinHandle where Failure == any Error {
    /// Waits for the task and returns its value, or throws its error.
    public var value: Success {
        get async throws { try await task.value }
    }

    /// Waits for the task and returns its outcome.
    public var result: Result<Success, any Error> {
        get async { await task.result }
    }
}
