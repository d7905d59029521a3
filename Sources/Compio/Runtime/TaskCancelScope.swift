import Synchronization

/// One cancellation handler for a whole task the runtime started, instead of
/// one per op.
///
/// `withTaskCancellationHandler` around every awaited op costs two status-
/// record updates and two executor checks, each under the task's status lock:
/// about a thousand instructions, a tenth of an echo round trip. A task the
/// runtime spawns registers one handler for its life instead, and records here
/// which op it waits on; the handler only marks the scope and hands it to the
/// loop, which cancels that op. Ops of tasks without a scope (structured
/// children, tasks started elsewhere) keep the per-op handler.
///
/// `waiting` belongs to the runtime's thread. The handler may run on any
/// thread, so it only sets `cancelled` and queues the scope.
final class TaskCancelScope: @unchecked Sendable {
    /// The scope of the current task, if the runtime started it.
    @TaskLocal static var current: TaskCancelScope?

    /// The task the scope belongs to: a child task inherits ``current`` but not
    /// the handler, so it must not use the scope.
    let task: UnsafeCurrentTask
    /// The runtime whose loop acts on the scope's cancel: an op the task
    /// submits to another runtime lives in that runtime's tables, so it keeps
    /// the per-op handler.
    let owner: ObjectIdentifier
    /// The op the task is suspended on, while it is (runtime thread only).
    var waiting: WaiterToken?

    init(task: UnsafeCurrentTask, owner: Runtime) {
        self.task = task
        self.owner = ObjectIdentifier(owner)
    }

    /// The scope of the calling task, when `runtime` started it.
    @inline(__always)
    static func ofCurrentTask(on runtime: Runtime) -> TaskCancelScope? {
        guard let scope = current, scope.owner == ObjectIdentifier(runtime) else { return nil }
        let own = withUnsafeCurrentTask { task -> Bool in
            guard let task else { return false }
            return task == scope.task
        }
        return own ? scope : nil
    }
}

extension Runtime {
    /// Runs `body` with a ``TaskCancelScope``: the task's one cancellation
    /// handler. Called at the start of a task the runtime starts, on its thread.
    func withCancelScope<T, E: Error>(_ body: () async throws(E) -> T) async throws(E) -> T {
        guard let task = withUnsafeCurrentTask(body: { $0 }) else { return try await body() }
        let scope = TaskCancelScope(task: task, owner: self)
        let result: Result<T, E> = await withTaskCancellationHandler {
            await TaskCancelScope.$current.withValue(scope) {
                do throws(E) {
                    return .success(try await body())
                } catch {
                    return .failure(error)
                }
            }
        } onCancel: {
            requestCancel(scope)
        }
        return try result.get()
    }

    /// The scope's handler: like ``requestCancel(_:)-(WaiterToken)`` for
    /// whatever op the task waits on when the loop gets to it. If it waits on
    /// none, the task's next op sees `Task.isCancelled` and is not run.
    func requestCancel(_ scope: TaskCancelScope) {
        if isOnRuntimeThread {
            core.pointee.scopeCancels.append(scope)
        } else {
            remote.pushCancel(scope)
            notifier.notify()
        }
    }
}
