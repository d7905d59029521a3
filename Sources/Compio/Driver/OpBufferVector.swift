import Glibc

/// Several buffers for one vectored op (`readv`, `writev`, `sendmsg`, `recvmsg`).
///
/// It owns the `iovec` array the kernel reads, at a stable address, so the array
/// outlives the op however late the kernel looks at it.
public final class OpBufferVector: @unchecked Sendable {
    /// The buffers, in order.
    public let buffers: [OpBuffer]
    /// The `iovec` array describing `buffers`, for the kernel.
    public let iovecs: UnsafeMutablePointer<iovec>

    /// Upper bound on the number of buffers, as Linux limits `iovcnt` (`IOV_MAX`).
    public static let maximumCount = 1024

    /// Describes `buffers` for a vectored op.
    ///
    /// - Precondition: `buffers.count <= OpBufferVector.maximumCount`.
    public init(_ buffers: [OpBuffer]) {
        precondition(buffers.count <= Self.maximumCount, "OpBufferVector: \(buffers.count) buffers exceeds IOV_MAX")
        self.buffers = buffers
        self.iovecs = .allocate(capacity: max(buffers.count, 1))
        for (i, b) in buffers.enumerated() {
            iovecs[i] = iovec(iov_base: b.base, iov_len: b.count)
        }
    }

    deinit { iovecs.deallocate() }

    /// Number of buffers.
    public var count: Int { buffers.count }
    /// Sum of the buffers' sizes.
    public var totalCount: Int { buffers.reduce(0) { $0 + $1.count } }
}
