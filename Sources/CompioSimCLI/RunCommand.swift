import ArgumentParser
import CompioScenarios
import CompioSim
import Glibc

/// `compio-sim run <scenario|all> --seeds 1-1000 [--faults swarm]`.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run scenarios over a range of seeds.")

    @Argument(help: "A scenario name, or all.")
    var scenario: String

    @Option(help: "Seeds: a count (1000 = 1-1000) or a range (5-900).")
    var seeds = "1-100"

    @Option(help: "Faults: none, swarm (a plan drawn from each seed), or mixed (swarm on odd seeds).")
    var faults = FaultMode.none

    @Flag(help: "Run each seed twice and compare traces.")
    var determinism = false

    func run() throws {
        guard let range = SimSeeds.parse(seeds) else { throw ValidationError("bad --seeds \(seeds)") }
        var failed = 0
        for scenario in try scenarios(named: scenario) {
            let start = wallSeconds()
            var events = 0
            var failures = 0
            var done = 0
            let total = range.count
            for seed in range {
                let plan = faults.plan(seed: seed)
                let report = determinism
                    ? SimScenarioRunner.runChecked(scenario, seed: seed, faults: plan)
                    : SimScenarioRunner.run(scenario, seed: seed, faults: plan)
                events += report.trace.count
                done += 1
                if !report.passed {
                    failures += 1
                    print("\r\u{1B}[K\(report.failureReport)")
                }
                if done % 50 == 0 || done == total {
                    let elapsed = wallSeconds() - start
                    print("\r\(scenario.name): \(done)/\(total) seeds, \(failures) failed, \(Int(Double(done) / max(elapsed, 1e-9))) seeds/s", terminator: "")
                    fflush(nil)
                }
            }
            let elapsed = wallSeconds() - start
            let seconds = Double(Int(elapsed * 100)) / 100
            let summary = "\(total) seeds in \(seconds) s, \(Int(Double(total) / elapsed)) seeds/s, "
            let rates = "\(events) events (\(Int(Double(events) / elapsed)) events/s), \(failures) failure(s)"
            print("\r\u{1B}[K\(scenario.name): " + summary + rates)
            failed += failures
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
