import Glibc

/// The descriptor under every socket type (``TcpStream``, ``TcpListener``,
/// ``UdpSocket``, ``UnixStream``, ``UnixListener``).
///
/// A struct over a ``SharedDescriptor``: copying it clones the socket, and the
/// clones share one descriptor (closed once, by ``close()`` or when the last
/// clone goes away). Every call expresses itself as an ``Op`` run by the
/// current runtime's driver, so the same code runs on io_uring, epoll and the
/// simulator.
public struct Socket: SocketHandle, CustomStringConvertible {
    /// The shared descriptor, for ops this API does not wrap.
    public let descriptor: SharedDescriptor

    /// The socket itself (``SocketHandle`` conformance).
    public var socket: Socket { self }

    init(descriptor: SharedDescriptor) {
        self.descriptor = descriptor
    }

    /// Creates a socket through the driver (`SOCK_CLOEXEC` is always added).
    static func create(domain: Int32, type: Int32, protocol proto: Int32 = 0) async throws(IOError) -> Socket {
        guard let runtime = Runtime.current else { throw .noRuntime }
        var completion = await runtime.submit(.socket(domain: domain, type: type, protocol: proto))
        if case .failure(let error) = completion.result { throw error }
        guard let owned = completion.descriptor.take() else {
            preconditionFailure("Socket: socket op succeeded without a descriptor")
        }
        return Socket(descriptor: SharedDescriptor(owned, closer: runtime.descriptorCloser))
    }

    /// A stream or datagram socket of `address`'s family, or a typed error.
    static func create(for address: SocketAddress, type: Int32) async throws(IOError) -> Socket {
        try await create(domain: address.family, type: type)
    }

    /// A new socket of `address`'s family, configured by `prepare`, bound to
    /// `address`, and listening when a `backlog` is given. On failure the
    /// socket is dropped, which closes it.
    static func bound(
        to address: SocketAddress, type: Int32, listening backlog: Int32? = nil,
        prepare: (Socket) async throws(IOError) -> Void = { _ in }
    ) async throws(IOError) -> Socket {
        let socket = try await create(for: address, type: type)
        try await prepare(socket)
        try await socket.bind(address)
        if let backlog { try await socket.listen(backlog: backlog) }
        return socket
    }

    /// Runs an op that moves no buffer, throwing its error.
    @discardableResult
    func run(_ makeOp: (Int32) -> Op) async throws(IOError) -> Int {
        try await descriptor.submit(makeOp).get()
    }

    /// `bind(2)`.
    func bind(_ address: SocketAddress) async throws(IOError) {
        let buffer = address.opBuffer()
        try await run { .bind(fd: $0, address: buffer) }
    }

    /// `listen(2)`.
    func listen(backlog: Int32) async throws(IOError) {
        guard backlog >= 0 else { throw .invalidArgument("negative listen backlog \(backlog)") }
        try await run { .listen(fd: $0, backlog: backlog) }
    }

    /// `connect(2)`; cancelling the task abandons the attempt.
    func connect(_ address: SocketAddress) async throws(IOError) {
        let buffer = address.opBuffer()
        try await run { .connect(fd: $0, address: buffer) }
    }

    /// `accept4(2)`: the new connection's socket and the peer's address.
    ///
    /// A connection accepted after the task was cancelled is closed by its
    /// completion, not leaked (``OwnedDescriptor``).
    func accept() async throws(IOError) -> (Socket, SocketAddress) {
        guard let runtime = Runtime.current else { throw .noRuntime }
        let peer = SocketAddressBuffer()
        var completion = await descriptor.submit(on: runtime) { .accept(fd: $0, peer: peer) }
        if case .failure(let error) = completion.result { throw error }
        guard let owned = completion.descriptor.take() else {
            preconditionFailure("Socket: accept succeeded without a descriptor")
        }
        let socket = Socket(descriptor: SharedDescriptor(owned, closer: runtime.descriptorCloser))
        return (socket, try SocketAddress(peer))
    }

    /// `getsockname(2)`, or `getpeername(2)` when `peer` is true.
    func address(peer: Bool) async throws(IOError) -> SocketAddress {
        let buffer = SocketAddressBuffer()
        try await run { .socketAddress(fd: $0, into: buffer, peer: peer) }
        return try SocketAddress(buffer)
    }

    /// `shutdown(2)`.
    func shutdown(_ how: ShutdownDirection) async throws(IOError) {
        try await run { .shutdown(fd: $0, how: how.rawValue) }
    }

    /// `socket fd N`.
    public var description: String { "socket \(descriptor)" }
}

/// Which direction of a connection ``TcpStream/shutdown(_:)`` ends.
public enum ShutdownDirection: Int32, Sendable {
    /// No more reads (`SHUT_RD`).
    case read = 0
    /// No more writes; the peer reads end of stream (`SHUT_WR`).
    case write = 1
    /// Both (`SHUT_RDWR`).
    case both = 2
}
