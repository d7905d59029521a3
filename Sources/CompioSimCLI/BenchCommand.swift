import ArgumentParser
import CompioScenarios
import CompioSim
import Glibc

/// `compio-sim bench [scenario|all] [--seeds 1-1000] [--repetitions 5] [--faults none,mixed]`:
/// the simulator's throughput, in the `RESULT` lines the benchmark harness reads.
///
/// Per scenario and fault mode: seeds/s, simulated ops/s (ops pushed to the
/// ``SimDriver``, each completed exactly once, from its ``SimStats``), trace
/// events/s and ops per seed, each the median over the repetitions. The runs
/// are on the calling thread, one after another: one core (the harness also
/// pins the process with `taskset`); `cores` in the output is CPU time over
/// wall time, to show it.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure seeds/s, simulated ops/s and trace events/s per scenario (RESULT lines).")

    @Argument(help: "A scenario name, or all.")
    var scenario = "all"

    @Option(help: "Seeds of one repetition: a count (1000 = 1-1000) or a range (5-900).")
    var seeds = "1-1000"

    @Option(help: "Repetitions; every figure is the median over them.")
    var repetitions = 5

    @Option(help: "Fault modes, comma-separated: none, swarm, mixed.")
    var faults = "none,mixed"

    func run() throws {
        guard let range = SimSeeds.parse(seeds) else { throw ValidationError("bad --seeds \(seeds)") }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be at least 1") }
        let modes = try faults.split(separator: ",").map { name in
            guard let mode = FaultMode(rawValue: String(name)) else { throw ValidationError("bad fault mode \(name)") }
            return mode
        }
        print("compio-sim bench: seeds \(range.lowerBound)-\(range.upperBound) per repetition, \(repetitions) repetitions, medians")
        var failed = 0
        for scenario in try scenarios(named: scenario) {
            for mode in modes {
                // One untimed pass warms caches and lazily built metadata.
                _ = measure(scenario, seeds: range.prefix(20), faults: mode)
                let runs = (0..<repetitions).map { _ in measure(scenario, seeds: range, faults: mode) }
                failed += runs.reduce(0) { $0 + $1.failures }
                report(scenario.name, mode, runs)
            }
        }
        if failed > 0 {
            print("\(failed) seed run(s) failed: the figures are of failing runs (see compio-sim run)")
            throw ExitCode(1)
        }
    }

    /// Runs every seed once and counts what the simulator did.
    private func measure(_ scenario: Scenario, seeds: some Sequence<UInt64>, faults: FaultMode) -> BenchSample {
        var sample = BenchSample()
        let start = wallSeconds()
        let cpuStart = cpuSeconds()
        for seed in seeds {
            let report = SimScenarioRunner.run(scenario, seed: seed, faults: faults.plan(seed: seed))
            sample.seeds += 1
            sample.ops += report.stats.pushed
            sample.events += report.trace.count
            if !report.passed { sample.failures += 1 }
        }
        sample.seconds = max(wallSeconds() - start, 1e-9)
        sample.cpuSeconds = cpuSeconds() - cpuStart
        return sample
    }

    private func report(_ name: String, _ mode: FaultMode, _ runs: [BenchSample]) {
        let seedRate = BenchFigure(runs.map { Double($0.seeds) / $0.seconds })
        let opRate = BenchFigure(runs.map { Double($0.ops) / $0.seconds })
        let eventRate = BenchFigure(runs.map { Double($0.events) / $0.seconds })
        let opsPerSeed = BenchFigure(runs.map { Double($0.ops) / Double(max($0.seeds, 1)) })
        let cores = BenchFigure(runs.map { $0.cpuSeconds / $0.seconds })
        let key = "\(name).\(mode.rawValue)"
        print("\(key): \(Int(seedRate.median)) seeds/s, \(Int(opRate.median)) ops/s, \(Int(eventRate.median)) events/s, \(opsPerSeed.median) ops/seed, \(cores.median) cores")
        let common = "faults=\(mode.rawValue) scenario=\(name) reps=\(runs.count) cores=\(cores.median)"
        print("RESULT name=\(key).seeds value=\(seedRate.median) unit=seeds/s spread=\(seedRate.spread) \(common)")
        print("RESULT name=\(key).ops value=\(opRate.median) unit=ops/s spread=\(opRate.spread) \(common)")
        print("RESULT name=\(key).events value=\(eventRate.median) unit=events/s spread=\(eventRate.spread) \(common)")
        print("RESULT name=\(key).ops_per_seed value=\(opsPerSeed.median) unit=ops/seed spread=\(opsPerSeed.spread) \(common)")
    }
}

/// Counts of one repetition.
struct BenchSample {
    var seeds = 0
    var ops = 0
    var events = 0
    var failures = 0
    var seconds = 0.0
    var cpuSeconds = 0.0
}

/// The median of some repetitions, and their spread ((max - min) / median).
struct BenchFigure {
    let median: Double
    let spread: Double

    init(_ values: [Double]) {
        let sorted = values.sorted()
        let n = sorted.count
        median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        spread = median > 0 ? ((sorted.last ?? 0) - (sorted.first ?? 0)) / median : 0
    }
}
