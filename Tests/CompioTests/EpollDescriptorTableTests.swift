import Testing
@testable import Compio

/// The epoll driver's descriptor-indexed state, without a kernel.
@Suite struct EpollDescriptorTableTests {
    let key = OpKey(index: 1, generation: 0)

    @Test func interestsGoInAndOutByNumber() {
        var table = EpollDescriptorTable()
        #expect(!table.covers(0) && !table.covers(-1))
        #expect(table[5] == nil && table[-1] == nil, "an uncovered number has no interest")
        let none = table.take(5)
        #expect(none == nil)

        table.grow(toCover: 7)
        #expect(table.size == 8 && table.covers(7) && !table.covers(8))
        var interest = EpollInterest()
        interest.enqueue(key, .read)
        table.put(interest, for: 7)
        table.put(EpollInterest(), for: 2)
        #expect(table.count == 2)
        #expect(table.descriptors == [2, 7])
        #expect(table.count { $0.hasWaiting(.read) } == 1)

        let removed = table.modify(7) { $0.remove(key) }
        #expect(removed)
        #expect(table[7]?.isEmpty == true)
        let taken = table.take(7)
        let again = table.take(7)
        #expect(taken?.isEmpty == true)
        #expect(again == nil, "taken once")
        #expect(table.count == 1 && table.descriptors == [2])

        table.grow(toCover: 3)
        #expect(table.size == 8, "growing never shrinks")
    }

    @Test func theAttemptBudgetRenewsEachTurn() {
        var table = EpollDescriptorTable()
        table.grow(toCover: 4)
        let spends = (0..<3).map { _ in table.spend(4, limit: 2) }
        #expect(spends == [true, true, false], "two attempts, then spent for this turn")
        let other = table.spend(3, limit: 2)
        #expect(other, "each descriptor has its own")
        table.startTurn()
        let renewed = table.spend(4, limit: 2)
        #expect(renewed, "a new turn, a whole budget")
    }

    @Test func storingTwiceTraps() async {
        await #expect(processExitsWith: .failure) {
            var table = EpollDescriptorTable()
            table.grow(toCover: 1)
            table.put(EpollInterest(), for: 1)
            table.put(EpollInterest(), for: 1)
        }
    }
}
