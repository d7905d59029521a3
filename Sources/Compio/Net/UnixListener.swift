import CLinux
import Glibc

/// A Unix-domain stream socket listening on a path.
///
/// Binding creates the socket file; it stays after the listener closes, and a
/// path that already exists fails with `EADDRINUSE`. Removing a stale socket
/// file (before binding or after closing) is the caller's business: only the
/// caller knows whether the file is really stale.
public struct UnixListener: ListenerSocket {
    /// The listening socket.
    public let socket: Socket

    /// Creates a socket, binds it to `path` and listens with `backlog`.
    public static func bind(path: String, backlog: Int32 = 1024) async throws(IOError) -> UnixListener {
        let address = try SocketAddress.unix(path: path)
        return UnixListener(socket: try await Socket.bound(to: address, type: CLINUX_SOCK_STREAM, listening: backlog))
    }

    /// Waits for the next connection; returns it with the client's address
    /// (usually unnamed: an empty path).
    public func accept() async throws(IOError) -> (UnixStream, SocketAddress) {
        let (socket, peer) = try await socket.accept()
        return (UnixStream(socket: socket), peer)
    }
}
