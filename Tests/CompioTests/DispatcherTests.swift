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
        let before = OpenDescriptors.count()
        try await runOnShutDownRuntime(choice)
        // The runtime is gone now: its notifier closed with it.
        #expect(OpenDescriptors.count() == before)
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
