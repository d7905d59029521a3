import Testing
import Compio

@Suite struct DescriptorLifecycleTests {
    @Test func closeWithNothingInFlightClosesAtOnce() {
        var d = DescriptorLifecycle()
        let action = d.close()
        #expect(action == .closeNow)
        #expect(d.isClosed)
        let late = d.acquire()
        #expect(!late, "no op may use a closed number")
    }

    @Test func closeWaitsForTheLastOp() {
        var d = DescriptorLifecycle()
        for _ in 0..<8 {
            let ok = d.acquire()
            #expect(ok)
        }
        let action = d.close()
        #expect(action == .wait)
        let refused = d.acquire()
        #expect(!refused, "new ops are refused once close() started")
        var closes = 0
        for _ in 0..<8 where d.release() == .closeNow { closes += 1 }
        #expect(closes == 1, "exactly one close, after the last op")
        #expect(d.isClosed)
    }

    @Test func secondCloseJoinsTheFirst() {
        var d = DescriptorLifecycle()
        _ = d.acquire()
        let first = d.close()
        let second = d.close()
        #expect(first == .wait && second == .alreadyClosing)
        let release = d.release()
        #expect(release == .closeNow)
        let third = d.close()
        #expect(third == .alreadyClosing)
    }

    @Test func droppingTheLastReferenceClosesOnce() {
        var d = DescriptorLifecycle()
        _ = d.acquire()
        _ = d.release()
        let first = d.dropLastReference()
        #expect(first)
        var closed = DescriptorLifecycle()
        _ = closed.close()
        let again = closed.dropLastReference()
        #expect(!again, "close() already closed it")
    }
}
