import Compio
import CompioSim
import Foundation
import Testing

@Suite struct TraceTests {
    @Test func chromeTraceIsValidJSON() throws {
        let driver = try Scenarios.mixed(seed: 5, ops: 40)
        let json = driver.trace.chromeTraceJSON()
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8))
        let events = (object as? [String: Any])?["traceEvents"] as? [[String: Any]]
        #expect(events != nil)
        #expect(events!.count > driver.trace.events.count)
        #expect(events!.contains { $0["ph"] as? String == "X" })
        expectClean(driver)
    }

    @Test func hashIsPlainFNV1aOverTheEventFields() {
        // An independent FNV-1a over the documented layout: the hash depends on
        // nothing but the events (Swift's per-process Hasher is never used).
        let events = [
            SimTraceEvent(time: 1, kind: .push, key: 2, name: "read", value: 3, detail: "d"),
            SimTraceEvent(time: 4, kind: .complete, key: 2, name: "read", value: -125, detail: ""),
        ]
        var trace = SimTrace()
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func byte(_ b: UInt8) { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        func word(_ w: UInt64) { withUnsafeBytes(of: w.littleEndian) { $0.forEach(byte) } }
        for e in events {
            trace.record(e)
            word(UInt64(bitPattern: e.time))
            word(UInt64(e.kind.rawValue))
            word(e.key)
            word(UInt64(bitPattern: e.value))
            e.name.utf8.forEach(byte)
            word(0xFF)
            e.detail.utf8.forEach(byte)
        }
        #expect(trace.hash == h)
        var other = SimTrace(keepsEvents: false)
        events.reversed().forEach { other.record($0) }
        #expect(other.hash != trace.hash)
    }
}
