import Compio

/// The simulator's agenda: actions at virtual times, taken in (time, insertion)
/// order. Equal times keep insertion order, so the order never depends on
/// anything but the sequence of scheduling calls.
struct SimEventQueue {
    /// What to do at an entry's time. The frequent actions are cases rather
    /// than closures, so scheduling them allocates nothing.
    enum Action {
        /// An op's latency has passed.
        case becomeDue(OpKey)
        /// Run the head of a channel again.
        case run(SimChannel)
        /// A file's state changed: run its channels again.
        case wake(SimOpenFile)
        /// Anything else.
        case call(() -> Void)
    }

    /// A heap entry: plain values, so sifting it retains nothing. Its action
    /// waits in `actions[slot]`.
    struct Entry {
        let time: Int64
        let sequence: UInt64
        let slot: Int32

        func precedes(_ other: Entry) -> Bool {
            time != other.time ? time < other.time : sequence < other.sequence
        }
    }

    private var heap: [Entry] = []
    private var actions: [Action?] = []
    private var freeSlots: [Int32] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    /// The time of the earliest action.
    var nextTime: Int64? { heap.first?.time }

    mutating func schedule(at time: Int64, _ action: Action) {
        let slot: Int32
        if let free = freeSlots.popLast() {
            slot = free
            actions[Int(slot)] = action
        } else {
            slot = Int32(actions.count)
            actions.append(action)
        }
        heap.append(Entry(time: time, sequence: nextSequence, slot: slot))
        nextSequence += 1
        // Sifted through one buffer pointer: one uniqueness check, not one per swap.
        heap.withUnsafeMutableBufferPointer { heap in
            var i = heap.count - 1
            while i > 0 {
                let parent = (i - 1) / 2
                guard heap[i].precedes(heap[parent]) else { break }
                heap.swapAt(i, parent)
                i = parent
            }
        }
    }

    /// Removes and returns the earliest action if it is due at or before `time`.
    mutating func popDue(at time: Int64) -> Action? {
        guard let top = heap.first, top.time <= time else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap.withUnsafeMutableBufferPointer { heap in
                heap[0] = last
                var i = 0
                while true {
                    let l = 2 * i + 1, r = l + 1
                    var best = i
                    if l < heap.count && heap[l].precedes(heap[best]) { best = l }
                    if r < heap.count && heap[r].precedes(heap[best]) { best = r }
                    if best == i { break }
                    heap.swapAt(i, best)
                    i = best
                }
            }
        }
        let action = actions[Int(top.slot)].take()
        freeSlots.append(top.slot)
        return action
    }

    mutating func removeAll() {
        heap.removeAll()
        actions.removeAll()
        freeSlots.removeAll()
    }
}
