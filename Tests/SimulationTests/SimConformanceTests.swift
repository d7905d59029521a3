import CompioScenarios
import CompioSim
import Testing

/// The conformance scenarios (IPv6, Unix sockets, passed descriptors) under
/// CompioSim: the same code and exact assertions CompioTests'
/// `NetConformanceTests` runs on the kernel, over a sweep of seeds without
/// faults, each run twice and compared event for event.
@Suite struct SimConformanceTests {
    static let seeds = SimSeeds.seeds(defaultCount: 32)

    @Test(arguments: Scenario.conformance)
    func behavesAsOnLinux(_ scenario: Scenario) async throws {
        let failures = try await ScenarioThread.run { () -> [String] in
            var failures: [String] = []
            for seed in Self.seeds {
                let report = SimScenarioRunner.runChecked(scenario, seed: seed)
                if !report.passed { failures.append(report.failureReport) }
                if failures.count >= 3 { break }
            }
            return failures
        }
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
    }
}
