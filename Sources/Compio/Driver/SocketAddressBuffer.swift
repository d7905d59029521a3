import Glibc

/// A socket address at a stable address, for ops that pass one to the kernel
/// (`bind`, `connect`, `sendto`) or receive one from it (`accept`, `recvfrom`).
public final class SocketAddressBuffer: @unchecked Sendable {
    /// The storage, large enough for any address family.
    public let storage: UnsafeMutablePointer<sockaddr_storage>
    /// Bytes of `storage` in use. The kernel updates it when it returns an address.
    public let length: UnsafeMutablePointer<socklen_t>

    /// An empty buffer, to receive an address.
    public init() {
        storage = .allocate(capacity: 1)
        storage.initialize(to: sockaddr_storage())
        length = .allocate(capacity: 1)
        length.initialize(to: socklen_t(MemoryLayout<sockaddr_storage>.size))
    }

    /// A buffer holding a copy of `length` bytes of the address at `address`.
    public convenience init(copying address: UnsafeRawPointer, length: Int) {
        precondition(length <= MemoryLayout<sockaddr_storage>.size, "SocketAddressBuffer: address of \(length) bytes is too long")
        self.init()
        UnsafeMutableRawPointer(storage).copyMemory(from: address, byteCount: length)
        self.length.pointee = socklen_t(length)
    }

    deinit {
        storage.deallocate()
        length.deallocate()
    }

    /// The address family (`AF_INET`, `AF_INET6`, `AF_UNIX`, …).
    public var family: Int32 { Int32(storage.pointee.ss_family) }

    /// Makes the buffer ready to receive a new address.
    public func resetForReceive() {
        length.pointee = socklen_t(MemoryLayout<sockaddr_storage>.size)
    }

    /// A raw pointer to the address, as `sockaddr`.
    public var sockaddrPointer: UnsafeMutablePointer<sockaddr> {
        UnsafeMutableRawPointer(storage).assumingMemoryBound(to: sockaddr.self)
    }
}
