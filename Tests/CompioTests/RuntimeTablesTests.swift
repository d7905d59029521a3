import Testing
@testable import Compio

/// The runtime's pure parts: waiter table, timer queue, interval arithmetic,
/// job queue. No driver, no threads.
@Suite struct RuntimeTablesTests {
    typealias Table = WaiterTable<Int, String>

    @Test func opWaiterLifeAndSlotReuse() {
        var t = Table()
        let a = t.reserve()
        t.markPending(a, key: OpKey(index: 3, generation: 7), waiter: 42)
        #expect(t.pendingCount == 1 && t.active == 1)
        #expect(t.complete(OpKey(index: 3, generation: 7)) == 42)
        #expect(t.pendingCount == 0 && t.active == 0)
        let b = t.reserve()
        #expect(b.index == a.index)
        #expect(b.generation == a.generation + 1)
        // A late cancel for the old token misses the reused slot.
        guard case .stale = t.requestCancel(a) else { Issue.record("stale token hit a reused slot"); return }
        let cancelRequested = t.isCancelRequested(b)
        #expect(!cancelRequested)
    }

    @Test func cancelBeforePushIsRecordedNotActedOn() {
        var t = Table()
        let a = t.reserve()
        let recorded = t.recordCancelIfReserved(a)
        let cancelRequested = t.isCancelRequested(a)
        #expect(recorded && cancelRequested)
        t.release(a)
        #expect(t.active == 0)
        let recordedAfterRelease = t.recordCancelIfReserved(a)
        #expect(!recordedAfterRelease)
    }

    @Test func cancelPendingIssuesDriverCancelOnce() {
        var t = Table()
        let a = t.reserve()
        let key = OpKey(index: 0, generation: 1)
        t.markPending(a, key: key, waiter: 1)
        guard case .issueDriverCancel(let k) = t.requestCancel(a) else { Issue.record("no driver cancel"); return }
        #expect(k == key)
        guard case .alreadyIssued = t.requestCancel(a) else { Issue.record("second cancel not deduplicated"); return }
        #expect(t.cancellableTokens.isEmpty)
        // The op's own completion still resumes it, exactly once.
        #expect(t.complete(key) == 1)
        guard case .stale = t.requestCancel(a) else { Issue.record("cancel after completion not stale"); return }
    }

    @Test func queuedOpsLeaveInOrderAndCancelledOnesAreSkipped() {
        var t = Table()
        let tokens = (0..<3).map { i -> WaiterToken in
            let tok = t.reserve()
            t.markQueued(tok, op: .nop, waiter: i)
            return tok
        }
        #expect(t.queuedCount == 3)
        guard case .completeQueued(_, let w) = t.requestCancel(tokens[1]) else { Issue.record("queued cancel"); return }
        #expect(w == 1)
        let first = t.popQueued()
        #expect(first?.0 == tokens[0] && first?.2 == 0)
        let second = t.popQueued()
        #expect(second?.0 == tokens[2] && second?.2 == 2)
        #expect(t.popQueued() == nil)
        #expect(t.queuedCount == 0)
        // Popped slots are reserved again, ready to push.
        t.markPending(tokens[0], key: OpKey(index: 0, generation: 0), waiter: 0)
        t.release(tokens[2])
        #expect(t.active == 1)
    }

    @Test func sleepersFireOrCancelExactlyOnce() {
        var t = Table()
        let a = t.reserve()
        t.markSleeping(a, waiter: "a")
        let b = t.reserve()
        t.markSleeping(b, waiter: "b")
        #expect(Set(t.cancellableTokens) == [a, b])
        #expect(t.fire(a) == "a")
        guard case .wakeSleeper(let w) = t.requestCancel(b) else { Issue.record("sleeper cancel"); return }
        #expect(w == "b")
        #expect(t.sleepingCount == 0 && t.active == 0)
    }

    @Test func timersComeOutByDeadlineThenArmingOrder() {
        var q = TimerQueue()
        var t = Table()
        let deadlines: [Int64] = [50, 10, 30, 10, 70, 20]
        var tokens: [WaiterToken] = []
        for d in deadlines {
            let tok = t.reserve()
            tokens.append(tok)
            q.insert(tok, deadline: Instant(nanoseconds: d))
        }
        #expect(q.nextDeadline == Instant(nanoseconds: 10))
        let removedOnce = q.remove(tokens[2])
        let removedTwice = q.remove(tokens[2])
        #expect(removedOnce && !removedTwice)
        #expect(q.popDue(now: Instant(nanoseconds: 5)) == nil)
        var fired: [WaiterToken] = []
        while let tok = q.popDue(now: Instant(nanoseconds: 60)) { fired.append(tok) }
        #expect(fired == [tokens[1], tokens[3], tokens[5], tokens[0]])
        #expect(q.count == 1)
        #expect(q.removeAll() == [tokens[4]])
        #expect(q.isEmpty && q.nextDeadline == nil)
    }

    @Test func timerHeapStaysOrderedUnderRandomRemovals() {
        var q = TimerQueue()
        var t = Table()
        var rng = SystemRandomNumberGenerator()
        var expected: [(Int64, WaiterToken)] = []
        for _ in 0..<500 {
            let tok = t.reserve()
            let d = Int64.random(in: 0..<1000, using: &rng)
            q.insert(tok, deadline: Instant(nanoseconds: d))
            expected.append((d, tok))
        }
        expected.shuffle(using: &rng)
        let removed = expected.prefix(200)
        for (_, tok) in removed {
            let wasArmed = q.remove(tok)
            #expect(wasArmed)
        }
        let kept = Set(expected.dropFirst(200).map(\.1))
        var last = Int64.min
        var out: Set<WaiterToken> = []
        while let tok = q.popDue(now: Instant(nanoseconds: .max)) {
            let d = expected.first { $0.1 == tok }!.0
            #expect(d >= last)
            last = d
            out.insert(tok)
        }
        #expect(out == kept)
    }

    @Test func intervalSkipsMissedTicks() {
        var s = IntervalSchedule(start: Instant(nanoseconds: 100), period: .nanoseconds(10))
        #expect(s.tick(now: Instant(nanoseconds: 99)) == nil)
        #expect(s.tick(now: Instant(nanoseconds: 100)) == Instant(nanoseconds: 100))
        #expect(s.next == Instant(nanoseconds: 110))
        // Woken late, at 137: one tick (for 110), then the next is 140, not 120.
        #expect(s.tick(now: Instant(nanoseconds: 137)) == Instant(nanoseconds: 110))
        #expect(s.next == Instant(nanoseconds: 140))
        #expect(s.tick(now: Instant(nanoseconds: 139)) == nil)
        // Exactly on a multiple: the next tick is the following one.
        #expect(s.tick(now: Instant(nanoseconds: 150)) == Instant(nanoseconds: 140))
        #expect(s.next == Instant(nanoseconds: 160))
    }

    @Test func jobQueueRunsBatchesInOrder() {
        var q = JobQueue<Int>()
        q.push(1)
        q.push(2)
        let n = q.beginBatch()
        #expect(n == 2)
        q.push(3)
        var firstBatch: [Int] = []
        while let job = q.nextInBatch() { firstBatch.append(job) }
        #expect(firstBatch == [1, 2])
        q.endBatch()
        let waiting = q.count
        #expect(waiting == 1)
        let m = q.beginBatch()
        let (third, none) = (q.nextInBatch(), q.nextInBatch())
        #expect(m == 1 && third == 3 && none == nil)
        q.endBatch()
        let empty = q.isEmpty
        #expect(empty)
    }

    /// Inline completion relies on `isIdle` to know that no other job is ready,
    /// counting the rest of the running batch, not only the next one.
    @Test func jobQueueIsIdleOnlyWhenNoJobIsLeftAnywhere() {
        var q = JobQueue<Int>()
        var idle = q.isIdle
        #expect(idle)
        q.push(1)
        q.push(2)
        idle = q.isIdle
        #expect(!idle)
        q.beginBatch()
        let empty = q.isEmpty
        idle = q.isIdle
        #expect(empty && !idle)
        _ = q.nextInBatch()
        idle = q.isIdle
        #expect(!idle, "job 2 is still to run in this batch")
        _ = q.nextInBatch()
        idle = q.isIdle
        #expect(idle, "the running job is the last one")
        q.push(3)
        idle = q.isIdle
        #expect(!idle, "a job for the next batch")
        q.endBatch()
    }
}

/// The inline-completion policy, driven without a runtime.
@Suite struct InlineCompletionPolicyTests {
    @Test func theBudgetBoundsInlineCompletionsPerTaskRun() {
        var policy = InlineCompletionPolicy(limit: 3)
        #expect(!policy.shouldAttempt(kind: 0, othersReady: false), "no budget before the first run")
        policy.refill(enabled: true)
        for _ in 0..<3 {
            #expect(policy.shouldAttempt(kind: 0, othersReady: false))
            policy.record(kind: 0, completedInline: true)
        }
        #expect(!policy.shouldAttempt(kind: 0, othersReady: false))
        policy.refill(enabled: true)
        #expect(policy.shouldAttempt(kind: 0, othersReady: false))
        policy.refill(enabled: false)
        #expect(!policy.shouldAttempt(kind: 0, othersReady: false), "draining: no inline completion")
        policy.refill(enabled: true)
        policy.revoke()
        #expect(!policy.shouldAttempt(kind: 0, othersReady: false))
    }

    /// A spent budget means "let the loop turn, then go on inline"; a disabled
    /// policy (draining, test faults, a limit of 0) means "submit".
    @Test func aSpentBudgetYieldsFirstAndADisabledPolicySubmits() {
        var policy = InlineCompletionPolicy(limit: 1)
        policy.refill(enabled: true)
        #expect(policy.decide(kind: 0, othersReady: false) == .attempt)
        policy.record(kind: 0, completedInline: true)
        #expect(policy.decide(kind: 0, othersReady: false) == .yieldFirst)
        #expect(policy.decide(kind: 0, othersReady: true) == .yieldFirst, "a kind that keeps completing inline")
        policy.refill(enabled: false)
        #expect(policy.decide(kind: 0, othersReady: false) == .submit)
        var off = InlineCompletionPolicy(limit: 0)
        off.refill(enabled: true)
        #expect(off.decide(kind: 0, othersReady: false) == .submit)
    }

    @Test func withOtherTasksReadyOnlyKindsThatKeepCompletingInlineAreTried() {
        var policy = InlineCompletionPolicy(limit: 100)
        policy.refill(enabled: true)
        let recv = InlineCompletionPolicy.kind(of: .recv(fd: 0, buffer: OpBuffer(IOBuffer(capacity: 1)), flags: 0))
        let send = InlineCompletionPolicy.kind(of: .send(fd: 0, buffer: OpBuffer(IOBuffer(capacity: 1)), flags: 0))
        #expect(recv != send)
        #expect(policy.shouldAttempt(kind: recv, othersReady: true), "a kind starts at the threshold")
        policy.record(kind: recv, completedInline: false)
        #expect(!policy.shouldAttempt(kind: recv, othersReady: true), "one miss drops it below")
        #expect(policy.shouldAttempt(kind: recv, othersReady: false), "alone, it is still tried")
        #expect(policy.shouldAttempt(kind: send, othersReady: true), "scores are per kind")
        // Hits bring a kind back, up to a cap, so a later miss halves a bounded score.
        for _ in 0..<20 { policy.record(kind: recv, completedInline: true) }
        #expect(policy.score(recv) == InlineCompletionPolicy.maxScore)
        #expect(policy.shouldAttempt(kind: recv, othersReady: true))
        policy.record(kind: recv, completedInline: false)
        #expect(policy.shouldAttempt(kind: recv, othersReady: true))
        policy.record(kind: recv, completedInline: false)
        #expect(!policy.shouldAttempt(kind: recv, othersReady: true))
    }
}
