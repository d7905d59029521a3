import Synchronization

/// Something that can be asked to cancel; lets the registry hold tasks of any
/// result type without boxing them.
protocol CancellableTask: Sendable {
    func cancel()
}

extension Task: CancellableTask {}

/// The tasks a runtime spawned that have not finished, so that the end of
/// ``Runtime/blockOn(_:)`` can cancel them and wait for them.
///
/// Locked: a task may be spawned from another thread, and may finish before
/// its spawner got to ``insert(_:_:)`` it.
final class TaskRegistry: Sendable {
    private struct Contents: ~Copyable {
        var live: [UInt64: any CancellableTask] = [:]
        /// Reserved ids: spawned, not finished (whether inserted yet or not).
        var running: Set<UInt64> = []
        var nextID: UInt64 = 0
    }

    private let contents = Mutex(Contents())

    init() {}

    /// Tasks spawned and not finished.
    var count: Int { contents.withLock { $0.running.count } }

    /// An id for a task about to be spawned; counts as running from now on.
    func reserveID() -> UInt64 {
        contents.withLock { c in
            let id = c.nextID
            c.nextID += 1
            c.running.insert(id)
            return id
        }
    }

    /// Records the task spawned under `id`, unless it already finished.
    func insert(_ id: UInt64, _ task: some CancellableTask) {
        contents.withLock { c in
            if c.running.contains(id) { c.live[id] = task }
        }
    }

    /// Called by a task as its last act.
    func finished(_ id: UInt64) {
        contents.withLock { c in
            let removed = c.running.remove(id)
            assert(removed != nil, "TaskRegistry: task \(id) finished twice or was never reserved")
            c.live[id] = nil
        }
    }

    /// Cancels every live task, oldest first. In a fixed order, not the
    /// dictionary's: its order follows its storage's address, and under
    /// CompioSim the order of the cancels is part of the seed's trace.
    func cancelAll() {
        let all = contents.withLock { $0.live.sorted { $0.key < $1.key }.map(\.value) }
        for task in all { task.cancel() }
    }
}
