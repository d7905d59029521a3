/// Memory an op reads from or writes into, together with whatever keeps it alive.
///
/// The driver never frees or copies the memory. It keeps `owner` alive from push
/// until the op's ``Completion`` is taken, so an owner's `deinit` can never run
/// while the kernel may still touch the bytes (invariant 1 of DESIGN.md). A
/// buffer without an owner is kept alive by its caller: the runtime passes
/// owner-less buffers for `~Copyable` values held in the awaiting task's frame,
/// which cannot be destroyed before the op completes.
///
/// For a read, `count` is the capacity the kernel may fill; for a write, the
/// number of bytes to write.
public struct OpBuffer: @unchecked Sendable {
    /// Start of the memory; may be `nil` only when `count` is zero.
    public let base: UnsafeMutableRawPointer?
    /// Number of bytes at `base` the op may use.
    public let count: Int
    /// Keeps the memory alive while the op is in flight.
    public let owner: AnyObject?

    /// Describes `count` bytes at `base`, kept alive by `owner`.
    public init(base: UnsafeMutableRawPointer?, count: Int, owner: AnyObject?) {
        precondition(count >= 0, "OpBuffer: negative count \(count)")
        precondition(base != nil || count == 0, "OpBuffer: nil base with count \(count)")
        self.base = base
        self.count = count
        self.owner = owner
    }

    /// The whole of `buffer`, kept alive by it.
    public init(_ buffer: IOBuffer) {
        self.init(base: buffer.base, count: buffer.capacity, owner: buffer)
    }

    /// The first `count` bytes of `buffer`, kept alive by it.
    public init(_ buffer: IOBuffer, count: Int) {
        precondition(count <= buffer.capacity, "OpBuffer: \(count) bytes exceeds capacity \(buffer.capacity)")
        self.init(base: buffer.base, count: count, owner: buffer)
    }

    /// An empty buffer.
    public static var empty: OpBuffer { OpBuffer(base: nil, count: 0, owner: nil) }
}
