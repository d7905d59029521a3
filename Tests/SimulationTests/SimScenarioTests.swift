import Compio
import CompioScenarios
import CompioSim
import Foundation
import Testing

/// The shared scenarios on the runtime over SimDriver: a sweep of seeds per
/// scenario (even seeds without faults, odd seeds with a swarm fault plan),
/// each run twice and compared event for event.
///
/// 1,000 seeds per scenario by default; `COMPIO_SIM_SEEDS=<n>` or `<a>-<b>`
/// changes the sweep, `COMPIO_SIM_SEED=<n>` replays one seed.
@Suite struct SimScenarioTests {
    static let seeds = SimSeeds.seeds(defaultCount: 1000)

    @Test(arguments: Scenario.all)
    func sweep(_ scenario: Scenario) async throws {
        let failures = try await ScenarioThread.run { () -> [String] in
            var failures: [String] = []
            for seed in Self.seeds {
                let report = SimScenarioRunner.runChecked(scenario, seed: seed, faults: SimScenarioRunner.sweepFaults(seed: seed))
                if !report.passed { failures.append(report.failureReport) }
                if failures.count >= 3 { break }
            }
            return failures
        }
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
    }

    @Test func regressionSeeds() async throws {
        let entries = try RegressionSeeds.load()
        let failures = try await ScenarioThread.run { () -> [String] in
            entries.compactMap { entry in
                guard let scenario = Scenario.named(entry.scenario) else { return "unknown scenario \(entry.scenario) in Fixtures/regression-seeds.txt" }
                let report = SimScenarioRunner.runChecked(scenario, seed: entry.seed, faults: entry.swarm ? .swarm(seed: entry.seed) : .none)
                return report.passed ? nil : report.failureReport
            }
        }
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
    }
}

/// `Fixtures/regression-seeds.txt`: seeds that once failed.
enum RegressionSeeds {
    struct Entry: Sendable {
        let scenario: String
        let seed: UInt64
        let swarm: Bool
    }

    static func load() throws -> [Entry] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/regression-seeds.txt")
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard let name = fields.first, !name.hasPrefix("#"), fields.count >= 2, let seed = UInt64(fields[1]) else { return nil }
            return Entry(scenario: String(name), seed: seed, swarm: fields.count > 2 && fields[2] == "swarm")
        }
    }
}
