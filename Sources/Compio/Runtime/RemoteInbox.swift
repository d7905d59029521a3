import Synchronization

/// What other threads hand to the runtime: jobs enqueued from foreign threads
/// and cancel requests from cancellation handlers running there.
///
/// A lock plus a flag the loop reads without the lock; the caller wakes the
/// driver through its notifier afterwards (DESIGN.md, invariant 3).
final class RemoteInbox: Sendable {
    private struct Contents: ~Copyable {
        var jobs: [ReadyJob] = []
        var cancels: [WaiterToken] = []
        var scopeCancels: [TaskCancelScope] = []
    }

    private let contents = Mutex(Contents())
    private let nonEmpty = Atomic<Bool>(false)

    init() {}

    /// Whether anything may be waiting; a cheap check for the loop.
    var mayHaveWork: Bool { nonEmpty.load(ordering: .acquiring) }

    func push(_ job: ReadyJob) {
        contents.withLock { $0.jobs.append(job) }
        nonEmpty.store(true, ordering: .releasing)
    }

    func pushCancel(_ token: WaiterToken) {
        contents.withLock { $0.cancels.append(token) }
        nonEmpty.store(true, ordering: .releasing)
    }

    func pushCancel(_ scope: TaskCancelScope) {
        contents.withLock { $0.scopeCancels.append(scope) }
        nonEmpty.store(true, ordering: .releasing)
    }

    /// Swaps everything into the caller's empty buffers, which the inbox keeps
    /// in exchange (capacity and all).
    func drain(jobs: inout [ReadyJob], cancels: inout [WaiterToken], scopeCancels: inout [TaskCancelScope]) {
        precondition(jobs.isEmpty && cancels.isEmpty && scopeCancels.isEmpty, "RemoteInbox: drain into non-empty buffers")
        nonEmpty.store(false, ordering: .releasing)
        contents.withLock { c in
            swap(&c.jobs, &jobs)
            swap(&c.cancels, &cancels)
            swap(&c.scopeCancels, &scopeCancels)
        }
    }
}
