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
///
/// The runtime finds the scope of the running task by the job it runs (a
/// task's job is the task itself; ``RuntimeCore/runningJob``), in its own
/// table (``RuntimeCore/scopes``). A task-local value and a check of the
/// current task cost a third of an echo round trip's suspension instead. So a
/// structured child, whose job is another task, finds no scope, and neither
/// does a task that submits to another runtime.
final class TaskCancelScope: @unchecked Sendable {
    /// The op the task is suspended on, while it is (runtime thread only).
    var waiting: WaiterToken?
    /// Set by the handler: the task was cancelled. The same as the task's
    /// `Task.isCancelled` (the handler runs inside `cancel()`), and cheaper to
    /// read: `Task.isCancelled` finds and retains the current task, about a
    /// tenth of an inline NOP.
    let cancelled = Atomic<Bool>(false)

    /// The scope of the task whose job `runtime` is running, if it started it.
    /// Unretained (``TaskScopeTable/find(_:)``): the scope outlives every op
    /// its task awaits inside it, since the task removes it only on leaving.
    @inline(__always)
    static func ofCurrentTask(on runtime: Runtime) -> Unmanaged<TaskCancelScope>? {
        guard let job = runtime.core.pointee.runningJob, !runtime.core.pointee.scopes.isEmpty else { return nil }
        return runtime.core.pointee.scopes.find(job)
    }
}

extension Runtime {
    /// Runs `body` with one task-cancellation handler for every op it awaits
    /// on this runtime, instead of one handler per op.
    ///
    /// Tasks that ``spawn(_:)-(()->T)`` starts already run in such a scope. A
    /// structured child (a task-group child, an `async let`) does not: call
    /// this at the top of a child that awaits many ops, and each of its ops
    /// saves a status-record update and an executor check under the task's
    /// lock (about a thousand instructions). Cancellation behaves the same:
    /// cancelling the task cancels the op it waits on, which still resumes
    /// the task exactly once, with its buffers.
    ///
    /// `nonisolated(nonsending)`: `body` runs on the caller's isolation, so an
    /// actor (one pinned to this runtime, say) can open a scope around code
    /// that touches its state. Off the runtime's thread, or inside a scope of
    /// the same task already, it just runs `body`.
    nonisolated(nonsending) public func withCancelScope<T, E: Error>(
        _ body: () async throws(E) -> T
    ) async throws(E) -> T {
        guard isOnRuntimeThread, let job = core.pointee.runningJob, core.pointee.scopes[job] == nil else {
            return try await body()
        }
        let scope = TaskCancelScope()
        core.pointee.scopes.insert(scope, for: job)
        let result: Result<T, E> = await withTaskCancellationHandler {
            do throws(E) {
                return .success(try await body())
            } catch {
                return .failure(error)
            }
        } onCancel: {
            scope.cancelled.store(true, ordering: .releasing)
            requestCancel(scope)
        }
        // Back on the runtime's thread: the task prefers its executor.
        assert(isOnRuntimeThread, "Runtime: a task left its runtime's thread")
        core.pointee.scopes.remove(job)
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
