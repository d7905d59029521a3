/// A job ready to run, and how to run it.
struct ReadyJob: Sendable {
    let job: UnownedJob
    /// Enqueued through the runtime's ``RuntimeSerialExecutor``: runs isolated
    /// to it, for actors pinned to the runtime.
    let isolated: Bool
}

/// Everything the runtime's thread owns, in one struct reached through an
/// unsafe pointer.
///
/// Keeping it out of class stored properties spares every access the dynamic
/// exclusivity check (15 % of the per-op cost in the spike). Only the runtime's
/// thread touches it; the runtime checks that at its entry points.
struct RuntimeCore: ~Copyable {
    var jobs = JobQueue<ReadyJob>()
    var waiters = WaiterTable<UnsafeContinuation<Completion, Never>, UnsafeContinuation<Bool, Never>>()
    var timers = TimerQueue()
    /// Tasks in ``Runtime/yield()``, resumed after the next poll.
    var yielders: [UnsafeContinuation<Void, Never>] = []
    /// Spare buffers swapped with ``yielders`` and the remote inbox, so that
    /// neither side reallocates once grown.
    var spareYielders: [UnsafeContinuation<Void, Never>] = []
    var spareJobs: [ReadyJob] = []
    var spareCancels: [WaiterToken] = []
    /// Cancel requests made on the runtime's thread, for the loop to act on.
    var cancelRequests: [WaiterToken] = []
    /// Tasks cancelled as a whole (``TaskCancelScope``): the loop cancels the
    /// op each one waits on.
    var scopeCancels: [TaskCancelScope] = []
    /// The job ``Runtime/run(_:)`` is running; for an async task, the task.
    var runningJob: UnsafeRawPointer?
    /// The cancel scopes of the tasks this runtime started, by their task
    /// (``TaskCancelScope``).
    var scopes = TaskScopeTable()
    var spareScopeCancels: [TaskCancelScope] = []
    /// When ops try to complete inline (``Runtime/submit(_:)``).
    var inline: InlineCompletionPolicy
    /// Driver polls so far; lets an inline completion check that no poll ran
    /// between its push and its await.
    var polls = 0
    /// An op was pushed the ordinary way since the last poll. On io_uring it
    /// waits in the submission queue for the poll (``Driver/batchesEagerPush(of:)``).
    var pushedSincePoll = false
    /// Ops that completed inline, and completions of other ops found while
    /// pushing them (counters for tests and tuning).
    var inlineCompletions = 0
    var eagerDeliveries = 0
    /// `blockOn` is running.
    var running = false
    /// Shutdown (or the end of `blockOn`) is cancelling and draining everything.
    var draining = false
    /// ``Runtime/shutdown()`` finished: new ops fail with ``IOError/shutdown``.
    var isShutDown = false
    /// Self-checks and injected bugs for tests; `nil` outside them.
    var testing: RuntimeTesting?

    init(inlineLimit: Int) {
        inline = InlineCompletionPolicy(limit: inlineLimit)
    }
}
