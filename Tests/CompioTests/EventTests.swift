import Testing
@testable import Compio

/// Event: cross-thread one-shot wake-ups, delivered on the runtime's thread.
@Suite struct EventTests {
    @Test(arguments: TestDrivers.choices)
    func notifyFromAForeignThreadWakesAWaiterOnTheRuntime(choice: DriverBuilder.Choice) async throws {
        let (runtimeThread, wokeOn, isSet) = try await RuntimeHarness.run(choice) { runtime in
            let event = Event()
            let waiter = runtime.spawn { () -> Int32 in
                await event.wait()
                return RuntimeHarness.threadID
            }
            // Let the waiter park before the foreign thread fires.
            await runtime.yield()
            let foreign = try WorkerThread { event.notify() }
            let wokeOn = await waiter.value
            foreign.join()
            return (RuntimeHarness.threadID, wokeOn, event.isSet)
        }
        #expect(wokeOn == runtimeThread)
        #expect(isSet)
    }

    @Test(arguments: TestDrivers.choices)
    func notifyBeforeWaitReturnsAtOnce(choice: DriverBuilder.Choice) async throws {
        let (before, after) = try await RuntimeHarness.run(choice) { runtime in
            let event = Event()
            let before = event.isSet
            event.notify()
            event.notify()
            await event.wait()
            await event.wait()
            return (before, event.isSet)
        }
        #expect(!before)
        #expect(after)
    }

    @Test(arguments: TestDrivers.choices)
    func everyOneOfManyWaitersWakesOnTheRuntime(choice: DriverBuilder.Choice) async throws {
        let (runtimeThread, threads, count) = try await RuntimeHarness.run(choice) { runtime in
            let event = Event()
            let handles = (0..<50).map { _ in
                runtime.spawn { () -> Int32 in
                    await event.wait()
                    return RuntimeHarness.threadID
                }
            }
            await runtime.yield()
            let foreign = try WorkerThread { event.notify() }
            var threads: Set<Int32> = []
            var count = 0
            for handle in handles {
                threads.insert(await handle.value)
                count += 1
            }
            foreign.join()
            return (RuntimeHarness.threadID, threads, count)
        }
        #expect(threads == [runtimeThread])
        #expect(count == 50)
    }
}
