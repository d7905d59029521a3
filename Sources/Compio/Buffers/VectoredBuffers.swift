/// Several ``IOBuffer``s used as one, for a vectored read (`readv`) or write
/// (`writev`).
///
/// A vectored read fills the buffers in order, each from its start, and sets
/// each one's data length (``setInitialized(afterReading:)``); a vectored write
/// sends each buffer's data in order. The buffers are classes, so the vector
/// is a cheap value and the op keeps every buffer alive while it runs.
public struct IOBufferVector: Sendable {
    /// The buffers, in order.
    public var buffers: [IOBuffer]

    /// The most buffers one op takes (Linux's `IOV_MAX`). Ops on longer
    /// vectors fail with ``IOError/invalidArgument(_:)``.
    public static var maximumCount: Int { OpBufferVector.maximumCount }

    /// A vector of `buffers`.
    public init(_ buffers: [IOBuffer]) {
        self.buffers = buffers
    }

    /// Number of buffers.
    public var count: Int { buffers.count }

    /// Sum of the buffers' capacities: the most one read can fill.
    public var totalCapacity: Int { buffers.reduce(0) { $0 + $1.capacity } }

    /// Sum of the buffers' data lengths: what one write sends at most.
    public var totalInitialized: Int { buffers.reduce(0) { $0 + $1.initialized } }

    /// The data of every buffer, concatenated.
    public var bytes: [UInt8] { buffers.flatMap(\.bytes) }

    /// The buffers' whole memory, for a vectored read. Each ``OpBuffer`` keeps
    /// its buffer alive.
    ///
    /// Throws ``IOError/invalidArgument(_:)`` past ``maximumCount`` buffers.
    public func opBufferVectorForRead() throws(IOError) -> OpBufferVector {
        try checkCount()
        return OpBufferVector(buffers.map { OpBuffer($0) })
    }

    /// The buffers' data, for a vectored write. Each ``OpBuffer`` keeps its
    /// buffer alive.
    ///
    /// Throws ``IOError/invalidArgument(_:)`` past ``maximumCount`` buffers.
    public func opBufferVectorForWrite() throws(IOError) -> OpBufferVector {
        try checkCount()
        return OpBufferVector(buffers.map { OpBuffer($0, count: $0.initialized) })
    }

    /// Records a vectored read of `count` bytes: the buffers fill in order,
    /// so each one before the last touched is full and those after it empty.
    ///
    /// - Precondition: `0 <= count <= totalCapacity`.
    public func setInitialized(afterReading count: Int) {
        precondition(count >= 0 && count <= totalCapacity, "IOBufferVector: \(count) bytes read into \(totalCapacity)")
        var left = count
        for buffer in buffers {
            let n = min(left, buffer.capacity)
            buffer.initialized = n
            left -= n
        }
    }

    private func checkCount() throws(IOError) {
        guard buffers.count <= Self.maximumCount else {
            throw .invalidArgument("\(buffers.count) buffers in one vectored op; at most \(Self.maximumCount)")
        }
    }
}
