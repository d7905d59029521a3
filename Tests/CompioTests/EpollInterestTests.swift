import Testing
@testable import Compio

/// The per-descriptor queue state machine, without threads or a kernel.
@Suite struct EpollInterestTests {
    let a = OpKey(index: 1, generation: 0)
    let b = OpKey(index: 2, generation: 0)
    let c = OpKey(index: 3, generation: 0)

    @Test func registrationFollowsTheQueues() {
        var interest = EpollInterest()
        #expect(interest.sync() == nil, "nothing waits, nothing to register")

        interest.enqueue(a, .read)
        #expect(interest.sync() == .add(EpollEvents.input))
        #expect(interest.sync() == nil, "already registered as wanted")

        interest.enqueue(b, .write)
        #expect(interest.sync() == .modify(EpollEvents.input | EpollEvents.output))

        interest.removeFirst(a, .read)
        #expect(interest.sync() == .modify(EpollEvents.output))

        let removed = interest.remove(b)
        #expect(removed)
        #expect(interest.isEmpty)
        #expect(interest.sync() == .modify(0), "a cancel disarms, and the descriptor stays in the set")
        #expect(interest.armed == 0 && interest.isRegistered)
        #expect(interest.sync() == nil)

        interest.enqueue(c, .read)
        #expect(interest.sync() == .modify(EpollEvents.input), "the next wait arms again, no second add")
    }

    @Test func aReportDisarmsUntilTheNextWait() {
        var interest = EpollInterest()
        interest.enqueue(a, .read)
        #expect(interest.sync() == .add(EpollEvents.input))
        interest.fired()
        #expect(interest.armed == 0)
        interest.removeFirst(a, .read)
        #expect(interest.sync() == nil, "a one-shot report left nothing armed to undo")
        #expect(interest.isRegistered)

        interest.enqueue(b, .read)
        interest.enqueue(c, .write)
        #expect(interest.sync() == .modify(EpollEvents.input | EpollEvents.output))
        interest.fired()
        interest.removeFirst(c, .write)
        #expect(interest.sync() == .modify(EpollEvents.input), "the reader left behind is armed again")
    }

    @Test func leavingTheSetStartsOverWithAnAdd() {
        var interest = EpollInterest()
        interest.enqueue(a, .read)
        #expect(interest.sync() == .add(EpollEvents.input))
        _ = interest.removeAll()
        interest.deregistered()
        #expect(!interest.isRegistered && interest.armed == 0)
        #expect(interest.sync() == nil)
        interest.enqueue(b, .write)
        #expect(interest.sync() == .add(EpollEvents.output))
    }

    @Test func queuesAreFirstInFirstOut() {
        var interest = EpollInterest()
        for key in [a, b, c] { interest.enqueue(key, .read) }
        #expect(interest.first(.read) == a)
        #expect(interest.count(.read) == 3)
        #expect(interest.first(.write) == nil)
        interest.removeFirst(a, .read)
        #expect(interest.first(.read) == b)
        let cancelled = interest.remove(b)
        #expect(cancelled, "a cancel removes from the middle or head")
        #expect(interest.first(.read) == c)
        let again = interest.remove(b)
        #expect(!again, "removing twice finds nothing")
        #expect(interest.hasWaiting(.read) && !interest.hasWaiting(.write))
    }

    @Test func longQueuesStayInOrderAcrossCompaction() {
        var interest = EpollInterest()
        let keys = (0..<500).map { OpKey(index: UInt32($0), generation: 7) }
        for key in keys { interest.enqueue(key, .write) }
        var seen: [OpKey] = []
        while let head = interest.first(.write) {
            seen.append(head)
            interest.removeFirst(head, .write)
            if seen.count == 100 { interest.enqueue(OpKey(index: 9999, generation: 0), .write) }
        }
        #expect(seen == keys + [OpKey(index: 9999, generation: 0)])
    }

    @Test func pollersGetWhatTheyAskedForPlusHangUpAndError() {
        var interest = EpollInterest()
        interest.addPoller(a, events: EpollEvents.input)
        interest.addPoller(b, events: EpollEvents.output)
        #expect(interest.sync() == .add(EpollEvents.input | EpollEvents.output))

        let writable = interest.takeReadyPollers(EpollEvents.output)
        #expect(writable.map(\.key) == [b])
        #expect(writable.map(\.events) == [EpollEvents.output])
        #expect(interest.sync() == .modify(EpollEvents.input))

        let hungUp = interest.takeReadyPollers(EpollEvents.hangUp | EpollEvents.output)
        #expect(hungUp.map(\.key) == [a])
        #expect(hungUp.map(\.events) == [EpollEvents.hangUp], "hang-up always reported, unasked output not")
        #expect(interest.sync() == .modify(0))
    }

    @Test func failedRegistrationStartsOver() {
        var interest = EpollInterest()
        interest.enqueue(a, .read)
        #expect(interest.sync() == .add(EpollEvents.input))
        interest.registrationFailed()
        #expect(interest.armed == 0 && !interest.isRegistered)
        #expect(interest.sync() == .add(EpollEvents.input))
    }

    @Test func removeAllReturnsEveryWaiterInQueueOrder() {
        var interest = EpollInterest()
        interest.enqueue(b, .write)
        interest.enqueue(a, .read)
        interest.addPoller(c, events: EpollEvents.input)
        #expect(interest.contains(c))
        #expect(interest.removeAll() == [a, b, c])
        #expect(interest.isEmpty)
        #expect(interest.wanted == 0)
    }

    @Test func hangUpAndErrorWakeBothQueues() {
        #expect(EpollEvents.hangUp & EpollEvents.wakesReaders != 0)
        #expect(EpollEvents.hangUp & EpollEvents.wakesWriters != 0)
        #expect(EpollEvents.error & EpollEvents.wakesReaders != 0)
        #expect(EpollEvents.error & EpollEvents.wakesWriters != 0)
        #expect(EpollEvents.output & EpollEvents.wakesReaders == 0)
        #expect(EpollEvents.input & EpollEvents.wakesWriters == 0)
    }

    @Test func queueingAKeyTwiceTraps() async {
        await #expect(processExitsWith: .failure) {
            var interest = EpollInterest()
            interest.enqueue(OpKey(index: 1, generation: 0), .read)
            interest.enqueue(OpKey(index: 1, generation: 0), .write)
        }
    }

    @Test func removingSomethingOtherThanTheHeadTraps() async {
        await #expect(processExitsWith: .failure) {
            var interest = EpollInterest()
            interest.enqueue(OpKey(index: 1, generation: 0), .read)
            interest.enqueue(OpKey(index: 2, generation: 0), .read)
            interest.removeFirst(OpKey(index: 2, generation: 0), .read)
        }
    }
}
