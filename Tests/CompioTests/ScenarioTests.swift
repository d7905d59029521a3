import Compio
import CompioScenarios
import Glibc
import Testing

/// The scenarios of `CompioScenarios`, the same code and assertions that
/// SimulationTests runs under CompioSim, on the real kernel through io_uring
/// and epoll, with a fixed seed (``seeds``) and no faults. Serialized because it counts
/// the process's open descriptors.
@Suite(.serialized) struct ScenarioTests {
    /// Every driver × every scenario; `COMPIO_SCENARIO=<name>` narrows it to one scenario.
    static let cases: [(DriverBuilder.Choice, Scenario)] = TestDrivers.choices.flatMap { choice in
        let only = getenv("COMPIO_SCENARIO").map { String(cString: $0) }
        return Scenario.all.filter { only == nil || $0.name == only }.map { (choice, $0) }
    }

    /// The seeds each scenario runs with: `COMPIO_SCENARIO_SEEDS=first-last`
    /// widens the sweep (kernel timing still varies run to run).
    static let seeds: ClosedRange<UInt64> = {
        guard let text = getenv("COMPIO_SCENARIO_SEEDS").map({ String(cString: $0) }) else { return 20_26...20_26 }
        let bounds = text.split(separator: "-").compactMap { UInt64($0) }
        guard let first = bounds.first, let last = bounds.last, first <= last else { return 20_26...20_26 }
        return first...last
    }()

    /// A drain that never ends fails its case instead of holding up the run.
    @Test(.timeLimit(.minutes(2)), arguments: cases)
    func scenario(_ choice: DriverBuilder.Choice, _ scenario: Scenario) async throws {
        for seed in Self.seeds {
            let before = OpenDescriptors.baseline()
            let failures = try await RuntimeHarness.onOwnThread { () throws -> [String] in
                try Self.run(scenario, on: choice, seed: seed)
            }
            #expect(failures.isEmpty, "\(scenario.name) on \(choice), seed \(seed): \(failures)")
            #expect(
                OpenDescriptors.settledCount(expecting: before) == before,
                "\(scenario.name) on \(choice), seed \(seed) leaked descriptors")
        }
    }

    /// Runs `scenario` in a fresh runtime and directory; returns every failed check.
    static func run(_ scenario: Scenario, on choice: DriverBuilder.Choice, seed: UInt64) throws -> [String] {
        var template = Array("/tmp/compio-scenario-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw IOError.code(errno) }
        let directory = String(cString: made)
        defer { rmdir(directory) }
        var builder = RuntimeBuilder(choice: choice)
        let poolLimit = scenario.poolLimit ?? 64
        builder.driver.threadPoolLimit = poolLimit
        let runtime = try builder.build()
        runtime._enableTestingChecks()
        let world = ScenarioWorld(
            directory: directory, closer: KernelDescriptorCloser.shared, serverAddress: .loopback(port: 0),
            clientAddress: { _ in nil }, faults: false, timeUnit: .milliseconds(20), poolLimit: poolLimit,
            // Long enough that every job of a round is submitted before the
            // first finishes, even with the runtime's thread descheduled for a
            // while on a loaded machine (the pool scenario counts refusals).
            blockingWork: { usleep(250_000) })
        let context = ScenarioContext(runtime: runtime, world: world, seed: seed)
        var failures: [String] = []
        do {
            try runtime.blockOn { () async throws in try await scenario.body(context) }
            try scenario.afterRun(context)
        } catch {
            failures.append("\(error)")
        }
        failures += runtime._testingViolations(final: true)
        runtime.shutdown()
        return failures
    }
}
