/// Names one pushed op until its completion is taken.
///
/// A key packs a slot index and a generation, so a late ``Driver/cancel(_:)``
/// for an op whose slot was already reused is recognised and ignored.
public struct OpKey: Hashable, Sendable, CustomStringConvertible {
    /// The packed value; kernel drivers pass it to the kernel as `user_data`.
    public let raw: UInt64

    /// A key from its packed value.
    public init(raw: UInt64) { self.raw = raw }

    /// A key from a slot index and a generation.
    public init(index: UInt32, generation: UInt32) {
        raw = UInt64(generation) << 32 | UInt64(index)
    }

    /// The slot index.
    public var index: UInt32 { UInt32(truncatingIfNeeded: raw) }
    /// The slot's generation when the key was issued.
    public var generation: UInt32 { UInt32(truncatingIfNeeded: raw >> 32) }

    /// The key of a completion that came back from ``Driver/push(_:)`` as ready:
    /// the op was never pending, so no key was issued.
    public static let immediate = OpKey(raw: .max)

    /// `index@generation`.
    public var description: String { self == .immediate ? "immediate" : "\(index)@\(generation)" }
}
