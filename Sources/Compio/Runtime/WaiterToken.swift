/// Names one waiter slot of a runtime: an awaited op or a sleeping timer.
///
/// The runtime hands a token to the cancellation handler before the op is
/// pushed, so the handler can name the op without knowing its driver key. The
/// generation lets a late cancel for a slot that has since been reused miss.
struct WaiterToken: Hashable, Sendable, CustomStringConvertible {
    /// Slot index in the low half, generation in the high half.
    let raw: UInt64

    init(index: UInt32, generation: UInt32) {
        raw = UInt64(generation) << 32 | UInt64(index)
    }

    /// The slot index.
    var index: Int { Int(UInt32(truncatingIfNeeded: raw)) }
    /// The slot's generation when the token was issued.
    var generation: UInt32 { UInt32(truncatingIfNeeded: raw >> 32) }

    var description: String { "w\(index)@\(generation)" }
}
