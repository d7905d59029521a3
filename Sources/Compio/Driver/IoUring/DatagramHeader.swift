#if IOUring
import Glibc

/// The `msghdr` and `iovec` through which the io_uring driver runs `sendTo` and
/// `recvFrom` as `sendmsg`/`recvmsg` (works on every kernel with those opcodes,
/// unlike `IORING_OP_SEND` with an address, which needs 6.0).
///
/// The driver keeps it with the op until the op's completion, so the kernel
/// never reads or writes freed memory.
final class DatagramHeader {
    let header: UnsafeMutablePointer<msghdr>
    private let vector: UnsafeMutablePointer<iovec>

    /// A header over `buffer`, naming `address` as the destination (`receiving`
    /// false) or as where the source lands (`receiving` true).
    init(buffer: OpBuffer, address: SocketAddressBuffer, receiving: Bool) {
        vector = .allocate(capacity: 1)
        vector.initialize(to: iovec(iov_base: buffer.base, iov_len: buffer.count))
        header = .allocate(capacity: 1)
        header.initialize(to: msghdr())
        if receiving { address.resetForReceive() }
        header.pointee.msg_name = UnsafeMutableRawPointer(address.storage)
        header.pointee.msg_namelen = address.length.pointee
        header.pointee.msg_iov = vector
        header.pointee.msg_iovlen = 1
    }

    deinit {
        header.deallocate()
        vector.deallocate()
    }

    /// After `recvmsg`: the source address's length.
    var receivedAddressLength: socklen_t { header.pointee.msg_namelen }
}
#endif
