import CLinux
import Glibc

/// A TCP connection.
///
/// Reads and writes take an owned buffer and hand it back with the result
/// (``StreamSocket``). A struct over a shared descriptor: a copy is a clone
/// sharing the connection, so one task may read while another writes.
public struct TcpStream: StreamSocket {
    /// The connected socket.
    public let socket: Socket

    init(socket: Socket) {
        self.socket = socket
    }

    /// Connects to `address`. Cancelling the task abandons the attempt.
    public static func connect(to address: SocketAddress) async throws(IOError) -> TcpStream {
        guard address.port != nil else { throw .invalidArgument("TcpStream needs an IP address, got \(address)") }
        let stream = TcpStream(socket: try await Socket.create(for: address, type: CLINUX_SOCK_STREAM))
        try await stream.socket.connect(address)
        return stream
    }

    /// Resolves `host` (without blocking the runtime's thread) and connects to
    /// its addresses in the order the resolver gives, returning the first
    /// connection made or, when none is, the last error.
    public static func connect(host: String, port: UInt16) async throws(IOError) -> TcpStream {
        let addresses = try await SocketAddress.resolve(host: host, port: port)
        var lastError = IOError.invalidArgument("no address for \(host)")
        for address in addresses {
            do {
                return try await connect(to: address)
            } catch {
                if error.isCancelled { throw error }
                lastError = error
            }
        }
        throw lastError
    }

    /// Turns Nagle's algorithm off (`true`) or on: `TCP_NODELAY`.
    public func setNoDelay(_ on: Bool) async throws(IOError) {
        try await setOption(.noDelay, to: on)
    }

    /// Whether `TCP_NODELAY` is set.
    public var noDelay: Bool {
        get async throws(IOError) { try await option(.noDelay) }
    }
}
