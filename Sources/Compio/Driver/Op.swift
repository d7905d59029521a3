import SystemPackage

/// One I/O operation: what to do, on which descriptor, with which memory.
///
/// This is the closed set every ``Driver`` handles. Drivers switch over it
/// exhaustively and without a `default`, so adding a case fails to compile until
/// every driver handles it. Anything outside the set runs through
/// ``Op/asyncify(_:)`` on the thread pool.
///
/// An op owns what its payload references (``OpBuffer`` owners and the helper
/// objects such as ``SocketAddressBuffer``) from ``Driver/push(_:)`` until its
/// ``Completion`` is taken, and hands them back inside the completion.
/// Descriptor numbers are plain `Int32`s at this layer; keeping the descriptor
/// itself open while the op runs is the caller's job (the shared descriptor of
/// the user-facing API does it).
public enum Op: @unchecked Sendable {
    /// Does nothing; completes with `0`. The round trip through the driver is the point.
    case nop
    /// `read(2)` at the descriptor's current position into `buffer`.
    case read(fd: Int32, buffer: OpBuffer)
    /// `pread(2)`: reads into `buffer` at `offset`.
    case readAt(fd: Int32, buffer: OpBuffer, offset: Int64)
    /// `write(2)` of `buffer` at the descriptor's current position.
    case write(fd: Int32, buffer: OpBuffer)
    /// `pwrite(2)`: writes `buffer` at `offset`.
    case writeAt(fd: Int32, buffer: OpBuffer, offset: Int64)
    /// `readv(2)` into several buffers.
    case readVectored(fd: Int32, buffers: OpBufferVector)
    /// `preadv(2)` into several buffers at `offset`.
    case readVectoredAt(fd: Int32, buffers: OpBufferVector, offset: Int64)
    /// `writev(2)` of several buffers.
    case writeVectored(fd: Int32, buffers: OpBufferVector)
    /// `pwritev(2)` of several buffers at `offset`.
    case writeVectoredAt(fd: Int32, buffers: OpBufferVector, offset: Int64)
    /// `fsync(2)`, or `fdatasync(2)` when `dataOnly` is true.
    case sync(fd: Int32, dataOnly: Bool)
    /// `openat(2)`. Completes with a new descriptor, owned by the completion.
    case openAt(directory: Int32, path: OpPath, flags: Int32, mode: UInt32)
    /// `close(2)`.
    case close(fd: Int32)
    /// `statx(2)` of an open descriptor.
    case metadata(fd: Int32, into: MetadataBuffer)
    /// `statx(2)` of a path relative to `directory`.
    case metadataAt(directory: Int32, path: OpPath, followSymlinks: Bool, into: MetadataBuffer)
    /// `unlinkat(2)`; removes a directory when `directory` is true.
    case unlinkAt(directory: Int32, path: OpPath, removeDirectory: Bool)
    /// `mkdirat(2)`.
    case makeDirectoryAt(directory: Int32, path: OpPath, mode: UInt32)
    /// `renameat(2)`.
    case renameAt(fromDirectory: Int32, from: OpPath, toDirectory: Int32, to: OpPath)
    /// `symlinkat(2)`: creates `link` (relative to `directory`) pointing at `target`.
    case symlinkAt(target: OpPath, directory: Int32, link: OpPath)
    /// `linkat(2)`: a hard link `to` for the existing `from`.
    case linkAt(fromDirectory: Int32, from: OpPath, toDirectory: Int32, to: OpPath)
    /// `ftruncate(2)`.
    case truncate(fd: Int32, length: Int64)
    /// `socket(2)`. Drivers add `SOCK_CLOEXEC` (and `SOCK_NONBLOCK` where they need it).
    /// Completes with a new descriptor, owned by the completion.
    case socket(domain: Int32, type: Int32, protocol: Int32)
    /// `bind(2)`.
    case bind(fd: Int32, address: SocketAddressBuffer)
    /// `listen(2)`.
    case listen(fd: Int32, backlog: Int32)
    /// `accept4(2)`. Completes with a new descriptor, owned by the completion; the
    /// peer's address lands in `peer` when one is given.
    case accept(fd: Int32, peer: SocketAddressBuffer?)
    /// `connect(2)`.
    case connect(fd: Int32, address: SocketAddressBuffer)
    /// `send(2)`.
    case send(fd: Int32, buffer: OpBuffer, flags: Int32)
    /// `recv(2)`.
    case recv(fd: Int32, buffer: OpBuffer, flags: Int32)
    /// `sendto(2)`.
    case sendTo(fd: Int32, buffer: OpBuffer, flags: Int32, address: SocketAddressBuffer)
    /// `recvfrom(2)`; the sender's address lands in `address`.
    case recvFrom(fd: Int32, buffer: OpBuffer, flags: Int32, address: SocketAddressBuffer)
    /// `sendmsg(2)` with optional destination and ancillary data.
    case sendMessage(fd: Int32, message: MessageBuffer, flags: Int32)
    /// `recvmsg(2)` with optional source address and ancillary data.
    case recvMessage(fd: Int32, message: MessageBuffer, flags: Int32)
    /// `shutdown(2)`; `how` is `SHUT_RD`, `SHUT_WR` or `SHUT_RDWR`.
    case shutdown(fd: Int32, how: Int32)
    /// `getsockopt(2)`: reads option `name` at `level` into `value`; completes
    /// with the option's length.
    case getSocketOption(fd: Int32, level: Int32, name: Int32, value: OpBuffer)
    /// `setsockopt(2)`: sets option `name` at `level` to the bytes of `value`.
    case setSocketOption(fd: Int32, level: Int32, name: Int32, value: OpBuffer)
    /// `getsockname(2)`, or `getpeername(2)` when `peer` is true, into `into`.
    case socketAddress(fd: Int32, into: SocketAddressBuffer, peer: Bool)
    /// Waits until `fd` is ready for `events` (`POLLIN`, `POLLOUT`, …) and completes
    /// with the ready events. The bridge for descriptors owned by other libraries.
    case pollOnce(fd: Int32, events: UInt32)
    /// Runs a closure on the thread pool and completes with what it returns.
    case asyncify(BlockingWork)
}

extension Op {
    /// How many values ``kindIndex`` takes.
    public static let kindCount = 37

    /// A distinct number per case, in `0..<kindCount`, for tables indexed by
    /// op kind. The data-path kinds (reads, writes, sends, receives, accept,
    /// connect) come first, at 0 to 16.
    public var kindIndex: Int {
        switch self {
        case .nop: 0
        case .read: 1
        case .readAt: 2
        case .write: 3
        case .writeAt: 4
        case .readVectored: 5
        case .readVectoredAt: 6
        case .writeVectored: 7
        case .writeVectoredAt: 8
        case .send: 9
        case .recv: 10
        case .sendTo: 11
        case .recvFrom: 12
        case .sendMessage: 13
        case .recvMessage: 14
        case .accept: 15
        case .connect: 16
        case .sync: 17
        case .openAt: 18
        case .close: 19
        case .metadata: 20
        case .metadataAt: 21
        case .unlinkAt: 22
        case .makeDirectoryAt: 23
        case .renameAt: 24
        case .symlinkAt: 25
        case .linkAt: 26
        case .truncate: 27
        case .socket: 28
        case .bind: 29
        case .listen: 30
        case .shutdown: 31
        case .getSocketOption: 32
        case .setSocketOption: 33
        case .socketAddress: 34
        case .pollOnce: 35
        case .asyncify: 36
        }
    }
}

extension Op {
    /// A short, stable name for traces and error messages.
    public var name: String {
        switch self {
        case .nop: "nop"
        case .read: "read"
        case .readAt: "readAt"
        case .write: "write"
        case .writeAt: "writeAt"
        case .readVectored: "readVectored"
        case .readVectoredAt: "readVectoredAt"
        case .writeVectored: "writeVectored"
        case .writeVectoredAt: "writeVectoredAt"
        case .sync(_, let dataOnly): dataOnly ? "fdatasync" : "fsync"
        case .openAt: "openAt"
        case .close: "close"
        case .metadata: "metadata"
        case .metadataAt: "metadataAt"
        case .unlinkAt: "unlinkAt"
        case .makeDirectoryAt: "makeDirectoryAt"
        case .renameAt: "renameAt"
        case .symlinkAt: "symlinkAt"
        case .linkAt: "linkAt"
        case .truncate: "truncate"
        case .socket: "socket"
        case .bind: "bind"
        case .listen: "listen"
        case .accept: "accept"
        case .connect: "connect"
        case .send: "send"
        case .recv: "recv"
        case .sendTo: "sendTo"
        case .recvFrom: "recvFrom"
        case .sendMessage: "sendMessage"
        case .recvMessage: "recvMessage"
        case .shutdown: "shutdown"
        case .getSocketOption: "getSocketOption"
        case .setSocketOption: "setSocketOption"
        case .socketAddress(_, _, let peer): peer ? "peerAddress" : "localAddress"
        case .pollOnce: "pollOnce"
        case .asyncify: "asyncify"
        }
    }

    /// Whether the op never blocks, so a kernel driver runs it inside
    /// ``Driver/push(_:)`` and returns it ready: socket options and addresses.
    public var completesInline: Bool {
        switch self {
        case .getSocketOption, .setSocketOption, .socketAddress: true
        default: false
        }
    }

    /// Whether the op receives from a socket (`recv`, `recvFrom`,
    /// `recvMessage`). Pushed the ordinary way (not eagerly), such an op is one
    /// the runtime expects to wait, and the kernel drivers arm readiness before
    /// the first attempt instead of trying and getting `EAGAIN`.
    public var isSocketReceive: Bool {
        switch self {
        case .recv, .recvFrom, .recvMessage: true
        default: false
        }
    }

    /// Whether a successful completion of this op carries a new descriptor.
    public var producesDescriptor: Bool {
        switch self {
        case .openAt, .accept, .socket: true
        default: false
        }
    }

    /// The descriptor the op works on, if it works on one.
    public var descriptor: Int32? {
        switch self {
        case .nop, .asyncify, .socket: nil
        case .read(let fd, _), .readAt(let fd, _, _), .write(let fd, _), .writeAt(let fd, _, _),
            .readVectored(let fd, _), .readVectoredAt(let fd, _, _), .writeVectored(let fd, _),
            .writeVectoredAt(let fd, _, _), .sync(let fd, _), .close(let fd), .metadata(let fd, _),
            .truncate(let fd, _), .bind(let fd, _), .listen(let fd, _), .accept(let fd, _),
            .connect(let fd, _), .send(let fd, _, _), .recv(let fd, _, _), .sendTo(let fd, _, _, _),
            .recvFrom(let fd, _, _, _), .sendMessage(let fd, _, _), .recvMessage(let fd, _, _),
            .shutdown(let fd, _), .pollOnce(let fd, _), .getSocketOption(let fd, _, _, _),
            .setSocketOption(let fd, _, _, _), .socketAddress(let fd, _, _):
            fd
        case .openAt(let dir, _, _, _), .metadataAt(let dir, _, _, _), .unlinkAt(let dir, _, _),
            .makeDirectoryAt(let dir, _, _), .symlinkAt(_, let dir, _):
            dir
        case .renameAt(let dir, _, _, _), .linkAt(let dir, _, _, _):
            dir
        }
    }
}
