import Compio
import Glibc
import Synchronization
import Testing

/// An actor pinned to a runtime with its serial executor.
private actor PinnedCounter {
    let runtime: Runtime
    private(set) var count = 0
    private var threads: Set<Int32> = []

    init(runtime: Runtime) { self.runtime = runtime }

    nonisolated var unownedExecutor: UnownedSerialExecutor {
        runtime.serialExecutor.asUnownedSerialExecutor()
    }

    func bump() async {
        preconditionIsolated()
        threads.insert(RuntimeHarness.threadID)
        _ = await runtime.submit(.nop)
        threads.insert(RuntimeHarness.threadID)
        count += 1
    }

    var seenThreads: Set<Int32> { threads }

    /// Submits NOPs to `other` from this actor, checking that the actor's code
    /// stays on its own runtime's thread around each await.
    func submitElsewhere(to other: Runtime, count: Int) async -> [Int] {
        var results: [Int] = []
        for _ in 0..<count {
            preconditionIsolated()
            let completion = await other.submit(.nop)
            preconditionIsolated()
            precondition(runtime.isOnRuntimeThread && !other.isOnRuntimeThread, "actor left its runtime's thread")
            results.append((try? completion.result.get()) ?? -1)
        }
        return results
    }
}

/// Executors: pinned actors, jobs enqueued from other threads.
@Suite struct RuntimeExecutorTests {
    @Test(arguments: TestDrivers.choices)
    func aPinnedActorStaysOnTheRuntimeThread(choice: DriverBuilder.Choice) async throws {
        let (runtimeThread, seen, count) = try await RuntimeHarness.run(choice) { runtime in
            let counter = PinnedCounter(runtime: runtime)
            for _ in 0..<50 { await counter.bump() }
            let spawned = (0..<20).map { _ in runtime.spawn { await counter.bump() } }
            for h in spawned { await h.value }
            // Called from the global pool, it still runs on the runtime.
            await Task.detached { await counter.bump() }.value
            return (RuntimeHarness.threadID, await counter.seenThreads, await counter.count)
        }
        #expect(seen == [runtimeThread])
        #expect(count == 71)
    }

    @Test(arguments: TestDrivers.choices)
    func jobsEnqueuedFromOtherThreadsWakeTheLoop(choice: DriverBuilder.Choice) async throws {
        let (results, runtimeThread) = try await RuntimeHarness.run(choice) { runtime in
            // Each detached task runs on the pool and hops onto the runtime
            // through a foreign-thread enqueue while the loop is blocked in poll.
            var results: [Int32] = []
            for _ in 0..<20 {
                let thread = await Task.detached {
                    await withTaskExecutorPreference(runtime) { RuntimeHarness.threadID }
                }.value
                results.append(thread)
            }
            return (results, RuntimeHarness.threadID)
        }
        #expect(Set(results) == [runtimeThread])
    }

    @Test(arguments: TestDrivers.choices)
    func opsAndSleepsCalledFromTheGlobalPoolHopOntoTheRuntime(choice: DriverBuilder.Choice) async throws {
        let (result, slept) = try await RuntimeHarness.run(choice) { runtime in
            try await Task.detached { () async throws -> (Int, Bool) in
                let r = try await runtime.submit(.nop).result.get()
                try await runtime.sleep(for: .milliseconds(1))
                await runtime.yield()
                return (r, true)
            }.value
        }
        #expect(result == 0 && slept)
    }

    /// `submit` runs where its caller runs (`nonisolated(nonsending)`); called
    /// from an actor that lives on another runtime's thread, it must still hop
    /// to its own runtime, not run (or recurse) on the caller's.
    @Test(arguments: TestDrivers.choices)
    func opsSubmittedFromAnActorOnAnotherRuntimeHopToTheirRuntime(choice: DriverBuilder.Choice) async throws {
        let dispatcher = try Dispatcher(workers: 1, builder: RuntimeBuilder(choice: choice))
        defer { dispatcher.join() }
        let (results, runtimeThread, workerThread) = try await RuntimeHarness.run(choice) { runtime in
            let workerThread = try await dispatcher.dispatch { RuntimeHarness.threadID }
            let results = try await dispatcher.dispatch { () async -> [Int] in
                // Pinned to the worker's runtime; it submits to the test's runtime.
                let counter = PinnedCounter(runtime: Runtime.current!)
                return await counter.submitElsewhere(to: runtime, count: 20)
            }
            return (results, RuntimeHarness.threadID, workerThread)
        }
        #expect(results == Array(repeating: 0, count: 20))
        #expect(runtimeThread != workerThread)
    }

    @Test(arguments: TestDrivers.choices)
    func spawnBlockingRunsOnThePoolAndIgnoresTaskCancellation(choice: DriverBuilder.Choice) async throws {
        let (value, poolThread, runtimeThread) = try await RuntimeHarness.run(choice) { runtime in
            let handle = runtime.spawn { () async throws -> (Int, Int32) in
                try await runtime.spawnBlocking { () -> (Int, Int32) in
                    usleep(30_000)
                    return (7, RuntimeHarness.threadID)
                }
            }
            handle.cancel()
            let (v, t) = try await handle.value
            return (v, t, RuntimeHarness.threadID)
        }
        #expect(value == 7)
        #expect(poolThread != runtimeThread)
    }

    @Test(arguments: TestDrivers.choices)
    func spawnBlockingReportsPoolBusyAsATypedError(choice: DriverBuilder.Choice) async throws {
        let (busy, first) = try await RuntimeHarness.run(choice, configure: { $0.driver.threadPoolLimit = 1 }) { runtime in
            let release = Atomic<Bool>(false)
            let started = Atomic<Bool>(false)
            let holder = runtime.spawn { () async throws -> Int in
                try await runtime.spawnBlocking { () -> Int in
                    started.store(true, ordering: .releasing)
                    while !release.load(ordering: .acquiring) { usleep(1_000) }
                    return 1
                }
            }
            let didStart = await runtime.waitUntil { started.load(ordering: .acquiring) }
            #expect(didStart)
            var busy: IOError?
            do throws(IOError) {
                _ = try await runtime.spawnBlocking { 2 }
            } catch {
                busy = error
            }
            release.store(true, ordering: .releasing)
            return (busy, try await holder.value)
        }
        #expect(busy == .poolBusy)
        #expect(first == 1)
    }
}

