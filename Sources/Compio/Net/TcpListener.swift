import CLinux
import Glibc

/// A TCP socket listening for connections.
///
/// ```swift
/// let listener = try await TcpListener.bind(.loopback(port: 0))
/// for try await stream in listener.incoming {
///     Runtime.current!.spawn { await serve(stream) }
/// }
/// ```
/// A struct over a shared descriptor: copies share the socket.
public struct TcpListener: ListenerSocket {
    /// The listening socket.
    public let socket: Socket

    /// Creates a socket of `address`'s family, sets `SO_REUSEADDR` (and
    /// `SO_REUSEPORT` when asked), binds it to `address` and listens with
    /// `backlog`. Port 0 picks a free port: read it from ``SocketHandle/localAddress``.
    public static func bind(
        _ address: SocketAddress, backlog: Int32 = 1024, reuseAddress: Bool = true, reusePort: Bool = false
    ) async throws(IOError) -> TcpListener {
        guard address.port != nil else { throw .invalidArgument("TcpListener needs an IP address, got \(address)") }
        let socket = try await Socket.bound(to: address, type: CLINUX_SOCK_STREAM, listening: backlog) {
            (socket) async throws(IOError) in
            if reuseAddress { try await socket.setOption(.reuseAddress, to: true) }
            if reusePort { try await socket.setOption(.reusePort, to: true) }
        }
        return TcpListener(socket: socket)
    }

    /// Waits for the next connection; returns it with the client's address.
    ///
    /// Cancelling the task cancels the accept; a connection that arrives in
    /// the race is closed, not leaked.
    public func accept() async throws(IOError) -> (TcpStream, SocketAddress) {
        let (socket, peer) = try await socket.accept()
        return (TcpStream(socket: socket), peer)
    }
}
