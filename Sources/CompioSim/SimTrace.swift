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
        /// An eager push: submitted what was staged and ran what was due,
        /// without advancing time (value: ops submitted), or deferred (value -1).
        case eager
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
    /// The detail as recorded; its text is built only when read.
    public var payload: SimTraceDetail

    /// Free-form detail (outcome, fd, addresses).
    public var detail: String {
        get { payload.text }
        set { payload = .text(newValue) }
    }

    /// An event from its fields.
    public init(time: Int64, kind: Kind, key: UInt64, name: String, value: Int64, detail: String) {
        self.init(time: time, kind: kind, key: key, name: name, value: value, payload: .text(detail))
    }

    /// An event whose detail is kept unformatted until read.
    public init(time: Int64, kind: Kind, key: UInt64, name: String, value: Int64, payload: SimTraceDetail) {
        self.time = time
        self.kind = kind
        self.key = key
        self.name = name
        self.value = value
        self.payload = payload
    }

    /// Events are equal when their fields and their detail's text are.
    public static func == (a: SimTraceEvent, b: SimTraceEvent) -> Bool {
        a.time == b.time && a.kind == b.kind && a.key == b.key && a.value == b.value && a.name == b.name && a.detail == b.detail
    }

    /// Hashes the fields and the detail's text (consistent with `==`).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(time)
        hasher.combine(kind)
        hasher.combine(key)
        hasher.combine(name)
        hasher.combine(value)
        hasher.combine(detail)
    }

    /// `time kind name key value detail`.
    public var description: String {
        "t=\(time)ns \(kind) \(name) key=\(key) value=\(value)\(detail.isEmpty ? "" : " \(detail)")"
    }
}

/// The trace of a simulated run: every event, plus a rolling hash over them.
///
/// The hash is FNV-1a taken a 64-bit word at a time (`h = (h ^ w) * prime`)
/// over each event's fields in a fixed layout: the name as one word, its own
/// digest (the same hash over its bytes, from the offset); other strings as
/// their UTF-8 bytes in little-endian words, the last one carrying the length;
/// a detail by its case and its fields, never its formatted text. Each step is a bijection of the
/// state, so two traces that differ in one word always hash differently. It
/// never uses Swift's `Hasher`, which is seeded per process, so the same run
/// gives the same hash in every process and on every machine.
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
        fold(time: event.time, kind: event.kind, key: event.key, name: SimTraceName(event.name).digest, value: event.value, payload: event.payload)
        if keepsEvents { events.append(event) }
    }

    /// Records an event from its fields; builds the event only if events are kept.
    @inline(__always)
    mutating func record(time: Int64, kind: SimTraceEvent.Kind, key: UInt64, name: SimTraceName, value: Int64, payload: SimTraceDetail) {
        fold(time: time, kind: kind, key: key, name: name.digest, value: value, payload: payload)
        if keepsEvents { events.append(SimTraceEvent(time: time, kind: kind, key: key, name: name.text, value: value, payload: payload)) }
    }

    @inline(__always)
    private mutating func fold(time: Int64, kind: SimTraceEvent.Kind, key: UInt64, name: UInt64, value: Int64, payload: SimTraceDetail) {
        var h = SimTraceHasher(state: hash)
        h.word(UInt64(bitPattern: time))
        h.word(UInt64(kind.rawValue))
        h.word(key)
        h.word(UInt64(bitPattern: value))
        h.word(name)
        payload.hash(into: &h)
        hash = h.state
        count += 1
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

/// FNV-1a a 64-bit word at a time, over the trace's fixed layout.
struct SimTraceHasher {
    var state: UInt64

    @inline(__always)
    mutating func word(_ value: UInt64) { state = (state ^ value) &* SimTrace.fnvPrime }

    /// The UTF-8 bytes of `text` as little-endian words; the last word holds
    /// the remaining 0 to 7 bytes and, in its top byte, the length (mod 256),
    /// so that "ab" then "c" differs from "a" then "bc".
    mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            let n = bytes.count
            var i = 0
            if let base = bytes.baseAddress {
                while i + 8 <= n {
                    word(UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)))
                    i += 8
                }
            }
            var last = UInt64(truncatingIfNeeded: n) << 56
            var shift: UInt64 = 0
            while i < n {
                last |= UInt64(bytes[i]) << shift
                shift += 8
                i += 1
            }
            word(last)
        }
    }
}
