import Compio
import CompioSim
import Testing

@Suite struct DeterminismTests {
    @Test(arguments: SimSeeds.default)
    func sameSeedSameTrace(seed: UInt64) throws {
        var last: SimDriver?
        try SimDeterminism.check(seed: seed, test: filterName(#function)) { s in
            let driver = try Scenarios.mixed(seed: s)
            last = driver
            return driver.trace
        }
        #expect(last!.trace.count > 200)
        expectClean(last!)
    }

    @Test(arguments: SimSeeds.seeds(defaultCount: 32))
    func swarmFaultsAreDeterministic(seed: UInt64) throws {
        var last: SimDriver?
        try SimDeterminism.check(seed: seed, test: filterName(#function)) { s in
            let driver = try Scenarios.mixed(seed: s, faults: .swarm(seed: s))
            last = driver
            return driver.trace
        }
        expectClean(last!)
    }

    @Test func differentSeedsGiveDifferentRuns() throws {
        var hashes: Set<UInt64> = []
        for seed in UInt64(1)...20 { hashes.insert(try Scenarios.mixed(seed: seed).trace.hash) }
        #expect(hashes.count == 20)
    }

    @Test func completionOrderVariesWithTheSeed() throws {
        // The same ten ops, pushed the same way: only the seed changes the order they come back in.
        var orders: Set<[Int]> = []
        for seed in UInt64(1)...30 {
            let h = SimHarness(seed: seed)
            let tickets = (0..<10).map { _ in h.start(.nop) }
            var order: [Int] = []
            while order.count < 10 {
                try h.poll()
                for t in tickets where h.isDone(t) && !order.contains(t) { order.append(t) }
            }
            orders.insert(order)
            expectClean(h.driver)
        }
        #expect(orders.count > 20)
    }

    @Test func streamsAreIndependentPerDecisionClass() {
        var a = SimStreams(seed: 42)
        var b = SimStreams(seed: 42)
        // Extra draws in one class must not shift another class's sequence.
        for _ in 0..<100 { _ = a[.latency].next() }
        #expect(a[.cancel].next() == b[.cancel].next())
        #expect(a[.ordering].next() == b[.ordering].next())
        var one = SimStreams(seed: 1), two = SimStreams(seed: 2)
        #expect(one[.latency].next() != two[.latency].next())
    }

    @Test func swarmPlansDifferAcrossSeeds() {
        let plans = Set((UInt64(1)...50).map { FaultPlan.swarm(seed: $0) })
        #expect(plans.count > 40)
        #expect(FaultPlan.swarm(seed: 7) == FaultPlan.swarm(seed: 7))
        #expect(!FaultPlan.none.isEnabled)
    }

    @Test func seedSpecsParse() {
        #expect(SimSeeds.parse("1000") == 1...1000)
        #expect(SimSeeds.parse("5-900") == 5...900)
        #expect(SimSeeds.parse("9-3") == nil)
        #expect(SimSeeds.replayCommand(seed: 17, test: "x") == "COMPIO_SIM_SEED=17 swift test --filter x")
    }
}
