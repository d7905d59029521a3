import CLinux
import Dispatch
import Glibc
import Synchronization
import Testing
@testable import Compio

/// The bounded pool and the bridge that brings pool results back to a driver.
/// Every wait is bounded, so a broken pool fails a test instead of hanging the suite.
@Suite(.serialized) struct ThreadPoolTests {
    // MARK: ThreadPool

    @Test func atTheLimitTrySubmitRefusesAtOnce() throws {
        let pool = ThreadPool(limit: 2, idleTimeout: .seconds(5))
        let gate = Gate()
        #expect(occupy(pool, threads: 2, until: gate))
        #expect(pool.threadCount == 2)

        let ran = Flag()
        let before = MonotonicClock.now()
        let accepted = pool.trySubmit { ran.set() }
        let took = MonotonicClock.now().nanoseconds - before.nanoseconds
        #expect(!accepted)
        #expect(took < 20_000_000, "a refusal must not wait for a thread: took \(took) ns")
        #expect(pool.threadCount == 2, "the limit holds")

        gate.open()
        #expect(waitUntil { pool.idleCount == 2 })
        #expect(!ran.isSet, "a refused job never runs")
        let done = DispatchSemaphore(value: 0)
        #expect(pool.trySubmit { done.signal() }, "a free thread takes work again")
        #expect(done.wait(timeout: .now() + 5) == .success)
    }

    /// A job that released its slot (its result is about to be published)
    /// leaves room at once: whoever sees the result may submit again and must
    /// not get a refusal while the thread is still on its way back.
    @Test func aJobThatReleasedItsSlotLeavesRoomForTheNext() throws {
        let pool = ThreadPool(limit: 1, idleTimeout: .seconds(5))
        let released = Flag()
        let gate = Gate()
        let first = pool.trySubmit(releasing: { releaseSlot in
            releaseSlot()
            released.set()
            gate.wait()
        })
        #expect(first)
        #expect(waitUntil { released.isSet })
        let done = DispatchSemaphore(value: 0)
        let second = pool.trySubmit { done.signal() }
        let third = pool.trySubmit {}
        #expect(second, "the finishing thread takes the next job")
        #expect(!third, "one finishing thread makes room for one job, not two")
        gate.open()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(pool.threadCount == 1, "the limit holds")
    }

    @Test func threadsAreCreatedOnDemandAndReused() throws {
        let pool = ThreadPool(limit: 4, idleTimeout: .seconds(5))
        #expect(pool.threadCount == 0, "no thread before the first job")
        let done = DispatchSemaphore(value: 0)
        for _ in 0..<10 {
            // Wait until the worker is idle again: a thread between jobs is busy, not free.
            #expect(waitUntil { pool.idleCount == pool.threadCount })
            #expect(pool.trySubmit { done.signal() })
            #expect(done.wait(timeout: .now() + 5) == .success)
            #expect(pool.threadCount == 1, "one job at a time needs one thread")
        }

        // Two jobs at once: the idle thread takes one and a second thread is started.
        let gate = Gate()
        #expect(waitUntil { pool.idleCount == 1 })
        #expect(occupy(pool, threads: 2, until: gate))
        #expect(pool.threadCount == 2)
        gate.open()
        #expect(waitUntil { pool.idleCount == 2 })
    }

    @Test func idleThreadsExitAfterTheTimeout() throws {
        let pool = ThreadPool(limit: 3, idleTimeout: .milliseconds(50))
        let gate = Gate()
        #expect(occupy(pool, threads: 3, until: gate))
        #expect(pool.threadCount == 3)

        let released = MonotonicClock.now()
        gate.open()
        #expect(waitUntil(seconds: 5) { pool.threadCount == 0 })
        let after = MonotonicClock.now().nanoseconds - released.nanoseconds
        #expect(after >= 45_000_000, "threads left after \(after) ns, before their 50 ms idle timeout")
        #expect(pool.idleCount == 0)

        // The pool still works after its threads are gone.
        let done = DispatchSemaphore(value: 0)
        #expect(pool.trySubmit { done.signal() })
        #expect(done.wait(timeout: .now() + 5) == .success)
    }

    @Test func anIdleThreadHoldsNothingOfItsLastJob() throws {
        let pool = ThreadPool(limit: 1, idleTimeout: .seconds(5))
        let before = IOBuffer.live
        do {
            let buffer = IOBuffer(capacity: 16)
            let done = DispatchSemaphore(value: 0)
            #expect(pool.trySubmit {
                _ = buffer.capacity
                done.signal()
            })
            #expect(done.wait(timeout: .now() + 5) == .success)
        }
        #expect(waitUntil { pool.idleCount == 1 })
        #expect(IOBuffer.live == before, "the idle thread still holds the job's buffer")
    }

    // MARK: PoolBridge

    @Test func bridgeResultsArriveThroughDrainAndWakeTheDriver() throws {
        let notifier = try EventNotifier()
        let bridge = PoolBridge(pool: ThreadPool(limit: 2, idleTimeout: .seconds(5)), notifier: notifier)
        let key = OpKey(index: 3, generation: 9)

        // As a driver would before blocking: the notification must then write the eventfd.
        #expect(!notifier.flag.prepareToBlock())
        let ticket = bridge.submit(key: key, op: .asyncify(BlockingWork { .success(42) }), execute: { BlockingOps.execute($0) })
        #expect(ticket != nil)
        #expect(bridge.pending == 1)
        #expect(readable(notifier.fd), "the pool thread wakes the blocked driver")
        #expect(notifier.drain())
        notifier.flag.markAwake()

        var results: [PoolBridge.Finished] = []
        #expect(bridge.drain { results.append($0) } == 1)
        #expect(results.map(\.key) == [key])
        #expect(results.first?.result == .success(42))
        #expect(results.first?.descriptor == nil)
        #expect(bridge.pending == 0)
        #expect(!bridge.hasFinished)
        #expect(bridge.drain { _ in Issue.record("drained twice") } == 0, "a result comes out once")

        // While the driver is awake a notification costs no syscall; the next
        // prepareToBlock sees it instead, so the driver does not sleep through it.
        _ = bridge.submit(key: OpKey(index: 4, generation: 1), op: .nop, execute: { BlockingOps.execute($0) })
        #expect(waitUntil { bridge.hasFinished })
        #expect(!notifier.drain(), "no eventfd write while the driver is awake")
        #expect(notifier.flag.prepareToBlock(), "the notification is pending")
        var late: [Result<Int, IOError>] = []
        bridge.drain { late.append($0.result) }
        #expect(late == [.success(0)])
    }

    @Test func bridgeCarriesCreatedDescriptorsOwned() throws {
        let before = OpenDescriptors.count()
        do {
            let notifier = try EventNotifier()
            let bridge = PoolBridge(pool: ThreadPool(limit: 1, idleTimeout: .seconds(5)), notifier: notifier)
            let op = Op.socket(domain: AF_UNIX, type: CLINUX_SOCK_STREAM, protocol: 0)
            #expect(bridge.submit(key: OpKey(index: 0, generation: 0), op: op, execute: { BlockingOps.execute($0) }) != nil)
            #expect(waitUntil { bridge.hasFinished })
            var created: OwnedDescriptor?
            bridge.drain { finished in
                created = finished.descriptor
                #expect(finished.result == .success(Int(finished.descriptor?.raw ?? -1)))
            }
            let fd = try #require(created?.raw)
            #expect(OpenDescriptors.isOpen(fd))
            created = nil  // unclaimed: dropping it closes it
            #expect(created == nil && !OpenDescriptors.isOpen(fd))
            // Once idle, the pool thread holds nothing of the job (it captured the bridge, which holds the eventfd).
            #expect(waitUntil { bridge.pool.idleCount == 1 })
        }
        #expect(OpenDescriptors.count() == before, "descriptors leaked")
    }

    @Test func busyBridgeRefusesAndTheOpNeverRuns() throws {
        let notifier = try EventNotifier()
        let bridge = PoolBridge(pool: ThreadPool(limit: 1, idleTimeout: .seconds(5)), notifier: notifier)
        let gate = Gate()
        let started = DispatchSemaphore(value: 0)
        let blocker = gate.holding(started, then: 1)
        #expect(bridge.submit(key: OpKey(index: 0, generation: 0), op: .asyncify(blocker), execute: { BlockingOps.execute($0) }) != nil)
        #expect(started.wait(timeout: .now() + 5) == .success)

        let ran = Flag()
        let refused = bridge.submit(
            key: OpKey(index: 1, generation: 0),
            op: .asyncify(BlockingWork {
                ran.set()
                return .success(2)
            }),
            execute: { BlockingOps.execute($0) })
        #expect(refused == nil, "every thread busy at the limit: refused")
        #expect(bridge.pending == 1, "a refused op is not counted")

        gate.open()
        #expect(waitUntil { bridge.hasFinished })
        var keys: [OpKey] = []
        bridge.drain { keys.append($0.key) }
        #expect(keys == [OpKey(index: 0, generation: 0)])
        #expect(waitUntil { bridge.pool.idleCount == 1 })
        #expect(!ran.isSet, "the refused op never ran")
        #expect(bridge.pending == 0)
    }

    /// A cancel can only beat the pool thread in the moment between the hand-off
    /// and the thread's start, so it is raced many times: every round must be
    /// consistent (cancelled means ECANCELED and never ran; too late means the
    /// real result), and the cancel must win at least one round.
    @Test func cancelBeforeStartMeansECANCELEDAndTheWorkNeverRuns() throws {
        let notifier = try EventNotifier()
        let bridge = PoolBridge(pool: ThreadPool(limit: 1, idleTimeout: .seconds(5)), notifier: notifier)
        var cancelledRounds = 0, lateRounds = 0
        for round in 0..<200 {
            let ran = Flag()
            let key = OpKey(index: UInt32(round), generation: 1)
            #expect(waitUntil { bridge.pool.threadCount == 0 || bridge.pool.idleCount == 1 })
            let work = BlockingWork {
                ran.set()
                return .success(round)
            }
            let submitted = bridge.submit(key: key, op: .asyncify(work), execute: { BlockingOps.execute($0) })
            let cancelled = submitted?.cancel() ?? false
            let ticket = try #require(submitted)
            #expect(waitUntil { bridge.hasFinished })
            var outcomes: [(OpKey, Result<Int, IOError>)] = []
            bridge.drain { outcomes.append(($0.key, $0.result)) }
            #expect(outcomes.count == 1 && outcomes.first?.0 == key)
            let outcome = outcomes.first?.1
            if cancelled {
                cancelledRounds += 1
                #expect(outcome == .failure(.errno(.canceled)))
                #expect(!ran.isSet, "a cancelled op never runs")
            } else {
                lateRounds += 1
                #expect(outcome == .success(round))
                #expect(ran.isSet)
            }
            #expect(!ticket.cancel(), "a ticket cancels at most once, and never after the start")
            if cancelledRounds >= 5 { break }
        }
        #expect(cancelledRounds > 0, "the cancel never beat the pool thread (\(lateRounds) late rounds)")
    }

    @Test func cancellingARunningOpKeepsItsRealResult() throws {
        let notifier = try EventNotifier()
        let bridge = PoolBridge(pool: ThreadPool(limit: 1, idleTimeout: .seconds(5)), notifier: notifier)
        let gate = Gate()
        let started = DispatchSemaphore(value: 0)
        let work = gate.holding(started, then: 77)
        let submitted = bridge.submit(key: OpKey(index: 5, generation: 5), op: .asyncify(work), execute: { BlockingOps.execute($0) })
        let ticket = try #require(submitted)
        #expect(started.wait(timeout: .now() + 5) == .success)
        #expect(!ticket.cancel(), "too late: the op is running")
        gate.open()
        #expect(waitUntil { bridge.hasFinished })
        var results: [Result<Int, IOError>] = []
        bridge.drain { results.append($0.result) }
        #expect(results == [.success(77)])
    }

    @Test func manyOpsEachCompleteExactlyOnce() throws {
        let notifier = try EventNotifier()
        let bridge = PoolBridge(pool: ThreadPool(limit: 3, idleTimeout: .seconds(5)), notifier: notifier)
        var submitted: [OpKey: Int] = [:]
        var seen: [OpKey: Int] = [:]
        func collect() {
            bridge.drain { finished in
                seen[finished.key, default: 0] += 1
                #expect(finished.result == .success(submitted[finished.key] ?? -1))
            }
        }
        for i in 0..<100 {
            let key = OpKey(index: UInt32(i), generation: 2)
            submitted[key] = i
            var ticket = bridge.submit(key: key, op: .asyncify(BlockingWork { .success(i) }), execute: { BlockingOps.execute($0) })
            let deadline = MonotonicClock.now().nanoseconds + 5_000_000_000
            while ticket == nil && MonotonicClock.now().nanoseconds < deadline {
                collect()  // busy: free a thread by taking results, as a driver's poll would
                sched_yield()
                ticket = bridge.submit(key: key, op: .asyncify(BlockingWork { .success(i) }), execute: { BlockingOps.execute($0) })
            }
            #expect(ticket != nil, "op \(i) was refused for 5 s")
        }
        #expect(waitUntil(seconds: 5) {
            collect()
            return bridge.pending == 0
        })
        #expect(seen.count == 100)
        #expect(seen.values.allSatisfy { $0 == 1 }, "every op completes exactly once")
    }
}

// MARK: - Helpers

/// A one-shot barrier: threads wait until it is opened (at most 10 s, so a
/// broken test cannot hang the suite).
private final class Gate: Sendable {
    private let isOpen = Atomic<Bool>(false)

    func open() { isOpen.store(true, ordering: .releasing) }

    func wait() {
        let deadline = MonotonicClock.now().nanoseconds + 10_000_000_000
        while !isOpen.load(ordering: .acquiring) && MonotonicClock.now().nanoseconds < deadline {
            usleep(200)
        }
    }

    /// Work that signals `started`, waits for the gate and returns `value`.
    func holding(_ started: DispatchSemaphore, then value: Int) -> BlockingWork {
        BlockingWork {
            started.signal()
            self.wait()
            return .success(value)
        }
    }
}

/// Submits `count` jobs that hold their threads until `gate` opens; true once all of them run.
private func occupy(_ pool: ThreadPool, threads count: Int, until gate: Gate) -> Bool {
    let started = DispatchSemaphore(value: 0)
    for _ in 0..<count {
        let accepted = pool.trySubmit {
            started.signal()
            gate.wait()
        }
        if !accepted { return false }
    }
    return (0..<count).allSatisfy { _ in started.wait(timeout: .now() + 5) == .success }
}

/// A flag a pool job sets, to prove whether it ran.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// Polls `condition` every millisecond until it holds or `seconds` pass.
private func waitUntil(seconds: Int64 = 5, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicClock.now().nanoseconds + seconds * 1_000_000_000
    while !condition() {
        if MonotonicClock.now().nanoseconds >= deadline { return false }
        usleep(1000)
    }
    return true
}

/// Whether `fd` becomes readable within five seconds.
private func readable(_ fd: Int32) -> Bool {
    var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, 5000) == 1 && entry.revents & Int16(POLLIN) != 0
}
