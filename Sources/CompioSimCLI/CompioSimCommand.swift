import ArgumentParser
import CompioScenarios
import CompioSim
import Glibc

/// `compio-sim`: runs the shared scenarios under CompioSim.
@main
struct CompioSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compio-sim",
        abstract: "Run Compio's scenarios on the deterministic simulator.",
        subcommands: [RunCommand.self, ReplayCommand.self, ListCommand.self, BenchCommand.self])
}

/// How faults are chosen for a run.
enum FaultMode: String, ExpressibleByArgument, CaseIterable {
    case none
    case swarm
    case mixed

    func plan(seed: UInt64) -> FaultPlan {
        switch self {
        case .none: .none
        case .swarm: .swarm(seed: seed)
        case .mixed: SimScenarioRunner.sweepFaults(seed: seed)
        }
    }
}

/// The shared scenarios, then the simulator's own benchmark scenario.
let simScenarios = Scenario.all + [.ops100]

/// Resolves `all` or a scenario name.
func scenarios(named name: String) throws -> [Scenario] {
    if name == "all" { return simScenarios }
    guard let scenario = simScenarios.first(where: { $0.name == name }) else {
        throw ValidationError("unknown scenario \(name); one of: all, \(simScenarios.map(\.name).joined(separator: ", "))")
    }
    return [scenario]
}

/// Wall-clock seconds since an arbitrary start (for rates only; never inside a simulated run).
func wallSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// CPU seconds this process used (all threads), to check a benchmark used one core.
func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
