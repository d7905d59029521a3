/// The ops a driver has in flight, in slots named by ``OpKey``s.
///
/// Every driver stores its ops here, so keys, generations, exactly-once
/// completion and the lifecycle checks are the same everywhere. `Extra` is the
/// driver's own per-op data (where the op went, a pool ticket, …).
///
/// Not thread-safe: it belongs to the driver's thread. Noncopyable: a driver
/// owns its one table, and its storage (``SlotArray``) needs no copy-on-write
/// check on every store.
///
/// Inlinable, so drivers in other modules (CompioSim's) get a copy specialized
/// for their `Extra`: unspecialized, every lookup instantiated metadata and
/// copied a slot through value witnesses (a third of a simulated op).
@frozen
public struct OpTable<Extra>: ~Copyable {
    /// One slot: an op in flight, or a free slot waiting for reuse.
    @frozen
    public struct Slot {
        /// The op; `nil` when the slot is free.
        public var op: Op?
        /// Where the op is in its life.
        public var lifecycle: OpLifecycle
        /// The driver's own data for the op.
        public var extra: Extra?
        /// Bumped every time the slot is freed, so stale keys miss.
        public var generation: UInt32

        @inlinable
        init(op: Op?, lifecycle: OpLifecycle, extra: Extra?, generation: UInt32) {
            self.op = op
            self.lifecycle = lifecycle
            self.extra = extra
            self.generation = generation
        }
    }

    // Not `Array`s: their copy-on-write checks were a call into the runtime
    // for every store, six per awaited op (``SlotArray``).
    @usableFromInline var slots: SlotArray<Slot>
    @usableFromInline var free = SlotArray<UInt32>()
    @usableFromInline var storedCount = 0
    /// Number of ops in the table.
    @inlinable public var count: Int { storedCount }
    /// The most ops the table may hold at once.
    public let capacity: Int

    /// An empty table that holds at most `capacity` ops.
    @inlinable
    public init(capacity: Int) {
        precondition(capacity > 0 && capacity <= Int(UInt32.max - 1), "OpTable: bad capacity \(capacity)")
        self.capacity = capacity
        slots = SlotArray(minimumCapacity: min(capacity, 256))
    }

    /// Whether another op fits.
    @inlinable
    public var isFull: Bool { count >= capacity }

    /// Stores `op` in a free slot, in state ``OpLifecycle/State/created``.
    ///
    /// - Precondition: `!isFull`.
    @inlinable
    public mutating func insert(_ op: Op, extra: Extra? = nil) -> OpKey {
        precondition(!isFull, "OpTable: more than \(capacity) ops in flight")
        storedCount += 1
        if let index = free.popLast() {
            let slot = slots.address(of: Int(index))
            assert(slot.pointee.op == nil, "OpTable: free slot \(index) still holds an op")
            slot.pointee.op = op
            slot.pointee.lifecycle = OpLifecycle()
            slot.pointee.extra = extra
            return OpKey(index: index, generation: slot.pointee.generation)
        }
        let index = UInt32(slots.count)
        slots.append(Slot(op: op, lifecycle: OpLifecycle(), extra: extra, generation: 0))
        return OpKey(index: index, generation: 0)
    }

    /// Whether `key` names an op in the table.
    @inlinable
    public func contains(_ key: OpKey) -> Bool { slotIndex(key) != nil }

    @inlinable
    func slotIndex(_ key: OpKey) -> Int? {
        let i = Int(key.index)
        // A free slot's lifecycle is `taken` (cheaper to test than its `Op?`).
        guard key != .immediate, i < slots.count, slots[i].generation == key.generation, !slots[i].lifecycle.isTaken
        else { return nil }
        return i
    }

    /// The lifecycle of the op named by `key`, or `nil` if `key` is stale.
    @inlinable
    public func lifecycle(_ key: OpKey) -> OpLifecycle? {
        slotIndex(key).map { slots[$0].lifecycle }
    }

    /// The driver's data for `key`, or `nil` if `key` is stale.
    @inlinable
    public func extra(_ key: OpKey) -> Extra? {
        slotIndex(key).flatMap { slots[$0].extra }
    }

    /// The op named by `key`, or `nil` if `key` is stale.
    @inlinable
    public func op(_ key: OpKey) -> Op? {
        slotIndex(key).flatMap { slots[$0].op }
    }

    /// Replaces the driver's data for a live key.
    @inlinable
    public mutating func setExtra(_ key: OpKey, _ extra: Extra?) {
        guard let i = slotIndex(key) else { preconditionFailure("OpTable: setExtra on stale key \(key)") }
        slots[i].extra = extra
    }

    /// Marks a live op submitted; false when a cancel came first (see ``OpLifecycle/submit()``).
    @inlinable
    public mutating func submit(_ key: OpKey) -> Bool {
        guard let i = slotIndex(key) else { preconditionFailure("OpTable: submit on stale key \(key)") }
        return slots[i].lifecycle.submit()
    }

    /// Records a cancel request; `nil` for a stale key (the op already completed).
    @inlinable
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
    @inlinable
    public mutating func complete(_ key: OpKey) -> (op: Op, extra: Extra?, lifecycle: OpLifecycle)? {
        guard let i = slotIndex(key) else { return nil }
        let slot = slots.address(of: i)
        let lifecycle = slot.pointee.lifecycle
        slot.pointee.lifecycle.complete()
        slot.pointee.lifecycle.take()
        slot.pointee.generation &+= 1
        let (op, extra) = (slot.pointee.op.take()!, slot.pointee.extra.take())
        free.append(UInt32(i))
        storedCount -= 1
        assert(storedCount >= 0, "OpTable: negative count")
        return (op, extra, lifecycle)
    }

    /// The keys of every op in the table, in slot order.
    @inlinable
    public var keys: [OpKey] {
        slots.indices.compactMap { i in
            slots[i].op == nil ? nil : OpKey(index: UInt32(i), generation: slots[i].generation)
        }
    }
}
