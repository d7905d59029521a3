import Compio
import Glibc
import Testing

/// Timers on the driver's clock: sleep, timeout, interval, RuntimeClock.
@Suite struct RuntimeTimeTests {
    @Test(arguments: TestDrivers.choices)
    func sleepWaitsOnTheDriversClock(choice: DriverBuilder.Choice) async throws {
        let (elapsed, order) = try await RuntimeHarness.run(choice) { runtime in
            let start = runtime.now
            let order = OrderLog()
            let late = runtime.spawn {
                try? await runtime.sleep(for: .milliseconds(30))
                order.append(30)
            }
            let early = runtime.spawn {
                try? await runtime.sleep(until: start.advanced(by: .milliseconds(10)))
                order.append(10)
            }
            await early.value
            await late.value
            return (start.duration(to: runtime.now), order.values)
        }
        #expect(elapsed >= .milliseconds(30))
        #expect(elapsed < .seconds(5))
        #expect(order == [10, 30])
    }

    @Test(arguments: TestDrivers.choices)
    func timeoutAroundAReadThatNeverCompletes(choice: DriverBuilder.Choice) async throws {
        let pipe = try Fixture.pipe()
        defer { Fixture.close(pipe.read, pipe.write) }
        let liveBefore = IOBuffer.live
        let (outcome, inFlightAfter) = try await RuntimeHarness.run(choice) { runtime in
            let outcome: Result<Int, any Error>
            do {
                outcome = .success(try await runtime.timeout(after: .milliseconds(30)) { () -> Int in
                    let buffer = IOBuffer(capacity: 8)
                    return try await runtime.submit(.read(fd: pipe.read, buffer: OpBuffer(buffer))).result.get()
                })
            } catch {
                outcome = .failure(error)
            }
            return (outcome, runtime.inFlight)
        }
        #expect(throws: TimeoutError(duration: .milliseconds(30))) { try outcome.get() }
        #expect(inFlightAfter == 0)
        #expect(IOBuffer.live == liveBefore)
    }

    @Test(arguments: TestDrivers.choices)
    func timeoutReturnsTheBodysValueInTime(choice: DriverBuilder.Choice) async throws {
        let value = try await RuntimeHarness.run(choice) { runtime in
            try await runtime.timeout(after: .seconds(10)) { try await runtime.submit(.nop).result.get() + 5 }
        }
        #expect(value == 5)
    }

    @Test(arguments: TestDrivers.choices)
    func intervalSkipsMissedTicks(choice: DriverBuilder.Choice) async throws {
        let period = Duration.milliseconds(20)
        let ticks = try await RuntimeHarness.run(choice) { runtime in
            var ticks: [Instant] = []
            for try await tick in runtime.interval(every: period) {
                ticks.append(tick)
                // Hold the runtime's thread past three more ticks.
                if ticks.count == 1 { usleep(75_000) }
                if ticks.count == 3 { break }
            }
            return ticks
        }
        let offsets = ticks.map { ticks[0].duration(to: $0) }
        // The late tick is delivered once, then the schedule jumps to the next
        // multiple of the period after now: no burst for 40 and 60 ms.
        #expect(offsets[1] == period)
        #expect(offsets[2] >= .milliseconds(80))
        #expect(offsets[2].nanosecondsClamped % period.nanosecondsClamped == 0)
    }

    @Test(arguments: TestDrivers.choices)
    func taskSleepOnTheRuntimeClockStaysOnTheRuntimeThread(choice: DriverBuilder.Choice) async throws {
        let (before, after, elapsed) = try await RuntimeHarness.run(choice) { runtime in
            let before = RuntimeHarness.threadID
            let start = runtime.clock.now
            try await Task.sleep(for: .milliseconds(15), clock: runtime.clock)
            return (before, RuntimeHarness.threadID, start.duration(to: runtime.clock.now))
        }
        #expect(before == after)
        #expect(elapsed >= .milliseconds(15))
    }

    @Test(arguments: TestDrivers.choices)
    func clockSleepHonoursCancellation(choice: DriverBuilder.Choice) async throws {
        let (outcome, elapsed) = try await RuntimeHarness.run(choice) { runtime in
            let start = runtime.now
            let sleeper = runtime.spawn { try await Task.sleep(for: .seconds(30), clock: runtime.clock) }
            try await runtime.sleep(for: .milliseconds(5))
            sleeper.cancel()
            let outcome = await sleeper.result
            return (outcome, start.duration(to: runtime.now))
        }
        #expect(throws: CancellationError.self) { try outcome.get() }
        #expect(elapsed < .seconds(5))
    }

    @Test(arguments: TestDrivers.choices)
    func clockGenericCodeRunsOnTheRuntime(choice: DriverBuilder.Choice) async throws {
        let elapsed = try await RuntimeHarness.run(choice) { runtime in
            try await measure(runtime.clock, .milliseconds(10))
        }
        #expect(elapsed >= .milliseconds(10))
    }
}

/// Clock-generic code, as a library would write it.
private func measure<C: Clock>(_ clock: C, _ pause: C.Duration) async throws -> C.Duration {
    let start = clock.now
    try await clock.sleep(until: start.advanced(by: pause), tolerance: nil)
    return start.duration(to: clock.now)
}

/// Values appended by tasks of one runtime, on its thread.
final class OrderLog: @unchecked Sendable {
    private(set) var values: [Int] = []
    func append(_ v: Int) { values.append(v) }
}
