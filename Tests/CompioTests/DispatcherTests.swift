import Testing
@testable import Compio

/// Runtime.run: work handed from one runtime's thread to another's.
@Suite struct CrossThreadTests {
    @Test(arguments: TestDrivers.choices)
    func aSecondRuntimeRunsAClosureOnTheFirstsThread(choice: DriverBuilder.Choice) async throws {
        let (firstThread, secondThread, ranOn, sawFirst) = try await RuntimeHarness.run(choice) { first in
            let firstThread = RuntimeHarness.threadID
            let (secondThread, ranOn, sawFirst) = try await RuntimeHarness.onOwnThread {
                let second = try RuntimeBuilder(choice: choice).build()
                return try second.blockOn { () async throws -> (Int32, Int32, Bool) in
                    let (ranOn, sawFirst) = try await first.run {
                        (RuntimeHarness.threadID, Runtime.current === first)
                    }
                    return (RuntimeHarness.threadID, ranOn, sawFirst)
                }
            }
            return (firstThread, secondThread, ranOn, sawFirst)
        }
        #expect(ranOn == firstThread)
        #expect(secondThread != firstThread)
        #expect(sawFirst)
    }

    @Test(arguments: TestDrivers.choices)
    func runOnAShutDownRuntimeFailsWithShutdown(choice: DriverBuilder.Choice) async throws {
        let before = OpenDescriptors.baseline()
        try await runOnShutDownRuntime(choice)
        // The runtime is gone now: its notifier closed with it.
        #expect(OpenDescriptors.settledCount(expecting: before) == before)
    }

    private func runOnShutDownRuntime(_ choice: DriverBuilder.Choice) async throws {
        let runtime = try await RuntimeHarness.onOwnThread { () -> Runtime in
            let runtime = try RuntimeBuilder(choice: choice).build()
            runtime.shutdown()
            return runtime
        }
        await #expect(throws: IOError.shutdown) {
            try await runtime.run { 1 }
        }
    }
}

/// Dispatcher: worker threads with a runtime each, one shared thread pool.
@Suite struct DispatcherTests {
    @Test(arguments: TestDrivers.choices)
    func aThousandJobsOnFourWorkersAllComeBack(choice: DriverBuilder.Choice) async throws {
        let before = OpenDescriptors.baseline()
        let (results, threads, callerThreads) = try await dispatchThousand(choice)
        #expect(results == Array(0..<1000).map { $0 * 2 })
        #expect(threads.count == 4)
        #expect(threads.isDisjoint(with: callerThreads))
        // Pool threads shared by the workers let go of their last jobs (and
        // so of a driver's notifier) a moment after the results came back.
        #expect(OpenDescriptors.settledCount(expecting: before) == before)
    }

    @Test(arguments: TestDrivers.choices)
    func dispatchAfterShutdownFailsWithShutdown(choice: DriverBuilder.Choice) async throws {
        let dispatcher = try Dispatcher(workers: 2, builder: RuntimeBuilder(choice: choice))
        #expect(try await dispatcher.dispatch { 5 } == 5)
        dispatcher.shutdown()
        dispatcher.join()
        await #expect(throws: IOError.shutdown) {
            try await dispatcher.dispatch { 6 }
        }
    }

    @Test(arguments: TestDrivers.choices)
    func everyWorkerRunsBlockingWorkOnTheSharedPool(choice: DriverBuilder.Choice) async throws {
        let dispatcher = try Dispatcher(workers: 2, builder: RuntimeBuilder(choice: choice))
        defer { dispatcher.join() }
        var poolThreads: Set<Int32> = []
        for _ in 0..<4 {
            let thread = try await dispatcher.dispatch {
                try await Runtime.current!.spawnBlocking { RuntimeHarness.threadID }
            }
            poolThreads.insert(thread)
        }
        // Both workers' blocking work landed on the dispatcher's one pool.
        #expect(dispatcher.threadPool.threadCount >= 1)
        #expect(dispatcher.threadPool.threadCount >= poolThreads.count)
    }

    @Test func zeroWorkersIsRejected() {
        #expect(throws: IOError.self) { _ = try Dispatcher(workers: 0) }
    }

    /// Dispatches 1,000 jobs from a runtime of the caller's own and returns
    /// each job's value, the threads jobs ran on and the caller's thread, after
    /// joining the dispatcher.
    private func dispatchThousand(_ choice: DriverBuilder.Choice) async throws -> ([Int], Set<Int32>, Set<Int32>) {
        let dispatcher = try Dispatcher(workers: 4, builder: RuntimeBuilder(choice: choice))
        let (results, threads, caller) = try await RuntimeHarness.run(choice) { _ in
            try await withThrowingTaskGroup(of: (Int, Int, Int32, Bool).self) { group in
                for i in 0..<1000 {
                    group.addTask {
                        try await dispatcher.dispatch {
                            // A real op on the worker's runtime, so its driver is exercised.
                            _ = await Runtime.current!.submit(.nop)
                            return (i, i * 2, RuntimeHarness.threadID, Runtime.current != nil)
                        }
                    }
                }
                var results = Array(repeating: -1, count: 1000)
                var threads: Set<Int32> = []
                for try await (i, value, thread, onRuntime) in group {
                    #expect(onRuntime)
                    results[i] = value
                    threads.insert(thread)
                }
                return (results, threads, Set([RuntimeHarness.threadID]))
            }
        }
        dispatcher.join()
        return (results, threads, caller)
    }
}
