import Compio
import CompioScenarios
import CompioSim
import Glibc
import Testing

/// The runtime itself on SimDriver: virtual time, the one thread, deadlocks.
@Suite struct SimRuntimeTests {
    @Test func tenHoursOfSleepTakeMillisecondsOfWallTime() async throws {
        let (virtual, wall) = try await ScenarioThread.run { () -> (Duration, Duration) in
            let driver = SimDriver(seed: 7)
            let runtime = Runtime(driver: driver)
            let start = runtime.now
            let wall = try ContinuousClock().measure {
                try runtime.blockOn { () async throws(CancellationError) in try await runtime.sleep(for: .seconds(36_000)) }
            }
            return (start.duration(to: runtime.now), wall)
        }
        #expect(virtual >= .seconds(36_000))
        #expect(wall < .seconds(1), "ten simulated hours took \(wall) of wall time")
    }

    @Test func spawnBlockingRunsOnTheRuntimeThreadAtItsSimulatedTime() async throws {
        let (sameThread, start, ran) = try await ScenarioThread.run { () -> (Bool, Instant, Instant) in
            let runtime = Runtime(driver: SimDriver(seed: 3))
            let owner = pthread_self()
            return try runtime.blockOn { () async throws(IOError) -> (Bool, Instant, Instant) in
                let start = runtime.now
                let (thread, at) = try await runtime.spawnBlocking { (UInt(pthread_self()), runtime.now) }
                return (pthread_equal(pthread_t(thread), owner) != 0, start, at)
            }
        }
        #expect(sameThread, "the blocking closure ran on another thread")
        #expect(ran > start, "the closure ran at \(ran), not after its simulated latency from \(start)")
    }

    @Test func aDeadlockEndsTheRunWithAClearMessage() async throws {
        let stuck = Scenario(name: "stuck", summary: "accepts a connection nobody makes") { context in
            let (listener, _) = try await context.listen()
            _ = await context.accept(listener)
            try await context.close(listener)
        }
        let report = try await ScenarioThread.run { SimScenarioRunner.run(stuck, seed: 1) }
        #expect(report.failures.contains { $0.contains("deadlock") && $0.contains("every task waits") }, "\(report.failures)")
        #expect(report.failures.count == 1, "the drain after the deadlock left something behind: \(report.failures)")
    }

    @Test func aScenarioFailureNamesTheSeedAndTheReplayCommand() async throws {
        let failing = Scenario(name: "failing", summary: "fails") { context in
            try context.check(false, "deliberate")
        }
        let report = try await ScenarioThread.run { SimScenarioRunner.run(failing, seed: 42) }
        #expect(!report.passed)
        #expect(report.failureReport.contains("seed 42"))
        #expect(report.failureReport.contains("compio-sim replay failing --seed 42"))
        #expect(report.failureReport.contains("deliberate"))
    }
}
