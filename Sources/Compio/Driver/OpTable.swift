/// The ops a driver has in flight, in slots named by ``OpKey``s.
///
/// Every driver stores its ops here, so keys, generations, exactly-once
/// completion and the lifecycle checks are the same everywhere. `Extra` is the
/// driver's own per-op data (where the op went, a pool ticket, …).
///
/// Not thread-safe: it belongs to the driver's thread.
public struct OpTable<Extra> {
    /// One slot: an op in flight, or a free slot waiting for reuse.
    public struct Slot {
        /// The op; `nil` when the slot is free.
        public var op: Op?
        /// Where the op is in its life.
        public var lifecycle: OpLifecycle
        /// The driver's own data for the op.
        public var extra: Extra?
        /// Bumped every time the slot is freed, so stale keys miss.
        public var generation: UInt32
    }

    private var slots: [Slot] = []
    private var free: [UInt32] = []
    /// Number of ops in the table.
    public private(set) var count = 0
    /// The most ops the table may hold at once.
    public let capacity: Int

    /// An empty table that holds at most `capacity` ops.
    public init(capacity: Int) {
        precondition(capacity > 0 && capacity <= Int(UInt32.max - 1), "OpTable: bad capacity \(capacity)")
        self.capacity = capacity
        slots.reserveCapacity(min(capacity, 4096))
    }

    /// Whether another op fits.
    public var isFull: Bool { count >= capacity }

    /// Stores `op` in a free slot, in state ``OpLifecycle/State/created``.
    ///
    /// - Precondition: `!isFull`.
    public mutating func insert(_ op: Op, extra: Extra? = nil) -> OpKey {
        precondition(!isFull, "OpTable: more than \(capacity) ops in flight")
        count += 1
        if let index = free.popLast() {
            let i = Int(index)
            assert(slots[i].op == nil, "OpTable: free slot \(i) still holds an op")
            slots[i].op = op
            slots[i].lifecycle = OpLifecycle()
            slots[i].extra = extra
            return OpKey(index: index, generation: slots[i].generation)
        }
        let index = UInt32(slots.count)
        slots.append(Slot(op: op, lifecycle: OpLifecycle(), extra: extra, generation: 0))
        return OpKey(index: index, generation: 0)
    }

    /// Whether `key` names an op in the table.
    public func contains(_ key: OpKey) -> Bool { slotIndex(key) != nil }

    private func slotIndex(_ key: OpKey) -> Int? {
        let i = Int(key.index)
        guard key != .immediate, i < slots.count, slots[i].generation == key.generation, slots[i].op != nil else { return nil }
        return i
    }

    /// The lifecycle of the op named by `key`, or `nil` if `key` is stale.
    public func lifecycle(_ key: OpKey) -> OpLifecycle? {
        slotIndex(key).map { slots[$0].lifecycle }
    }

    /// The driver's data for `key`, or `nil` if `key` is stale.
    public func extra(_ key: OpKey) -> Extra? {
        slotIndex(key).flatMap { slots[$0].extra }
    }

    /// The op named by `key`, or `nil` if `key` is stale.
    public func op(_ key: OpKey) -> Op? {
        slotIndex(key).flatMap { slots[$0].op }
    }

    /// Replaces the driver's data for a live key.
    public mutating func setExtra(_ key: OpKey, _ extra: Extra?) {
        guard let i = slotIndex(key) else { preconditionFailure("OpTable: setExtra on stale key \(key)") }
        slots[i].extra = extra
    }

    /// Marks a live op submitted; false when a cancel came first (see ``OpLifecycle/submit()``).
    public mutating func submit(_ key: OpKey) -> Bool {
        guard let i = slotIndex(key) else { preconditionFailure("OpTable: submit on stale key \(key)") }
        return slots[i].lifecycle.submit()
    }

    /// Records a cancel request; `nil` for a stale key (the op already completed).
    public mutating func requestCancel(_ key: OpKey) -> OpLifecycle.CancelAction? {
        guard let i = slotIndex(key) else { return nil }
        return slots[i].lifecycle.requestCancel()
    }

    /// Completes the op named by `key` and frees its slot, returning the op,
    /// the driver's data, and the lifecycle as it was when the completion came
    /// (so a driver can tell an op cancelled before submission). `nil` if `key`
    /// is stale.
    ///
    /// Exactly once: completing the same key twice finds the slot's generation
    /// moved on and returns `nil`, and a lifecycle that already completed traps.
    public mutating func complete(_ key: OpKey) -> (op: Op, extra: Extra?, lifecycle: OpLifecycle)? {
        guard let i = slotIndex(key) else { return nil }
        let lifecycle = slots[i].lifecycle
        slots[i].lifecycle.complete()
        slots[i].lifecycle.take()
        let op = slots[i].op.take()!
        let extra = slots[i].extra.take()
        slots[i].generation &+= 1
        free.append(UInt32(i))
        count -= 1
        assert(count >= 0, "OpTable: negative count")
        return (op, extra, lifecycle)
    }

    /// The keys of every op in the table, in slot order.
    public var keys: [OpKey] {
        slots.indices.compactMap { i in
            slots[i].op == nil ? nil : OpKey(index: UInt32(i), generation: slots[i].generation)
        }
    }
}
