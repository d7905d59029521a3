/// The runtime's timers: a binary min-heap ordered by deadline, then by arming
/// order, with O(log n) removal by token.
///
/// Removal matters: `timeout(after:)` arms a timer around every body, and almost
/// every one is cancelled long before its deadline; leaving them in the heap
/// would grow it without bound. Equal deadlines fire in arming order, so runs
/// are deterministic. A value type owned by the runtime's thread.
struct TimerQueue {
    private struct Entry {
        var deadline: Instant
        var sequence: UInt64
        var token: WaiterToken

        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    private var heap: [Entry] = []
    /// Waiter slot index → heap position, -1 when the slot has no timer.
    private var positions: [Int32] = []
    private var nextSequence: UInt64 = 0

    init() {}

    /// Timers armed.
    var count: Int { heap.count }
    /// Whether no timer is armed.
    var isEmpty: Bool { heap.isEmpty }
    /// The earliest deadline.
    var nextDeadline: Instant? { heap.first?.deadline }

    /// Arms a timer for `token` at `deadline`.
    ///
    /// - Precondition: `token`'s slot has no timer armed.
    mutating func insert(_ token: WaiterToken, deadline: Instant) {
        let slot = token.index
        if slot >= positions.count { positions.append(contentsOf: repeatElement(-1, count: slot + 1 - positions.count)) }
        precondition(positions[slot] < 0, "TimerQueue: slot \(slot) already has a timer")
        heap.append(Entry(deadline: deadline, sequence: nextSequence, token: token))
        nextSequence &+= 1
        positions[slot] = Int32(heap.count - 1)
        siftUp(heap.count - 1)
    }

    /// Disarms `token`'s timer. Returns false if it had none (it fired, or the
    /// token is stale).
    @discardableResult
    mutating func remove(_ token: WaiterToken) -> Bool {
        let slot = token.index
        guard slot < positions.count, positions[slot] >= 0 else { return false }
        let at = Int(positions[slot])
        guard heap[at].token == token else { return false }
        removeEntry(at: at)
        return true
    }

    /// Removes and returns the earliest timer if it is due at `now`.
    mutating func popDue(now: Instant) -> WaiterToken? {
        guard let first = heap.first, first.deadline <= now else { return nil }
        removeEntry(at: 0)
        return first.token
    }

    /// Removes and returns every timer, earliest first (for shutdown).
    mutating func removeAll() -> [WaiterToken] {
        var all: [WaiterToken] = []
        while let first = heap.first {
            removeEntry(at: 0)
            all.append(first.token)
        }
        return all
    }

    private mutating func removeEntry(at index: Int) {
        positions[heap[index].token.index] = -1
        let last = heap.count - 1
        if index != last {
            heap[index] = heap[last]
            positions[heap[index].token.index] = Int32(index)
        }
        heap.removeLast()
        if index < heap.count {
            siftUp(index)
            siftDown(index)
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        positions[heap[a].token.index] = Int32(a)
        positions[heap[b].token.index] = Int32(b)
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            let right = left + 1
            let smaller = right < heap.count && heap[right].precedes(heap[left]) ? right : left
            guard heap[smaller].precedes(heap[parent]) else { return }
            swapAt(parent, smaller)
            parent = smaller
        }
    }
}
