import Compio
import CompioSim
import Testing

@Suite struct ThroughputTests {
    /// Measures seeds/s and trace events/s for the 100-op mixed scenario, and
    /// checks every seed of the sweep is clean. Prints the rates (debug builds are slow; say which).
    @Test func mixedScenarioRate() throws {
        let seeds = SimSeeds.seeds(defaultCount: 200)
        for keepsEvents in [true, false] {
            var events = 0
            let clock = ContinuousClock()
            let elapsed = try clock.measure {
                for seed in seeds {
                    let driver = try Scenarios.mixed(seed: seed, keepsTraceEvents: keepsEvents)
                    events += driver.trace.count
                    expectClean(driver)
                }
            }
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            #expect(events > seeds.count * 200)
            print("mixed 100-op scenario, trace events \(keepsEvents ? "kept" : "hashed only"): \(seeds.count) seeds in \(elapsed), \(Int(Double(seeds.count) / seconds)) seeds/s, \(Int(Double(events) / seconds)) events/s, \(events / seeds.count) events/seed")
        }
    }
}
