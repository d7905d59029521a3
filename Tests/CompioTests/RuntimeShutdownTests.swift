import Compio
import Testing

/// The end of blockOn and runtime shutdown: ops in flight are cancelled and
/// drained; nothing leaks.
@Suite struct RuntimeShutdownTests {
    @Test(arguments: TestDrivers.choices)
    func shutdownWithAThousandOpsInFlightLeaksNothing(choice: DriverBuilder.Choice) async throws {
        // A baseline, not a plain count: an earlier test's runtime may still
        // be closing a descriptor on its own thread (the count once fell by
        // one during this test in a CI run).
        let fdsBefore = OpenDescriptors.baseline()
        let liveBefore = IOBuffer.live
        let pipes = try (0..<10).map { _ in try Fixture.pipe() }
        let readFDs = pipes.map(\.read)
        let (inFlightAtEnd, outcomes) = try await RuntimeHarness.run(choice) { runtime in
            let outcomes = OutcomeLog()
            for i in 0..<1_000 {
                runtime.spawn {
                    let c = await runtime.submit(.read(fd: readFDs[i % 10], buffer: OpBuffer(IOBuffer(capacity: 32))))
                    outcomes.record(c.error)
                }
            }
            await runtime.waitUntil { runtime.inFlight >= 1_000 }
            // Return with every read still blocked.
            return (runtime.inFlight, outcomes)
        }
        #expect(inFlightAtEnd == 1_000)
        #expect(outcomes.count == 1_000)
        #expect(outcomes.allCancelled)
        #expect(IOBuffer.live == liveBefore)
        for p in pipes { Fixture.close(p.read, p.write) }
        #expect(OpenDescriptors.settledCount(expecting: fdsBefore) == fdsBefore)
    }

    @Test(arguments: TestDrivers.choices)
    func theEndOfBlockOnCancelsLeftoverTasksAndTheRuntimeRunsAgain(choice: DriverBuilder.Choice) async throws {
        let (sleeperCancelled, firstTook, second) = try await RuntimeHarness.onOwnThread { () -> (Bool, Duration, Int) in
            let runtime = try RuntimeBuilder(choice: choice).build()
            let start = runtime.now
            let flag = Flags()
            _ = runtime.blockOn {
                runtime.spawn {
                    do { try await runtime.sleep(for: .seconds(30)) } catch { flag.detachedRan = true }
                }
            }
            let firstTook = start.duration(to: runtime.now)
            let second = try runtime.blockOn { () async throws -> Int in try await runtime.submit(.nop).result.get() + 1 }
            runtime.shutdown()
            return (flag.detachedRan, firstTook, second)
        }
        #expect(sleeperCancelled)
        #expect(firstTook < .seconds(5))
        #expect(second == 1)
    }
}

/// Outcomes recorded by tasks of one runtime, on its thread.
final class OutcomeLog: @unchecked Sendable {
    private var errors: [IOError?] = []
    func record(_ e: IOError?) { errors.append(e) }
    var count: Int { errors.count }
    var allCancelled: Bool { errors.allSatisfy { $0 == .errno(.canceled) } }
}
