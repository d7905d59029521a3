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

    @Test func hashIsWordwiseFNV1aOverTheEventFields() {
        // An independent FNV-1a, a word at a time, over the documented layout:
        // the hash depends on nothing but the events (Swift's per-process
        // Hasher is never used).
        let events = [
            SimTraceEvent(time: 1, kind: .push, key: 2, name: "read", value: 3, detail: "d"),
            SimTraceEvent(time: 4, kind: .complete, key: 2, name: "a name of 18 bytes", value: -125, payload: .number("fd ", 7)),
            SimTraceEvent(time: 5, kind: .deliver, key: 2, name: "", value: 0, payload: .files(3, 0)),
        ]
        var trace = SimTrace()
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func word(_ w: UInt64) { h = (h ^ w) &* 0x100_0000_01B3 }
        func string(_ s: String) {
            let bytes = Array(s.utf8)
            var chunks = stride(from: 0, to: bytes.count, by: 8).map { Array(bytes[$0..<min($0 + 8, bytes.count)]) }
            if chunks.last?.count ?? 0 == 8 || chunks.isEmpty { chunks.append([]) }
            for (i, chunk) in chunks.enumerated() {
                var w: UInt64 = i == chunks.count - 1 ? UInt64(bytes.count) << 56 : 0
                for (j, b) in chunk.enumerated() { w |= UInt64(b) << (8 * UInt64(j)) }
                word(w)
            }
        }
        // The name goes in as one word: the same hash over its bytes alone.
        func digest(_ s: String) -> UInt64 {
            let saved = h
            h = 0xCBF2_9CE4_8422_2325
            string(s)
            defer { h = saved }
            return h
        }
        for e in events {
            trace.record(e)
            word(UInt64(bitPattern: e.time))
            word(UInt64(e.kind.rawValue))
            word(e.key)
            word(UInt64(bitPattern: e.value))
            word(digest(e.name))
            switch e.payload {
            case .none: word(0)
            case .text(let t):
                word(1)
                string(t)
            case .number(let prefix, let n):
                word(2)
                string(prefix)
                word(UInt64(bitPattern: n))
            case .files(let a, let b):
                word(3)
                word(UInt64(a))
                word(UInt64(b))
            }
        }
        #expect(trace.hash == h)
        var other = SimTrace(keepsEvents: false)
        events.reversed().forEach { other.record($0) }
        #expect(other.hash != trace.hash)
    }

    @Test func aDetailKeepsItsTextWhateverItsCase() {
        #expect(SimTraceDetail.number("new fd ", 5).text == "new fd 5")
        #expect(SimTraceDetail.files(1, 2).text == "file#1,file#2")
        #expect(SimTraceDetail.files(4, 0).text == "file#4")
        #expect(SimTraceDetail.text("x").text == "x")
        #expect(SimTraceDetail.none.text == "")
    }
}
