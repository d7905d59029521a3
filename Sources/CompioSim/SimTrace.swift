/// One recorded decision or event of a simulated run.
public struct SimTraceEvent: Sendable, Hashable, CustomStringConvertible {
    /// What happened.
    public enum Kind: UInt8, Sendable, Hashable {
        /// An op was pushed.
        case push = 1
        /// An op was submitted (it may now run).
        case submit
        /// An op ran and produced its result.
        case complete
        /// A completion was handed to `poll`'s caller.
        case deliver
        /// A cancel was asked for, and the outcome the seed picked.
        case cancel
        /// A fault from the plan fired.
        case fault
        /// The virtual clock moved.
        case clock
        /// A network event: a segment, a handshake step, a drop, a partition.
        case network
        /// A descriptor was opened or closed in the world.
        case descriptor
        /// A checker found a violation.
        case violation
        /// A poll call and how many completions it returned.
        case poll
        /// A foreign notification, or a poll that had nothing to wait for.
        case wake
    }

    /// Virtual time, in nanoseconds.
    public var time: Int64
    /// What happened.
    public var kind: Kind
    /// The op's key (raw), or 0 when no op is involved.
    public var key: UInt64
    /// The op's name, or a short subject.
    public var name: String
    /// A result: a count, `-errno`, or an event-specific number.
    public var value: Int64
    /// Free-form detail (outcome, fd, addresses).
    public var detail: String

    /// An event from its fields.
    public init(time: Int64, kind: Kind, key: UInt64, name: String, value: Int64, detail: String) {
        self.time = time
        self.kind = kind
        self.key = key
        self.name = name
        self.value = value
        self.detail = detail
    }

    /// `time kind name key value detail`.
    public var description: String {
        "t=\(time)ns \(kind) \(name) key=\(key) value=\(value)\(detail.isEmpty ? "" : " \(detail)")"
    }
}

/// The trace of a simulated run: every event, plus a rolling hash over them.
///
/// The hash is FNV-1a over each event's fields in a fixed byte layout. It never
/// uses Swift's `Hasher`, which is seeded per process, so the same run gives the
/// same hash in every process and on every machine.
public struct SimTrace: Sendable {
    /// The events, in order.
    public private(set) var events: [SimTraceEvent] = []
    /// The rolling hash after the last event.
    public private(set) var hash: UInt64 = SimTrace.fnvOffset
    /// Whether events are kept (the hash is always kept). Off makes long sweeps cheaper.
    public var keepsEvents: Bool
    /// Number of events recorded (kept or not).
    public private(set) var count = 0

    static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325
    static let fnvPrime: UInt64 = 0x0000_0100_0000_01B3

    /// An empty trace.
    public init(keepsEvents: Bool = true) { self.keepsEvents = keepsEvents }

    /// Records `event` and folds it into the hash.
    public mutating func record(_ event: SimTraceEvent) {
        var h = hash
        func mix(_ value: UInt64) {
            for shift in stride(from: 0, to: 64, by: 8) {
                h = (h ^ (value >> UInt64(shift) & 0xFF)) &* SimTrace.fnvPrime
            }
        }
        mix(UInt64(bitPattern: event.time))
        mix(UInt64(event.kind.rawValue))
        mix(event.key)
        mix(UInt64(bitPattern: event.value))
        for byte in event.name.utf8 { h = (h ^ UInt64(byte)) &* SimTrace.fnvPrime }
        mix(0xFF)
        for byte in event.detail.utf8 { h = (h ^ UInt64(byte)) &* SimTrace.fnvPrime }
        hash = h
        count += 1
        if keepsEvents { events.append(event) }
    }

    /// The index of the first event where `self` and `other` differ, or `nil` if
    /// they are identical (same events, same hash).
    public func firstDivergence(from other: SimTrace) -> Int? {
        let n = min(events.count, other.events.count)
        for i in 0..<n where events[i] != other.events[i] { return i }
        if events.count != other.events.count { return n }
        return hash == other.hash ? nil : n
    }
}
