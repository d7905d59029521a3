import Testing
@testable import Compio

@Suite struct OpLifecycleTests {
    @Test func normalLife() {
        var l = OpLifecycle()
        let submitted = l.submit()
        #expect(submitted)
        #expect(l.state == .submitted)
        l.complete()
        l.take()
        #expect(l.state == .taken)
    }

    @Test func cancelBeforeSubmitMeansNeverRuns() {
        var l = OpLifecycle()
        let action = l.requestCancel()
        #expect(action == .completeUnsubmitted)
        let submitted = l.submit()
        #expect(!submitted)
        let again = l.requestCancel()
        #expect(again == .none)
    }

    @Test func cancelAfterSubmitAsksTheKernel() {
        var l = OpLifecycle()
        _ = l.submit()
        let first = l.requestCancel()
        let second = l.requestCancel()
        #expect(first == .issueCancel)
        #expect(second == .none)
        l.complete()
        let late = l.requestCancel()
        #expect(late == .none)
    }

    @Test func tableRejectsStaleKeys() {
        var t = OpTable<Int>(capacity: 4)
        let a = t.insert(.nop, extra: 1)
        let submitted = t.submit(a)
        #expect(submitted)
        let first = t.complete(a)
        let second = t.complete(a)
        #expect(first != nil)
        #expect(second == nil, "a key completes once")
        let b = t.insert(.nop, extra: 2)
        #expect(b.index == a.index && b.generation != a.generation)
        let staleCancel = t.requestCancel(a)
        #expect(staleCancel == nil, "a stale cancel misses the reused slot")
        #expect(t.extra(b) == 2)
        #expect(t.count == 1)
    }
}
