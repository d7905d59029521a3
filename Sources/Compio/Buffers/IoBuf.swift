/// Memory an op may read from: a stable base address and the number of bytes
/// that hold data.
///
/// Conforming types may be `~Copyable`; an op consumes the buffer and hands it
/// back in a ``BufResult``, so nobody else can touch the bytes while the kernel
/// reads them. The base address must stay the same for the value's whole life,
/// including across moves: the memory lives on the heap, not inline.
public protocol IoBuf: ~Copyable {
    /// Start of the bytes; `nil` only when the buffer has no memory.
    var ioBase: UnsafeRawPointer? { get }
    /// Number of leading bytes that hold data: what a write sends.
    var ioInitialized: Int { get }
}

/// Memory an op may write into: ``IoBuf`` plus a capacity and a way for the op
/// to say how many bytes it filled.
public protocol IoBufMut: IoBuf, ~Copyable {
    /// Start of the memory the op may fill.
    var ioMutableBase: UnsafeMutableRawPointer? { get }
    /// Bytes of memory at ``ioMutableBase``.
    var ioCapacity: Int { get }
    /// Records that the first `count` bytes hold data (after a read).
    ///
    /// - Precondition: `0 <= count <= ioCapacity`.
    mutating func setInitialized(_ count: Int)
}

extension IoBuf where Self: ~Copyable {
    /// The data as an ``OpBuffer`` for a write, kept alive by the caller.
    @inlinable
    public var opBufferForWrite: OpBuffer {
        OpBuffer(base: UnsafeMutableRawPointer(mutating: ioBase), count: ioInitialized, owner: nil)
    }

    /// Calls `body` with the bytes that hold data.
    public func withInitializedBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: ioBase, count: ioInitialized))
    }

    /// A copy of the bytes that hold data.
    public var initializedBytes: [UInt8] {
        withInitializedBytes { Array($0) }
    }
}

extension IoBufMut where Self: ~Copyable {
    /// The spare capacity as an ``OpBuffer`` for a read, kept alive by the caller.
    /// A read into it fills from byte 0: callers reset ``IoBuf/ioInitialized`` from the result.
    @inlinable
    public var opBufferForRead: OpBuffer {
        OpBuffer(base: ioMutableBase, count: ioCapacity, owner: nil)
    }
}
