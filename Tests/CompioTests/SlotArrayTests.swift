@testable import Compio
import Synchronization
import Testing

/// The runtime tables' storage: an array without copy-on-write that must
/// still keep, move and release its elements exactly as `Array` does.
@Suite struct SlotArrayTests {
    /// Counts live instances, so a leaked or doubly released element shows.
    final class Tracked {
        static let live = Atomic<Int>(0)
        let value: Int
        init(_ value: Int) {
            self.value = value
            Self.live.add(1, ordering: .relaxed)
        }
        deinit { Self.live.subtract(1, ordering: .relaxed) }
    }

    @Test func growsKeepsOrderAndStoresInPlace() {
        var a = SlotArray<Int>(minimumCapacity: 2)
        let emptyAtFirst = a.isEmpty
        for i in 0..<100 { a.append(i) }
        let (count, indices) = (a.count, a.indices)
        a[50] += 1000
        let (middle, end) = (a[50], a[99])
        a.address(of: 10).pointee = -10
        let (viaAddress, lastBefore) = (a[10], a.last)
        a.append(repeating: 7, count: 300)
        let (grown, last) = (a.count, a[399])
        let popped = a.popLast()
        a.removeAll()
        let (emptied, none, noLast) = (a.isEmpty, a.popLast(), a.last)
        #expect(emptyAtFirst && count == 100 && indices == 0..<100)
        #expect(noLast == nil)
        #expect(middle == 1050 && end == 99)
        #expect(viaAddress == -10 && lastBefore == 99)
        #expect(grown == 400 && last == 7 && popped == 7)
        #expect(emptied && none == nil)
    }

    @Test func releasesEveryElementExactlyOnce() {
        let before = Tracked.live.load(ordering: .relaxed)
        do {
            var a = SlotArray<Tracked?>(minimumCapacity: 1)
            for i in 0..<40 { a.append(Tracked(i)) }
            a[3] = nil
            let last = a.popLast()
            #expect(last??.value == 39)
            a.removeAll()
            for i in 0..<10 { a.append(Tracked(i)) }
            a.append(repeating: nil, count: 5)
            #expect(Tracked.live.load(ordering: .relaxed) == before + 11)
        }
        // The array's deinit released what it still held; `last` went with its scope.
        #expect(Tracked.live.load(ordering: .relaxed) == before)
    }
}
