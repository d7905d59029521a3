import ArgumentParser
import CompioScenarios
import CompioSim
import Glibc

/// `compio-sim replay <scenario> --seed N [--trace out.json]`.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Replay one seed, print its trace, and optionally export it as Chrome trace JSON.")

    @Argument(help: "The scenario name.")
    var scenario: String

    @Option(help: "The seed.")
    var seed: UInt64

    @Option(help: "Faults: none, swarm or mixed (as in run).")
    var faults = FaultMode.none

    @Option(help: "Write the trace as Chrome trace JSON (Perfetto, chrome://tracing) to this file.")
    var trace: String?

    @Flag(help: "Print only the summary, not every event.")
    var quiet = false

    func run() throws {
        let found = try CompioSimCLI.scenarios(named: self.scenario)
        guard found.count == 1, let scenario = found.first else { throw ValidationError("replay takes one scenario") }
        let report = SimScenarioRunner.run(scenario, seed: seed, faults: faults.plan(seed: seed), keepsTraceEvents: true)
        if !quiet {
            for event in report.trace.events { print(event) }
        }
        print("\(scenario.name) seed \(seed): \(report.trace.count) events, hash \(String(report.trace.hash, radix: 16)), \(report.stats)")
        if let trace {
            let json = report.trace.chromeTraceJSON()
            guard let file = fopen(trace, "w") else { throw ValidationError("cannot write \(trace)") }
            fputs(json, file)
            fclose(file)
            print("trace written to \(trace)")
        }
        if !report.passed {
            print(report.failureReport)
            throw ExitCode(1)
        }
    }
}

/// `compio-sim list`.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the scenarios.")

    func run() throws {
        for scenario in simScenarios { print("\(scenario.name): \(scenario.summary)") }
    }
}
