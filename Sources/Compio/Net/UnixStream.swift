import CLinux
import Glibc

/// A Unix-domain stream connection; the same reads and writes as ``TcpStream``
/// (``StreamSocket``). Copies share the connection.
public struct UnixStream: StreamSocket {
    /// The connected socket.
    public let socket: Socket

    init(socket: Socket) {
        self.socket = socket
    }

    /// Connects to the socket listening at `path`.
    public static func connect(path: String) async throws(IOError) -> UnixStream {
        let address = try SocketAddress.unix(path: path)
        let stream = UnixStream(socket: try await Socket.create(for: address, type: CLINUX_SOCK_STREAM))
        try await stream.socket.connect(address)
        return stream
    }
}
