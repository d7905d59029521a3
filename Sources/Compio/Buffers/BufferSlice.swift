/// An owned sub-range of a buffer: ops see only `range`, and the whole buffer
/// comes back with ``into()``.
///
/// For a read, the range is where the kernel may write; for a write, the range
/// clipped to the buffer's data is what is sent.
public struct BufferSlice<Base: IoBufMut & ~Copyable>: ~Copyable {
    /// The buffer.
    public var base: Base
    /// The bytes of `base` the slice covers.
    public let range: Range<Int>
    /// Bytes of the range that hold data, counted from the range's start.
    public private(set) var count: Int

    /// A slice of `base` over `range`.
    ///
    /// - Precondition: `range` lies within the buffer's capacity.
    public init(_ base: consuming Base, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= base.ioCapacity,
                     "BufferSlice: \(range) out of 0..<\(base.ioCapacity)")
        count = max(0, min(base.ioInitialized, range.upperBound) - range.lowerBound)
        self.base = base
        self.range = range
    }

    /// Gives the buffer back.
    public consuming func into() -> Base { base }
}

extension BufferSlice: IoBuf where Base: ~Copyable {
    /// ``IoBuf`` conformance.
    public var ioBase: UnsafeRawPointer? { base.ioBase.map { $0 + range.lowerBound } }
    /// ``IoBuf`` conformance.
    public var ioInitialized: Int { count }
}

extension BufferSlice: IoBufMut where Base: ~Copyable {
    /// ``IoBufMut`` conformance.
    public var ioMutableBase: UnsafeMutableRawPointer? { base.ioMutableBase.map { $0 + range.lowerBound } }
    /// ``IoBufMut`` conformance.
    public var ioCapacity: Int { range.count }

    /// Records data in the slice; the base buffer's data then reaches to the
    /// end of it, as a read into the slice would leave it.
    public mutating func setInitialized(_ count: Int) {
        precondition(count >= 0 && count <= range.count, "BufferSlice: \(count) bytes out of 0...\(range.count)")
        self.count = count
        base.setInitialized(max(base.ioInitialized, range.lowerBound + count))
    }
}
