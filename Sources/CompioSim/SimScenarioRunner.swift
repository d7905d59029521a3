import Compio
import CompioScenarios

/// What one simulated run of a scenario produced.
public struct SimRunReport: Sendable {
    /// The scenario's name.
    public let scenario: String
    /// The seed.
    public let seed: UInt64
    /// The faults injected.
    public let faults: FaultPlan
    /// The trace (events kept only when asked for).
    public let trace: SimTrace
    /// The driver's counters.
    public let stats: SimStats
    /// Every check that failed: the scenario's own, the runtime's, the driver's.
    public let failures: [String]

    /// Whether every check passed.
    public var passed: Bool { failures.isEmpty }

    /// The failures, the seed and the commands that replay this run.
    public var failureReport: String {
        var lines = ["CompioSim: \(scenario) seed \(seed) failed (\(faults), trace hash \(String(trace.hash, radix: 16))):"]
        lines += failures.map { "  - \($0)" }
        let swarm = faults == .none ? "" : " --faults swarm"
        lines.append("Replay: swift run compio-sim replay \(scenario) --seed \(seed)\(swarm)")
        lines.append("    or: \(SimSeeds.replayCommand(seed: seed, test: "SimScenarioTests"))")
        return lines.joined(separator: "\n")
    }
}

/// Runs a ``Scenario`` on a ``Runtime`` over a ``SimDriver``, on the calling
/// thread, and checks everything the simulation can check.
///
/// The world: files under `/`, hosts `10.0.0.1` (servers) to `10.0.0.4`
/// (clients), a simulated pool limited as the scenario asks, half an hour of
/// virtual time per scenario time unit. Closing a descriptor with ops in
/// flight is a violation, and a run where every task waits with nothing
/// scheduled ends as a deadlock instead of spinning.
///
/// The runtime's self-checks (``Runtime/_enableTestingChecks(faults:)``) are
/// on for every seed. They leave inline completion (and so
/// ``SimDriver/pushEagerly(_:_:)``) on unless a runtime fault is injected:
/// the mutation tests need their ops to wait in the driver.
public enum SimScenarioRunner {
    /// The runtime's limit of ops in the driver: small, so ops also queue in the runtime.
    public static let maxInFlight = 8

    /// Runs `scenario` once for `seed`. Call on a thread that is not one of
    /// Swift's cooperative pool (the runtime blocks it). `inspect` sees the
    /// runtime after the run, before its shutdown (tests read its counters).
    public static func run(
        _ scenario: Scenario, seed: UInt64, faults: FaultPlan = .none,
        runtimeFaults: RuntimeTestingFaults = [], keepsTraceEvents: Bool = false, inspect: ((Runtime) -> Void)? = nil
    ) -> SimRunReport {
        let driver = SimDriver(seed: seed, faults: faults, keepsTraceEvents: keepsTraceEvents)
        driver.poolLimit = scenario.poolLimit
        driver.closeRequiresQuiescence = true
        for host in UInt32(2)...4 { driver.network.addHost(0x0A00_0000 | host) }  // 10.0.0.2-4, without parsing
        var failures: [String] = []
        do {
            let runtime = Runtime(driver: driver, maxInFlight: maxInFlight)
            runtime._enableTestingChecks(faults: runtimeFaults)
            let context = ScenarioContext(runtime: runtime, world: world(driver, faults: faults, poolLimit: scenario.poolLimit ?? 1024), seed: seed)
            let gate = SimRunGate()
            driver.onIdle = { [unowned driver] in
                guard !gate.isDone else { return }
                driver.reportViolation(.deadlock, "every task waits and nothing is scheduled")
                gate.finish(.deadlock)
            }
            let outcome = runtime.blockOn { () async -> SimRunGate.Outcome in
                let main = runtime.spawn { () async -> String? in
                    do {
                        try await scenario.body(context)
                        return nil
                    } catch {
                        return "\(error)"
                    }
                }
                runtime.spawn { gate.finish(.finished(failure: await main.value)) }
                return await gate.wait()
            }
            driver.onIdle = nil
            if case .finished(let failure?) = outcome { failures.append("scenario: \(failure)") }
            if case .finished(nil) = outcome {
                do {
                    try scenario.afterRun(context)
                } catch {
                    failures.append("scenario after the drain: \(error)")
                }
            }
            failures += runtime._testingViolations(final: true).map { "runtime: \($0)" }
            inspect?(runtime)
            runtime.shutdown()
        }
        failures += driver.check(final: true).map { "driver: \($0)" }
        return SimRunReport(scenario: scenario.name, seed: seed, faults: faults, trace: driver.trace, stats: driver.stats, failures: failures)
    }

    /// Runs `scenario` twice for `seed` and adds a failure if the traces differ
    /// (naming the first divergent event). Returns the first run's report.
    public static func runChecked(_ scenario: Scenario, seed: UInt64, faults: FaultPlan = .none, runtimeFaults: RuntimeTestingFaults = []) -> SimRunReport {
        let first = run(scenario, seed: seed, faults: faults, runtimeFaults: runtimeFaults)
        let second = run(scenario, seed: seed, faults: faults, runtimeFaults: runtimeFaults)
        guard first.trace.hash != second.trace.hash || first.trace.count != second.trace.count else { return first }
        let a = run(scenario, seed: seed, faults: faults, runtimeFaults: runtimeFaults, keepsTraceEvents: true)
        let b = run(scenario, seed: seed, faults: faults, runtimeFaults: runtimeFaults, keepsTraceEvents: true)
        let index = a.trace.firstDivergence(from: b.trace) ?? 0
        let left = index < a.trace.events.count ? "\(a.trace.events[index])" : "<end>"
        let right = index < b.trace.events.count ? "\(b.trace.events[index])" : "<end>"
        let divergence = "not deterministic: first divergent event #\(index): run 1: \(left); run 2: \(right)"
        return SimRunReport(
            scenario: first.scenario, seed: seed, faults: faults, trace: first.trace, stats: first.stats,
            failures: first.failures + [divergence])
    }

    /// The faults a sweep uses for `seed`: none for even seeds, a swarm plan for odd ones.
    public static func sweepFaults(seed: UInt64) -> FaultPlan {
        seed % 2 == 0 ? .none : .swarm(seed: seed)
    }

    static func world(_ driver: SimDriver, faults: FaultPlan, poolLimit: Int) -> ScenarioWorld {
        ScenarioWorld(
            directory: "", closer: driver.descriptorCloser,
            serverAddress: try! SocketAddress(parsing: "10.0.0.1:7000"),
            clientAddress: { i in try? SocketAddress(parsing: "10.0.0.\(2 + i % 3):0") },
            faults: faults.isEnabled, timeUnit: .seconds(1800), poolLimit: poolLimit, blockingWork: {})
    }
}

/// Ends a simulated run's `blockOn` when the scenario finishes or deadlocks,
/// whichever comes first. Used only on the runtime's thread.
final class SimRunGate: @unchecked Sendable {
    enum Outcome: Sendable {
        case finished(failure: String?)
        case deadlock
    }

    private var waiter: UnsafeContinuation<Outcome, Never>?
    private var outcome: Outcome?

    var isDone: Bool { outcome != nil }

    func finish(_ result: Outcome) {
        guard outcome == nil else { return }
        outcome = result
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: result)
        }
    }

    func wait() async -> Outcome {
        if let outcome { return outcome }
        return await withUnsafeContinuation { waiter = $0 }
    }
}
