import CompioScenarios
import CompioSim
import Testing

/// Runs a conformance scenario (the checks CompioTests runs on the kernel)
/// under CompioSim for `seed`, twice, without faults, and records every
/// failure with its replay command.
func expectConformance(_ scenario: Scenario, seed: UInt64) async throws {
    let report = try await ScenarioThread.run { SimScenarioRunner.runChecked(scenario, seed: seed) }
    if !report.passed { Issue.record(Comment(rawValue: report.failureReport)) }
}
