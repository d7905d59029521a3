import Compio
import CompioScenarios
import CompioSim
import Foundation
import Testing

@Suite struct ChromeTraceTests {
    /// A seed of the cancel storm under a swarm plan where both cancels and
    /// faults happen, found by scanning a few seeds (deterministically).
    static func runWithCancelsAndFaults() -> SimRunReport? {
        for seed in UInt64(1)...40 {
            let report = SimScenarioRunner.run(.cancelStorm, seed: seed, faults: .swarm(seed: seed), keepsTraceEvents: true)
            let cancels = report.trace.events.contains { $0.kind == .cancel }
            if report.passed && cancels && report.stats.faults > 0 { return report }
        }
        return nil
    }

    static func parse(_ json: String) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        return try #require((object as? [String: Any])?["traceEvents"] as? [[String: Any]])
    }

    @Test func opsAreSlicesFromPushToCompletionOnTheirFileTrack() throws {
        let report = try #require(Self.runWithCancelsAndFaults())
        let events = try Self.parse(report.trace.chromeTraceJSON())
        let trace = report.trace.events
        let slices = events.filter { $0["ph"] as? String == "X" }
        // One slice per op that was pushed with a key and completed.
        var pushed: [UInt64: Int64] = [:]
        var expected: [(key: UInt64, start: Int64, end: Int64, name: String)] = []
        for event in trace {
            if event.kind == .push && event.value >= 0 { pushed[event.key] = event.time }
            if event.kind == .complete, let start = pushed.removeValue(forKey: event.key) {
                expected.append((event.key, start, event.time, event.name))
            }
        }
        #expect(!expected.isEmpty)
        #expect(slices.count == expected.count)
        for (slice, op) in zip(slices, expected) {
            let args = slice["args"] as? [String: Any]
            #expect((args?["key"] as? NSNumber)?.uint64Value == op.key)
            #expect(slice["name"] as? String == op.name)
            let ts = try #require((slice["ts"] as? NSNumber)?.doubleValue)
            let dur = try #require((slice["dur"] as? NSNumber)?.doubleValue)
            #expect(abs(ts - Double(op.start) / 1000) < 0.0015)
            #expect(abs(dur - Double(op.end - op.start) / 1000) < 0.0015)
        }
        // File ops sit on a track named after the open file and its descriptor.
        let names = events.filter { $0["name"] as? String == "thread_name" }.compactMap { ($0["args"] as? [String: Any])?["name"] as? String }
        #expect(names.contains { $0.hasPrefix("file#") && $0.contains("fd ") })
        // Slices on one track never overlap.
        var lastEnd: [Int: Double] = [:]
        for slice in slices.sorted(by: { ($0["ts"] as! NSNumber).doubleValue < ($1["ts"] as! NSNumber).doubleValue }) {
            let tid = (slice["tid"] as! NSNumber).intValue
            let ts = (slice["ts"] as! NSNumber).doubleValue
            #expect(ts >= (lastEnd[tid] ?? 0) - 0.0005, "overlapping slices on track \(tid)")
            lastEnd[tid] = ts + (slice["dur"] as! NSNumber).doubleValue
        }
    }

    @Test func cancelsAndFaultsAreInstants() throws {
        let report = try #require(Self.runWithCancelsAndFaults())
        let events = try Self.parse(report.trace.chromeTraceJSON())
        let instants = events.filter { $0["ph"] as? String == "i" }
        func category(_ name: String) -> [[String: Any]] { instants.filter { $0["cat"] as? String == name } }
        let cancels = report.trace.events.filter { $0.kind == .cancel }
        let faults = report.trace.events.filter { $0.kind == .fault }
        #expect(!cancels.isEmpty && !faults.isEmpty)
        #expect(category("cancel").count == cancels.count)
        #expect(category("fault").count == faults.count)
        #expect(zip(category("cancel"), cancels).allSatisfy { ($0.0["name"] as? String)?.hasPrefix("cancel \($0.1.name): \($0.1.detail)") == true })
        #expect(zip(category("fault"), faults).allSatisfy { ($0.0["name"] as? String)?.hasPrefix("fault \($0.1.name)") == true })
        // Virtual time: the instants carry the events' times.
        for (instant, fault) in zip(category("fault"), faults) {
            #expect(abs(((instant["ts"] as? NSNumber)?.doubleValue ?? -1) - Double(fault.time) / 1000) < 0.0015)
        }
        // And every event is on the events track.
        #expect(category("event").count == report.trace.events.count)
    }
}
