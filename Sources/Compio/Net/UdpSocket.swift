import CLinux
import Glibc

/// A UDP socket: datagrams to and from any address, or, after ``connect(to:)``,
/// to and from one peer.
///
/// Each receive takes one datagram into the buffer's start; a datagram larger
/// than the buffer is cut to fit (the rest is lost, as with `recv(2)`).
/// Copies share the socket.
public struct UdpSocket: SocketHandle {
    /// The datagram socket.
    public let socket: Socket

    /// Creates a socket of `address`'s family bound to `address` (port 0 picks
    /// a free port; read it from ``SocketHandle/localAddress``).
    public static func bind(_ address: SocketAddress, reuseAddress: Bool = false) async throws(IOError) -> UdpSocket {
        guard address.port != nil else { throw .invalidArgument("UdpSocket needs an IP address, got \(address)") }
        let socket = try await Socket.bound(to: address, type: CLINUX_SOCK_DGRAM) { (socket) async throws(IOError) in
            if reuseAddress { try await socket.setOption(.reuseAddress, to: true) }
        }
        return UdpSocket(socket: socket)
    }

    /// Sets the default peer: ``send(_:)`` goes there, and only its datagrams
    /// are received.
    public func connect(to address: SocketAddress) async throws(IOError) {
        try await socket.connect(address)
    }

    /// Sends the buffer's data as one datagram to the connected peer.
    public func send<B: IoBuf & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        await socket.descriptor.submitWrite(buffer) { .send(fd: $0, buffer: $1, flags: CLINUX_MSG_NOSIGNAL) }
    }

    /// Receives one datagram into the buffer's start.
    public func receive<B: IoBufMut & ~Copyable>(_ buffer: consuming B) async -> BufResult<Int, B> {
        await socket.descriptor.submitRead(buffer) { .recv(fd: $0, buffer: $1, flags: 0) }
    }

    /// Sends the buffer's data as one datagram to `address`.
    public func send<B: IoBuf & ~Copyable>(_ buffer: consuming B, to address: SocketAddress) async -> BufResult<Int, B> {
        let destination = address.opBuffer()
        return await socket.descriptor.submitWrite(buffer) {
            .sendTo(fd: $0, buffer: $1, flags: CLINUX_MSG_NOSIGNAL, address: destination)
        }
    }

    /// Receives one datagram into the buffer's start; returns its size and sender.
    public func receiveFrom<B: IoBufMut & ~Copyable>(
        _ buffer: consuming B
    ) async -> BufResult<(count: Int, sender: SocketAddress), B> {
        let source = SocketAddressBuffer()
        let received = await socket.descriptor.submitRead(buffer) {
            .recvFrom(fd: $0, buffer: $1, flags: 0, address: source)
        }
        let count = received.result
        let buffer = received.buffer
        let result = count.flatMap { n -> Result<(count: Int, sender: SocketAddress), IOError> in
            Result { () throws(IOError) in (n, try SocketAddress(source)) }
        }
        return BufResult(result, buffer)
    }
}
