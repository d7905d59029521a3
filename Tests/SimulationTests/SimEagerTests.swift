@testable import Compio
import CompioScenarios
import CompioSim
import Testing

/// `SimDriver.pushEagerly`: io_uring's eager submission, drawn from the seed,
/// at the driver and through the runtime's inline path.
@Suite struct SimEagerTests {
    @Test func anEagerNopCompletesInlineOrLaterExactlyOnce() throws {
        var inline = 0
        var deferred = 0
        for seed in UInt64(1)...100 {
            let h = SimHarness(seed: seed)
            let ticket = h.startEagerly(.nop)
            let wasInline = h.isDone(ticket)
            if wasInline { inline += 1 } else { deferred += 1 }
            try h.drain()
            #expect(h.isDone(ticket))
            #expect(h.driver.stats.inlineCompletions == (wasInline ? 1 : 0))
            expectClean(h.driver)
        }
        // Eager 3/4 of the time, then inline half of that: both outcomes show up.
        #expect(inline > 20 && deferred > 20, "inline \(inline), deferred \(deferred) of 100 seeds")
    }

    @Test func otherCompletionsFoundOnTheWayComeOutOnceAndInOrder() throws {
        var eagerDeliveries = 0
        for seed in UInt64(1)...100 {
            let h = SimHarness(seed: seed)
            // NOPs (at most 1 us each): the seed stages some, which the eager
            // push submits and may finish; for odd seeds a poll first lets
            // time pass, leaving completions beyond its batch ready.
            let earlier = (0..<6).map { _ in h.start(.nop) }
            if seed % 2 == 1 { try h.poll(timeout: .microseconds(5)) }
            let own = h.startEagerly(.nop)
            try h.drain()
            for t in earlier + [own] { #expect(h.isDone(t)) }
            eagerDeliveries += h.driver.stats.eagerDeliveries
            expectClean(h.driver)
        }
        #expect(eagerDeliveries > 0, "no eager push ever found another op's completion")
    }

    @Test func aFileWriteThenReadThroughEagerPushesSeesTheBytes() throws {
        for seed in UInt64(1)...50 {
            let h = SimHarness(seed: seed)
            let fd = try h.open(.openAt(directory: -100, path: try OpPath("/f"), flags: createReadWrite, mode: 0o644))
            let w = h.startEagerly(.writeAt(fd: fd, buffer: OpBuffer(buffer("inline bytes")), offset: 0))
            _ = try h.wait(w)
            let r = h.startEagerly(.readAt(fd: fd, buffer: OpBuffer(IOBuffer(capacity: 32)), offset: 0))
            let read = try h.wait(r)
            #expect(try read.result.get() == 12)
            try h.close(fd)
            expectClean(h.driver)
        }
    }

    @Test func theTraceShowsEagerSubmissionAndInlineCompletion() throws {
        var kinds: Set<String> = []
        for seed in UInt64(1)...20 {
            let driver = try Scenarios.mixed(seed: seed, eagerly: true)
            for event in driver.trace.events {
                if event.kind == .eager { kinds.insert("eager \(event.name)") }
                if event.kind == .deliver && (event.detail == "inline" || event.detail == "eager") { kinds.insert("deliver \(event.detail)") }
                if event.kind == .submit && event.detail == "during submission" { kinds.insert("during submission") }
            }
            expectClean(driver)
        }
        #expect(kinds == ["eager submit", "eager deferred", "deliver inline", "deliver eager", "during submission"])
    }

    @Test(arguments: SimSeeds.seeds(defaultCount: 32))
    func eagerPushesAreDeterministic(seed: UInt64) throws {
        for faults in [FaultPlan.none, .swarm(seed: seed)] {
            var last: SimDriver?
            try SimDeterminism.check(seed: seed, test: filterName(#function)) { s in
                let driver = try Scenarios.mixed(seed: s, faults: faults, eagerly: true)
                last = driver
                return driver.trace
            }
            #expect(last!.stats.eagerSubmissions > 0)
            expectClean(last!)
        }
    }

    /// The runtime's inline path on every shared scenario: the runtime's own
    /// counters agree with the driver's; every scenario that does I/O (timers
    /// and task trees only sleep) completes ops inline over the seed range,
    /// and eager pushes hand out other ops' completions.
    @Test func theRuntimeCompletesOpsInline() async throws {
        let seeds = SimSeeds.seeds(defaultCount: 40)
        let scenarios = Scenario.all + [.ops100]
        let totals = try await ScenarioThread.run { () -> [(name: String, pushed: Int, inline: Int, eager: Int, failures: [String])] in
            scenarios.map { scenario in
                var (pushed, inline, eager) = (0, 0, 0)
                var failures: [String] = []
                for seed in seeds {
                    var counters = (polls: 0, inline: 0, eagerDeliveries: 0)
                    let report = SimScenarioRunner.run(
                        scenario, seed: seed, faults: SimScenarioRunner.sweepFaults(seed: seed), inspect: { counters = $0.loopCounters })
                    if !report.passed { failures.append(report.failureReport) }
                    if counters.inline != report.stats.inlineCompletions || counters.eagerDeliveries != report.stats.eagerDeliveries {
                        failures.append(
                            "\(scenario.name) seed \(seed): the runtime counted \(counters.inline) inline and \(counters.eagerDeliveries) eager, the driver \(report.stats.inlineCompletions) and \(report.stats.eagerDeliveries)"
                        )
                    }
                    pushed += report.stats.pushed
                    inline += counters.inline
                    eager += counters.eagerDeliveries
                }
                return (scenario.name, pushed, inline, eager, failures)
            }
        }
        for total in totals {
            for failure in total.failures.prefix(3) { Issue.record(Comment(rawValue: failure)) }
            if total.pushed > 0 { #expect(total.inline > 0, "\(total.name): no op completed inline over \(seeds.count) seeds") }
            print("\(total.name): \(total.pushed) pushes, \(total.inline) inline completions, \(total.eager) eager deliveries over \(seeds.count) seeds")
        }
        #expect(totals.reduce(0) { $0 + $1.eager } > 0, "no eager push handed out another op's completion")
    }
}
