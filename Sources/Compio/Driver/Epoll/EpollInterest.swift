/// Which readiness an op waits for: reads and `accept` wait for input, writes
/// and `connect` for output.
public enum EpollDirection: Sendable, Hashable {
    /// `EPOLLIN`: recv, read, accept.
    case read
    /// `EPOLLOUT`: send, write, connect.
    case write
}

/// The epoll bits the driver uses, as plain `UInt32`s (they equal the `POLL*`
/// bits `pollOnce` takes, so a `pollOnce` mask passes through unchanged).
public enum EpollEvents {
    /// Readable.
    public static let input: UInt32 = 0x001
    /// Urgent data.
    public static let priority: UInt32 = 0x002
    /// Writable.
    public static let output: UInt32 = 0x004
    /// An error is pending. Always reported, whatever was asked.
    public static let error: UInt32 = 0x008
    /// Hung up. Always reported, whatever was asked.
    public static let hangUp: UInt32 = 0x010
    /// The peer shut down its writing side.
    public static let readHangUp: UInt32 = 0x2000

    /// Bits that make a waiting read worth retrying: a hang-up or an error means
    /// the read now returns EOF or the error instead of `EAGAIN`.
    public static let wakesReaders = input | priority | error | hangUp | readHangUp
    /// Bits that make a waiting write worth retrying (`EPIPE`, `ECONNRESET`, …).
    public static let wakesWriters = output | error | hangUp
}

/// What the driver must tell epoll after an ``EpollInterest`` changed. The
/// driver adds `EPOLLONESHOT` to every mask.
public enum EpollControl: Sendable, Hashable {
    /// `EPOLL_CTL_ADD` with these events.
    case add(UInt32)
    /// `EPOLL_CTL_MOD` to these events (`0`: disarmed, still registered).
    case modify(UInt32)
    /// `EPOLL_CTL_DEL`.
    case delete
}

/// One descriptor's waiting ops and its epoll registration: a FIFO of reads, a
/// FIFO of writes, and the `pollOnce` waiters with their masks.
///
/// A value type without syscalls, so the driver's bookkeeping can be tested
/// without threads or a kernel. The driver asks it what to retry when epoll
/// reports the descriptor, and after every change asks ``sync()`` which
/// `epoll_ctl` to issue.
///
/// The registration is level-triggered and one-shot, and outlives the waits:
/// the descriptor is added to epoll the first time an op waits on it and stays
/// until the driver closes it, and each wait arms it again with one `MOD`
/// (an `ADD` and a `DEL` per wait was two syscalls per echo round trip).
/// One-shot because an armed interest that nobody waits on would report a
/// readable descriptor to every `epoll_wait`, and epoll reports `EPOLLHUP`
/// and `EPOLLERR` whatever the mask: once epoll reported the descriptor, it
/// stays silent until armed again. Level-triggered because ops left queued by
/// the per-turn budget, or a receive armed while data already waits, must be
/// reported by the next `epoll_wait` (an edge would be lost).
public struct EpollInterest: Sendable {
    private var readers = EpollFifo<OpKey>()
    private var writers = EpollFifo<OpKey>()
    /// `pollOnce` waiters and the events each asked for, in arrival order.
    public private(set) var pollers: [Poller] = []
    /// The events epoll will report for the descriptor; `0`: none (disarmed
    /// or not registered).
    public private(set) var armed: UInt32 = 0
    /// Whether the descriptor is in the epoll set (armed or not).
    public private(set) var isRegistered = false

    /// A `pollOnce` waiter.
    public struct Poller: Sendable, Hashable {
        /// The op's key.
        public var key: OpKey
        /// The `POLL*` events it waits for.
        public var events: UInt32
    }

    /// No waiting ops, not registered.
    public init() {}

    /// Whether no op waits (the registration must then go).
    public var isEmpty: Bool { readers.isEmpty && writers.isEmpty && pollers.isEmpty }

    /// Whether ops wait in `direction`'s queue. A new op in that direction must
    /// queue behind them rather than try at once, or a stream's order breaks.
    public func hasWaiting(_ direction: EpollDirection) -> Bool {
        switch direction {
        case .read: !readers.isEmpty
        case .write: !writers.isEmpty
        }
    }

    /// Number of ops waiting in `direction`'s queue.
    public func count(_ direction: EpollDirection) -> Int {
        switch direction {
        case .read: readers.count
        case .write: writers.count
        }
    }

    /// The op at the head of `direction`'s queue: the next to retry.
    public func first(_ direction: EpollDirection) -> OpKey? {
        switch direction {
        case .read: readers.first
        case .write: writers.first
        }
    }

    /// The events epoll must report for the ops that wait now.
    public var wanted: UInt32 {
        var events: UInt32 = 0
        if !readers.isEmpty { events |= EpollEvents.input }
        if !writers.isEmpty { events |= EpollEvents.output }
        for p in pollers { events |= p.events }
        return events
    }

    /// Queues `key` at the tail of `direction`'s queue.
    ///
    /// - Precondition: `key` waits nowhere in this interest yet.
    public mutating func enqueue(_ key: OpKey, _ direction: EpollDirection) {
        precondition(!contains(key), "EpollInterest: \(key) queued twice")
        switch direction {
        case .read: readers.append(key)
        case .write: writers.append(key)
        }
    }

    /// Adds a `pollOnce` waiter for `events`.
    ///
    /// - Precondition: `key` waits nowhere in this interest yet, and `events`
    ///   asks for something (an empty mask would wait forever).
    public mutating func addPoller(_ key: OpKey, events: UInt32) {
        precondition(!contains(key), "EpollInterest: \(key) queued twice")
        precondition(events != 0, "EpollInterest: pollOnce \(key) with no events")
        pollers.append(Poller(key: key, events: events))
    }

    /// Removes the head of `direction`'s queue after its retry finished.
    ///
    /// - Precondition: `key` is that head. Anything else means the driver lost
    ///   track of which op it retried.
    public mutating func removeFirst(_ key: OpKey, _ direction: EpollDirection) {
        let head = first(direction)
        precondition(head == key, "EpollInterest: removeFirst \(key) but head of \(direction) is \(String(describing: head))")
        switch direction {
        case .read: _ = readers.popFirst()
        case .write: _ = writers.popFirst()
        }
    }

    /// Removes `key` wherever it waits (a cancel). Returns whether it waited here.
    @discardableResult
    public mutating func remove(_ key: OpKey) -> Bool {
        if readers.removeFirst(where: { $0 == key }) || writers.removeFirst(where: { $0 == key }) { return true }
        if let i = pollers.firstIndex(where: { $0.key == key }) {
            pollers.remove(at: i)
            return true
        }
        return false
    }

    /// Removes and returns every waiting op (the descriptor is being closed, or
    /// the driver is shutting down), in queue order: reads, writes, then pollers.
    public mutating func removeAll() -> [OpKey] {
        let all = readers.elements + writers.elements + pollers.map(\.key)
        readers.removeAll()
        writers.removeAll()
        pollers.removeAll(keepingCapacity: true)
        return all
    }

    /// Whether `key` waits here.
    public func contains(_ key: OpKey) -> Bool {
        readers.contains { $0 == key } || writers.contains { $0 == key } || pollers.contains { $0.key == key }
    }

    /// Removes and returns the pollers that `events` (as epoll reported them)
    /// satisfies, each with the events it gets: what it asked for that is ready,
    /// plus hang-up and error, which `poll(2)` always reports.
    public mutating func takeReadyPollers(_ events: UInt32) -> [(key: OpKey, events: UInt32)] {
        let always = EpollEvents.error | EpollEvents.hangUp
        var ready: [(key: OpKey, events: UInt32)] = []
        pollers.removeAll { p in
            let got = events & (p.events | always)
            if got == 0 { return false }
            ready.append((p.key, got))
            return true
        }
        return ready
    }

    /// The `epoll_ctl` that arms the registration for exactly the waiting ops,
    /// or `nil` when it already is. Records the new registration: the driver
    /// must issue the call, or call ``registrationFailed()`` if it fails.
    /// Nothing waiting disarms an armed registration (a cancel) but keeps it.
    public mutating func sync() -> EpollControl? {
        let want = wanted
        if want == armed { return nil }
        armed = want
        if !isRegistered {
            isRegistered = true
            return .add(want)
        }
        return .modify(want)
    }

    /// Records that epoll reported the descriptor: a one-shot registration is
    /// disarmed until the next ``sync()`` arms it again.
    public mutating func fired() {
        armed = 0
    }

    /// Records that the `add` or `modify` from ``sync()`` failed: epoll watches
    /// nothing for this descriptor now (a failed `MOD` leaves the old events, but
    /// the driver deletes them then, so the two agree).
    public mutating func registrationFailed() {
        armed = 0
        isRegistered = false
    }

    /// Records that the descriptor left the epoll set (`EPOLL_CTL_DEL`, or its
    /// close): the next wait adds it again.
    public mutating func deregistered() {
        armed = 0
        isRegistered = false
    }
}
