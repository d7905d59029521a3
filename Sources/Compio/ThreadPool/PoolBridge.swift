import Glibc
import Synchronization

/// Runs a driver's ops on a ``ThreadPool`` and brings their results back through
/// the driver: the pool thread posts to this queue and notifies the driver,
/// whose poll hands the completions out on its own thread. Nothing is resumed
/// from a pool thread (DESIGN.md, invariant 3).
public final class PoolBridge: Sendable {
    /// A pool op's result, waiting for the driver's poll.
    public struct Finished: @unchecked Sendable {
        /// The op's key.
        public let key: OpKey
        /// What the op returned.
        public let result: Result<Int, IOError>
        /// The descriptor the op created, if any.
        public let descriptor: OwnedDescriptor?
    }

    /// The pool the ops run on.
    public let pool: ThreadPool
    private let notifier: any DriverNotifier
    private let finished = Mutex<[Finished]>([])
    private let running = Atomic<Int>(0)
    /// The length of `finished`, changed under its lock, so that the driver's
    /// every poll can look without taking the lock.
    private let finishedCount = Atomic<Int>(0)
    /// The array `finished` swaps with; only the driver's thread touches it.
    nonisolated(unsafe) private var spare: [Finished] = []

    /// A bridge posting to `notifier`'s driver.
    public init(pool: ThreadPool, notifier: any DriverNotifier) {
        self.pool = pool
        self.notifier = notifier
    }

    /// Pool ops submitted and not yet drained.
    public var pending: Int { running.load(ordering: .acquiring) }

    /// Runs `op` on the pool with `execute`.
    ///
    /// - Returns: a ticket to cancel it with, or `nil` when the pool is busy
    ///   (the op did not run).
    public func submit(
        key: OpKey, op: Op,
        execute: @escaping @Sendable (Op) -> (Result<Int, IOError>, OwnedDescriptor?)
    ) -> PoolTicket? {
        let ticket = PoolTicket()
        running.add(1, ordering: .acquiringAndReleasing)
        let accepted = pool.trySubmit(releasing: { [self] releaseSlot in
            // Moved into the list under the lock, with no copy left on this
            // thread: a new descriptor must close as soon as the driver's caller
            // drops the completion, not when this job is released.
            var result: Finished? = Self.run(key: key, op: op, ticket: ticket, execute: execute)
            // Before the result is visible: whoever sees it may submit again.
            releaseSlot()
            finished.withLock {
                $0.append(result.take()!)
                finishedCount.add(1, ordering: .releasing)
            }
            notifier.notify()
        })
        if !accepted {
            running.subtract(1, ordering: .acquiringAndReleasing)
            return nil
        }
        return ticket
    }

    private static func run(
        key: OpKey, op: Op, ticket: PoolTicket,
        execute: (Op) -> (Result<Int, IOError>, OwnedDescriptor?)
    ) -> Finished {
        let (result, descriptor) = ticket.start() ? execute(op) : (.failure(.errno(.canceled)), nil)
        return Finished(key: key, result: result, descriptor: descriptor)
    }

    /// Hands every finished op to `body`. Call from the driver's thread.
    @discardableResult
    public func drain(_ body: (Finished) -> Void) -> Int {
        guard hasFinished else { return 0 }
        // The two arrays trade places, so neither side reallocates once grown.
        var batch: [Finished] = []
        swap(&batch, &spare)
        finished.withLock {
            swap(&$0, &batch)
            finishedCount.store(0, ordering: .relaxed)
        }
        let count = batch.count
        if count > 0 { running.subtract(count, ordering: .acquiringAndReleasing) }
        for item in batch { body(item) }
        batch.removeAll(keepingCapacity: true)
        swap(&batch, &spare)
        return count
    }

    /// Whether finished ops are waiting for ``drain(_:)``.
    public var hasFinished: Bool { finishedCount.load(ordering: .acquiring) > 0 }
}

extension PoolBridge {
    /// Waits, until `deadline`, for every pool thread to let go of `bridge`.
    ///
    /// A pool thread releases a finished job, which holds the bridge and so the
    /// driver's notifier and its eventfd, just after posting the result. A
    /// driver's shutdown calls this after draining, so that a dropped driver
    /// leaves no descriptor behind on a pool thread. Returns whether it did.
    @discardableResult
    public static func awaitRelease(_ bridge: inout PoolBridge, until deadline: Instant) -> Bool {
        while !isKnownUniquelyReferenced(&bridge) {
            if MonotonicClock.now() >= deadline { return false }
            usleep(100)
        }
        return true
    }
}

/// Lets a driver cancel a pool op that has not started yet. Once a pool thread
/// starts the op it runs to its real result.
public final class PoolTicket: Sendable {
    private static let queued = 0, started = 1, cancelled = 2
    private let state = Atomic<Int>(PoolTicket.queued)

    init() {}

    /// Pool side: true if the op may run; false if it was cancelled first.
    func start() -> Bool {
        state.compareExchange(expected: Self.queued, desired: Self.started, ordering: .acquiringAndReleasing).exchanged
    }

    /// Driver side: cancels the op if it has not started. Returns whether it worked.
    @discardableResult
    public func cancel() -> Bool {
        state.compareExchange(expected: Self.queued, desired: Self.cancelled, ordering: .acquiringAndReleasing).exchanged
    }
}
