import Compio
import CompioScenarios
import CompioSim
import Testing

/// A deliberately broken runtime must be caught by the checkers within 1,000
/// seeds, or the checkers prove nothing.
@Suite struct SimMutationTests {
    /// The first seed in 1...1000 whose run fails with a failure containing
    /// `expected`, and that failure.
    static func firstCatch(_ scenario: Scenario, _ fault: RuntimeTestingFaults, expected: String) async throws -> (UInt64, String)? {
        try await ScenarioThread.run { () -> (UInt64, String)? in
            for seed in UInt64(1)...1000 {
                let report = SimScenarioRunner.run(scenario, seed: seed, runtimeFaults: fault)
                if let hit = report.failures.first(where: { $0.contains(expected) }) { return (seed, hit) }
            }
            return nil
        }
    }

    @Test func closeBeforeInFlightOpsFinishIsCaught() async throws {
        let caught = try await Self.firstCatch(.sharedClose, .closeBeforeInFlightOpsFinish, expected: SimViolation.Rule.closeWithOpsInFlight.rawValue)
        #expect(caught != nil, "closing a shared descriptor under its in-flight ops went unnoticed for 1,000 seeds")
        if let (seed, failure) = caught { print("closeBeforeInFlightOpsFinish caught at seed \(seed): \(failure)") }
    }

    @Test func resumeOnCancelIsCaught() async throws {
        let caught = try await Self.firstCatch(.cancelStorm, .resumeOnCancel, expected: "continuation resumed twice")
        #expect(caught != nil, "resuming a continuation on cancel went unnoticed for 1,000 seeds")
        if let (seed, failure) = caught { print("resumeOnCancel caught at seed \(seed): \(failure)") }
    }

    @Test func theSameSeedsPassWithoutTheFault() async throws {
        let failures = try await ScenarioThread.run { () -> [String] in
            [Scenario.sharedClose, .cancelStorm].flatMap { scenario in
                (UInt64(1)...20).flatMap { SimScenarioRunner.run(scenario, seed: $0).failures }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }
}
