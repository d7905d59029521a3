/// The runtime's table of everything a task is suspended on: ops (queued in the
/// runtime or in flight in the driver) and timers.
///
/// A noncopyable value type owned by the runtime's thread (its arrays are
/// ``SlotArray``s, without copy-on-write checks). Slots are reused, so an
/// awaited op costs no heap allocation once the arrays have grown. The two
/// waiter types are generic so the state machine is testable without tasks
/// (the runtime uses `UnsafeContinuation`s).
///
/// A slot's life:
/// `free → reserved → (queued →)? pending → free` for an op, and
/// `free → reserved → sleeping → free` for a timer. A reserved slot whose task
/// is cancelled before the op was pushed records it, so the op never runs.
/// Every waiter leaves the table exactly once, through ``complete(_:)``,
/// ``release(_:)``, ``requestCancel(_:)``, ``popQueued()`` or ``fire(_:)``;
/// anything else traps.
struct WaiterTable<OpWaiter, TimerWaiter>: ~Copyable {
    /// What one slot holds.
    enum State {
        case free
        /// Allocated; the op is about to be pushed (or the timer armed).
        case reserved(cancelRequested: Bool)
        /// Waiting in the runtime for room in the driver (the op is in
        /// ``queuedOps``, which keeps this enum free of references: copying a
        /// slot on the hot path is then a plain memory copy).
        case queued(OpWaiter)
        /// In the driver under `key`.
        case pending(OpKey, OpWaiter, cancelIssued: Bool)
        /// A timer in the runtime's ``TimerQueue``.
        case sleeping(TimerWaiter)
    }

    /// What the runtime must do about a cancel request.
    enum CancelOutcome {
        /// The token is stale: the waiter already left the table.
        case stale
        /// The op was not pushed yet; it will not be.
        case recorded
        /// A driver cancel was already issued for this op.
        case alreadyIssued
        /// Ask the driver to cancel `key`; its completion still arrives.
        case issueDriverCancel(OpKey)
        /// The op never reached the driver: resume its waiter with `ECANCELED`.
        /// The slot is free again.
        case completeQueued(Op, OpWaiter)
        /// Resume the timer's waiter as cancelled and remove it from the timer
        /// queue. The slot is free again.
        case wakeSleeper(TimerWaiter)
    }

    struct Slot {
        var state: State
        var generation: UInt32
    }

    private var slots = SlotArray<Slot>()
    private var freeList = SlotArray<UInt32>()
    /// Driver key index → slot index + 1 (0: none), for completions.
    private var byKey = SlotArray<UInt32>()
    /// The ops of queued slots, by slot index.
    private var queuedOps: [UInt32: Op] = [:]
    /// Tokens of queued ops, oldest first; cancelled ones are skipped lazily.
    private var backlog: [WaiterToken] = []
    private var backlogHead = 0

    /// Slots not free.
    private(set) var active = 0
    /// Ops in the driver.
    private(set) var pendingCount = 0
    /// Ops waiting for room in the driver.
    private(set) var queuedCount = 0
    /// Timers armed.
    private(set) var sleepingCount = 0

    init() {}

    /// Allocates a slot in ``State/reserved(cancelRequested:)``.
    mutating func reserve() -> WaiterToken {
        active += 1
        if let index = freeList.popLast() {
            let i = Int(index)
            guard case .free = slots[i].state else { preconditionFailure("WaiterTable: free list holds busy slot \(i)") }
            slots[i].state = .reserved(cancelRequested: false)
            return WaiterToken(index: index, generation: slots[i].generation)
        }
        precondition(slots.count < Int(UInt32.max), "WaiterTable: too many waiters")
        slots.append(Slot(state: .reserved(cancelRequested: false), generation: 0))
        return WaiterToken(index: UInt32(slots.count - 1), generation: 0)
    }

    private func live(_ token: WaiterToken) -> Int? {
        let i = token.index
        guard i < slots.count, slots[i].generation == token.generation else { return nil }
        if case .free = slots[i].state { return nil }
        return i
    }

    private mutating func free(_ i: Int) {
        slots[i].state = .free
        slots[i].generation &+= 1
        freeList.append(UInt32(i))
        active -= 1
        assert(active >= 0, "WaiterTable: negative active count")
    }

    private func reservedIndex(_ token: WaiterToken, _ what: String) -> (Int, cancelRequested: Bool) {
        guard let i = live(token), case .reserved(let cancelled) = slots[i].state else {
            preconditionFailure("WaiterTable: \(what) on \(token), which is not reserved")
        }
        return (i, cancelled)
    }

    /// Whether a cancel was recorded for a reserved slot (the task was cancelled
    /// before its op was pushed).
    func isCancelRequested(_ token: WaiterToken) -> Bool {
        reservedIndex(token, "isCancelRequested").cancelRequested
    }

    /// Frees a reserved slot whose op completed at push, or was never pushed.
    mutating func release(_ token: WaiterToken) {
        free(reservedIndex(token, "release").0)
    }

    /// `reserved → pending`: the driver accepted the op under `key`.
    ///
    /// An op is normally pushed only after its slot was reserved and found not
    /// cancelled, so a recorded cancel traps. An op pushed *before* its slot
    /// was reserved (one that tried to complete inline and did not) may have
    /// been cancelled in between: pass `pushedFirst`, and when this returns
    /// `true` the caller must request the driver cancel itself.
    @discardableResult
    mutating func markPending(_ token: WaiterToken, key: OpKey, waiter: OpWaiter, pushedFirst: Bool = false) -> Bool {
        let (i, cancelled) = reservedIndex(token, "markPending")
        precondition(key != .immediate, "WaiterTable: pending op without a key")
        precondition(pushedFirst || !cancelled, "WaiterTable: pushing \(token) after its cancel was recorded")
        let k = Int(key.index)
        if k >= byKey.count { byKey.append(repeating: 0, count: k + 1 - byKey.count) }
        precondition(byKey[k] == 0, "WaiterTable: driver reused key index \(k) while in flight")
        byKey[k] = UInt32(i + 1)
        slots[i].state = .pending(key, waiter, cancelIssued: false)
        pendingCount += 1
        return cancelled
    }

    /// `reserved → queued`: the driver is full; the op waits in the runtime.
    mutating func markQueued(_ token: WaiterToken, op: Op, waiter: OpWaiter) {
        let (i, cancelled) = reservedIndex(token, "markQueued")
        precondition(!cancelled, "WaiterTable: queueing \(token) after its cancel was recorded")
        slots[i].state = .queued(waiter)
        queuedOps[UInt32(i)] = op
        backlog.append(token)
        queuedCount += 1
    }

    /// `reserved → sleeping`.
    mutating func markSleeping(_ token: WaiterToken, waiter: TimerWaiter) {
        let (i, cancelled) = reservedIndex(token, "markSleeping")
        precondition(!cancelled, "WaiterTable: arming \(token) after its cancel was recorded")
        slots[i].state = .sleeping(waiter)
        sleepingCount += 1
    }

    /// Whether `token` names a reserved slot; if so, records the cancel on it.
    /// Safe to call from the cancellation handler on the runtime's thread: it
    /// resumes nothing and touches no driver.
    mutating func recordCancelIfReserved(_ token: WaiterToken) -> Bool {
        guard let i = live(token), case .reserved = slots[i].state else { return false }
        slots[i].state = .reserved(cancelRequested: true)
        return true
    }

    /// Records a cancel request and says what to do about it.
    mutating func requestCancel(_ token: WaiterToken) -> CancelOutcome {
        guard let i = live(token) else { return .stale }
        switch slots[i].state {
        case .free:
            return .stale
        case .reserved:
            slots[i].state = .reserved(cancelRequested: true)
            return .recorded
        case .queued(let waiter):
            let op = takeQueuedOp(i)
            free(i)
            queuedCount -= 1
            return .completeQueued(op, waiter)
        case .pending(let key, let waiter, let issued):
            if issued { return .alreadyIssued }
            slots[i].state = .pending(key, waiter, cancelIssued: true)
            return .issueDriverCancel(key)
        case .sleeping(let waiter):
            free(i)
            sleepingCount -= 1
            return .wakeSleeper(waiter)
        }
    }

    /// `pending → free` for the op the driver completed under `key`, returning
    /// its waiter. Traps for a key the table does not hold: that would be a
    /// completion delivered twice or for an op nobody pushed.
    mutating func complete(_ key: OpKey) -> OpWaiter {
        let k = Int(key.index)
        precondition(key != .immediate && k < byKey.count && byKey[k] != 0, "WaiterTable: completion for unknown key \(key)")
        let i = Int(byKey[k] - 1)
        guard case .pending(let stored, let waiter, _) = slots[i].state, stored == key else {
            preconditionFailure("WaiterTable: completion for \(key) does not match slot \(i) (\(slots[i].state))")
        }
        byKey[k] = 0
        free(i)
        pendingCount -= 1
        return waiter
    }

    /// The oldest queued op, taken out of the backlog and put back in
    /// ``State/reserved(cancelRequested:)`` to be pushed.
    mutating func popQueued() -> (WaiterToken, Op, OpWaiter)? {
        while backlogHead < backlog.count {
            let token = backlog[backlogHead]
            backlogHead += 1
            if backlogHead == backlog.count {
                backlog.removeAll(keepingCapacity: true)
                backlogHead = 0
            }
            guard let i = live(token), case .queued(let waiter) = slots[i].state else { continue }
            slots[i].state = .reserved(cancelRequested: false)
            queuedCount -= 1
            return (token, takeQueuedOp(i), waiter)
        }
        return nil
    }

    private mutating func takeQueuedOp(_ i: Int) -> Op {
        guard let op = queuedOps.removeValue(forKey: UInt32(i)) else {
            preconditionFailure("WaiterTable: queued slot \(i) has no op")
        }
        return op
    }

    /// `sleeping → free` for a timer that fired, returning its waiter.
    mutating func fire(_ token: WaiterToken) -> TimerWaiter {
        guard let i = live(token), case .sleeping(let waiter) = slots[i].state else {
            preconditionFailure("WaiterTable: firing \(token), which is not sleeping")
        }
        free(i)
        sleepingCount -= 1
        return waiter
    }

    /// The waiter of an op in the driver, left in place (for the runtime's
    /// test-only fault injection).
    func pendingWaiter(_ token: WaiterToken) -> OpWaiter? {
        guard let i = live(token), case .pending(_, let waiter, _) = slots[i].state else { return nil }
        return waiter
    }

    /// Tokens of every op in the driver whose cancel was not issued yet, and
    /// of every queued op and timer: what shutdown must cancel.
    var cancellableTokens: [WaiterToken] {
        slots.indices.compactMap { i in
            switch slots[i].state {
            case .free, .reserved: return nil
            case .pending(_, _, let issued): if issued { return nil }
            case .queued, .sleeping: break
            }
            return WaiterToken(index: UInt32(i), generation: slots[i].generation)
        }
    }
}
