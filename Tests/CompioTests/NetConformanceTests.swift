import Compio
import CompioScenarios
import Testing

/// The conformance scenarios on the real kernel, on every driver: the Linux
/// behaviour SimulationTests checks CompioSim against with the same code
/// (`Scenario.conformance`). Serialized because it counts open descriptors.
@Suite(.serialized) struct NetConformanceTests {
    static let cases: [(DriverBuilder.Choice, Scenario)] = TestDrivers.choices.flatMap { choice in
        Scenario.conformance.map { (choice, $0) }
    }

    /// Runs the scenario as ``ScenarioTests`` runs the shared ones: one fixed
    /// seed, no faults, no failed check, no leaked descriptor.
    @Test(arguments: cases)
    func conformance(_ choice: DriverBuilder.Choice, _ scenario: Scenario) async throws {
        try await ScenarioTests().scenario(choice, scenario)
    }
}
