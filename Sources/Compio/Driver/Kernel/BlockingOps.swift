import CLinux
import Glibc
import SystemPackage

/// Every op as its blocking syscall.
///
/// The thread pool runs this for ops a driver cannot do asynchronously (file and
/// metadata ops under epoll, opcodes the running kernel's io_uring lacks), and
/// the epoll driver calls it on the driver thread for its eager attempt at a
/// socket op on a non-blocking socket. Both uses need the same rules: `EINTR`
/// is retried (never for `close`), `EAGAIN` and `EINPROGRESS` are returned as
/// errors, and descriptors an op creates come back owned, so nobody can drop
/// one on the floor.
public enum BlockingOps {
    /// Runs `op` to completion on the calling thread.
    ///
    /// - Parameters:
    ///   - op: the op; its buffers must stay valid until this returns.
    ///   - socketFlags: extra type flags for the descriptors `socket` and
    ///     `accept` create (the epoll driver passes `SOCK_NONBLOCK`).
    ///     `SOCK_CLOEXEC` is always added.
    /// - Returns: the op's result (a byte count, a new descriptor's number, the
    ///   ready events of `pollOnce`, or `0`), and the descriptor `openAt`,
    ///   `socket` or `accept` created, owned and closed on drop unless taken.
    public static func execute(_ op: Op, socketFlags: Int32 = 0) -> (Result<Int, IOError>, OwnedDescriptor?) {
        // No `default`: a new op must fail to compile here until it has a syscall.
        switch op {
        case .nop:
            return (.success(0), nil)
        case .read(let fd, let buffer):
            return (transfer(buffer.count) { Glibc.read(fd, buffer.base, buffer.count) }, nil)
        case .readAt(let fd, let buffer, let offset):
            return (transfer(buffer.count) { pread(fd, buffer.base, buffer.count, off_t(offset)) }, nil)
        case .write(let fd, let buffer):
            return (transfer(buffer.count) { Glibc.write(fd, buffer.base, buffer.count) }, nil)
        case .writeAt(let fd, let buffer, let offset):
            return (transfer(buffer.count) { pwrite(fd, buffer.base, buffer.count, off_t(offset)) }, nil)
        case .readVectored(let fd, let buffers):
            return (transfer(buffers.totalCount) { readv(fd, buffers.iovecs, Int32(buffers.count)) }, nil)
        case .readVectoredAt(let fd, let buffers, let offset):
            return (transfer(buffers.totalCount) { preadv(fd, buffers.iovecs, Int32(buffers.count), off_t(offset)) }, nil)
        case .writeVectored(let fd, let buffers):
            return (transfer(buffers.totalCount) { writev(fd, buffers.iovecs, Int32(buffers.count)) }, nil)
        case .writeVectoredAt(let fd, let buffers, let offset):
            return (transfer(buffers.totalCount) { pwritev(fd, buffers.iovecs, Int32(buffers.count), off_t(offset)) }, nil)
        case .sync(let fd, let dataOnly):
            return (Syscall.retrying { dataOnly ? fdatasync(fd) : fsync(fd) }, nil)
        case .openAt(let directory, let path, let flags, let mode):
            return owned(Syscall.retrying { openat(directory, path.cString, flags | O_CLOEXEC, mode) })
        case .close(let fd):
            return (close(fd), nil)
        case .metadata(let fd, let buffer):
            let result = Syscall.retrying {
                clinux_statx(fd, "", CLINUX_AT_EMPTY_PATH, CLINUX_STATX_BASIC_STATS, buffer.raw)
            }
            return (result, nil)
        case .metadataAt(let directory, let path, let followSymlinks, let buffer):
            let flags = followSymlinks ? 0 : CLINUX_AT_SYMLINK_NOFOLLOW
            let result = Syscall.retrying {
                clinux_statx(directory, path.cString, flags, CLINUX_STATX_BASIC_STATS, buffer.raw)
            }
            return (result, nil)
        case .unlinkAt(let directory, let path, let removeDirectory):
            let flags = removeDirectory ? CLINUX_AT_REMOVEDIR : 0
            return (Syscall.retrying { unlinkat(directory, path.cString, flags) }, nil)
        case .makeDirectoryAt(let directory, let path, let mode):
            return (Syscall.retrying { mkdirat(directory, path.cString, mode) }, nil)
        case .renameAt(let fromDirectory, let from, let toDirectory, let to):
            return (Syscall.retrying { renameat(fromDirectory, from.cString, toDirectory, to.cString) }, nil)
        case .symlinkAt(let target, let directory, let link):
            return (Syscall.retrying { symlinkat(target.cString, directory, link.cString) }, nil)
        case .linkAt(let fromDirectory, let from, let toDirectory, let to):
            return (Syscall.retrying { linkat(fromDirectory, from.cString, toDirectory, to.cString, 0) }, nil)
        case .truncate(let fd, let length):
            return (Syscall.retrying { ftruncate(fd, off_t(length)) }, nil)
        case .socket(let domain, let type, let proto):
            let flags = type | Int32(SOCK_CLOEXEC.rawValue) | socketFlags
            return owned(Syscall.retrying { Glibc.socket(domain, flags, proto) })
        case .bind(let fd, let address):
            return (Syscall.retrying { Glibc.bind(fd, address.sockaddrPointer, address.length.pointee) }, nil)
        case .listen(let fd, let backlog):
            return (Syscall.retrying { Glibc.listen(fd, backlog) }, nil)
        case .accept(let fd, let peer):
            peer?.resetForReceive()
            let flags = Int32(SOCK_CLOEXEC.rawValue) | socketFlags
            let address: UnsafeMutablePointer<sockaddr>? = peer?.sockaddrPointer
            let length: UnsafeMutablePointer<socklen_t>? = peer?.length
            return owned(Syscall.retrying { CLinux.accept4(fd, address, length, flags) })
        case .connect(let fd, let address):
            return (connect(fd, address), nil)
        case .send(let fd, let buffer, let flags):
            return (transfer(buffer.count) { Glibc.send(fd, buffer.base, buffer.count, flags | noSignal) }, nil)
        case .recv(let fd, let buffer, let flags):
            return (transfer(buffer.count) { Glibc.recv(fd, buffer.base, buffer.count, flags) }, nil)
        case .sendTo(let fd, let buffer, let flags, let address):
            let result = transfer(buffer.count) {
                sendto(fd, buffer.base, buffer.count, flags | noSignal, address.sockaddrPointer, address.length.pointee)
            }
            return (result, nil)
        case .recvFrom(let fd, let buffer, let flags, let address):
            address.resetForReceive()
            let result = transfer(buffer.count) {
                recvfrom(fd, buffer.base, buffer.count, flags, address.sockaddrPointer, address.length)
            }
            return (result, nil)
        case .sendMessage(let fd, let message, let flags):
            message.reset()
            return (transfer(message.buffers.totalCount) { sendmsg(fd, message.header, flags | noSignal) }, nil)
        case .recvMessage(let fd, let message, let flags):
            // `reset` copies the address length into the header, so it must be the full capacity.
            message.address?.resetForReceive()
            message.reset()
            let result = transfer(message.buffers.totalCount) { recvmsg(fd, message.header, flags) }
            if case .success = result { message.syncReceivedAddress() }
            return (result, nil)
        case .getSocketOption(let fd, let level, let name, let value):
            var length = socklen_t(value.count)
            return (Syscall.retrying { getsockopt(fd, level, name, value.base, &length) }.map { _ in Int(length) }, nil)
        case .setSocketOption(let fd, let level, let name, let value):
            return (Syscall.retrying { setsockopt(fd, level, name, value.base, socklen_t(value.count)) }, nil)
        case .socketAddress(let fd, let into, let peer):
            into.resetForReceive()
            return (Syscall.retrying {
                peer ? getpeername(fd, into.sockaddrPointer, into.length) : getsockname(fd, into.sockaddrPointer, into.length)
            }, nil)
        case .shutdown(let fd, let how):
            return (Syscall.retrying { Glibc.shutdown(fd, how) }, nil)
        case .pollOnce(let fd, let events):
            return (poll(fd, events: Int16(truncatingIfNeeded: events)), nil)
        case .asyncify(let work):
            return (work.body(), nil)
        }
    }

    /// The error pending on socket `fd` (`SO_ERROR`), which also clears it: `0`
    /// when a non-blocking `connect` succeeded, its errno when it failed.
    /// Returns the errno of `getsockopt` itself if that fails (`EBADF`, `ENOTSOCK`).
    public static func pendingSocketError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        let result = Syscall.retrying { getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) }
        if case .failure(.errno(let code)) = result { return code.rawValue }
        return error
    }

    /// Sends never raise `SIGPIPE`: a closed peer is an `EPIPE` result, not a dead process.
    private static let noSignal = clinux_msg_nosignal()

    /// A read or write of `count` bytes: refused before the syscall when one op
    /// cannot take that many.
    @inline(__always)
    private static func transfer(_ count: Int, _ call: () -> Int) -> Result<Int, IOError> {
        if let refusal = Syscall.checkSize(count) { return .failure(refusal) }
        return Syscall.retrying(call)
    }

    /// Wraps a descriptor-creating call's result in an ``OwnedDescriptor``, so
    /// the descriptor is closed if nobody claims it.
    private static func owned(_ result: Result<Int, IOError>) -> (Result<Int, IOError>, OwnedDescriptor?) {
        guard case .success(let fd) = result else { return (result, nil) }
        return (result, OwnedDescriptor(Int32(fd), closer: KernelDescriptorCloser.shared))
    }

    /// `close(2)`, made once. Linux releases the number before it can report
    /// `EINTR`, so a retry could close a number another thread just got; and as
    /// the descriptor is gone either way, `EINTR` is reported as success.
    private static func close(_ fd: Int32) -> Result<Int, IOError> {
        let result = Syscall.once { Glibc.close(fd) }
        if case .failure(.errno(.interrupted)) = result { return .success(0) }
        return result
    }

    /// `connect(2)`. After `EINTR` the connection attempt goes on in the
    /// background and a second `connect` would fail with `EALREADY`, so the
    /// outcome is waited for instead (only a blocking socket can get `EINTR`).
    private static func connect(_ fd: Int32, _ address: SocketAddressBuffer) -> Result<Int, IOError> {
        let result = Syscall.once { Glibc.connect(fd, address.sockaddrPointer, address.length.pointee) }
        guard case .failure(.errno(.interrupted)) = result else { return result }
        if case .failure(let error) = poll(fd, events: Int16(POLLOUT)) { return .failure(error) }
        let pending = pendingSocketError(fd)
        return pending == 0 ? .success(0) : .failure(.code(pending))
    }

    /// `poll(2)` on one descriptor with no timeout; the result is the ready events.
    ///
    /// A bad descriptor is `EBADF`, as io_uring's poll reports it, not a result:
    /// `poll` answers `POLLNVAL` for a closed one and ignores a negative one
    /// altogether, which with no timeout would wait forever.
    private static func poll(_ fd: Int32, events: Int16) -> Result<Int, IOError> {
        if fd < 0 { return .failure(.errno(.badFileDescriptor)) }
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let result = Syscall.retrying { Glibc.poll(&entry, 1, -1) }
        if case .success = result, entry.revents & Int16(POLLNVAL) != 0 { return .failure(.errno(.badFileDescriptor)) }
        return result.map { _ in Int(UInt16(bitPattern: entry.revents)) }
    }
}
