import Glibc

/// The `msghdr` of a `sendmsg`/`recvmsg` op and everything it points at,
/// at stable addresses.
public final class MessageBuffer: @unchecked Sendable {
    /// The header the kernel reads (and, for `recvmsg`, updates).
    public let header: UnsafeMutablePointer<msghdr>
    /// The data buffers.
    public let buffers: OpBufferVector
    /// The peer address: the destination for `sendmsg`, the source for `recvmsg`.
    public let address: SocketAddressBuffer?
    /// Ancillary data: sent as is, or filled by `recvmsg`.
    public let control: OpBuffer

    /// Describes a message over `buffers`, with an optional address and control buffer.
    public init(buffers: OpBufferVector, address: SocketAddressBuffer? = nil, control: OpBuffer = .empty) {
        self.buffers = buffers
        self.address = address
        self.control = control
        header = .allocate(capacity: 1)
        header.initialize(to: msghdr())
        reset()
    }

    deinit { header.deallocate() }

    /// Points the header at the buffers again, with full lengths, ready for an op.
    public func reset() {
        header.pointee.msg_iov = buffers.iovecs
        header.pointee.msg_iovlen = buffers.count
        if let address {
            header.pointee.msg_name = UnsafeMutableRawPointer(address.storage)
            header.pointee.msg_namelen = address.length.pointee
        } else {
            header.pointee.msg_name = nil
            header.pointee.msg_namelen = 0
        }
        header.pointee.msg_control = control.base
        header.pointee.msg_controllen = control.count
        header.pointee.msg_flags = 0
    }

    /// After `recvmsg`: bytes of ancillary data received.
    public var receivedControlLength: Int { header.pointee.msg_controllen }
    /// After `recvmsg`: the `msg_flags` the kernel set (`MSG_TRUNC`, `MSG_CTRUNC`, …).
    public var receivedFlags: Int32 { header.pointee.msg_flags }
    /// After `recvmsg`: the source address length; also written back into ``address``.
    public func syncReceivedAddress() {
        if let address { address.length.pointee = header.pointee.msg_namelen }
    }
}
