import CLinux
import Glibc

extension SocketAddress {
    /// The addresses of `host` with `port`, in the resolver's order of preference.
    ///
    /// A numeric IPv4 or IPv6 host is parsed at once. A name is looked up with
    /// `getaddrinfo(3)` on the runtime's thread pool, so the runtime's thread
    /// never blocks on DNS; the lookup itself cannot be cancelled once started.
    /// No address-configuration filter is applied, so `localhost` resolves on
    /// a machine whose only interface is loopback.
    ///
    /// Failures: `EAGAIN` for a temporary resolver failure, the system's errno
    /// for `EAI_SYSTEM`, and ``IOError/invalidArgument(_:)`` carrying the
    /// resolver's message for an unknown name (or any other `EAI_*` error).
    public static func resolve(host: String, port: UInt16) async throws(IOError) -> [SocketAddress] {
        if let numeric = try? SocketAddress(host: host, port: port) { return [numeric] }
        if host.utf8.contains(0) { throw .pathContainsNul }
        guard let runtime = Runtime.current else { throw .noRuntime }
        return try await runtime.spawnBlocking { Resolver.lookUp(host: host, port: port) }.get()
    }
}

/// `getaddrinfo(3)` wrapped for the thread pool.
enum Resolver {
    /// Looks `host` up for stream sockets and gives each distinct address once.
    static func lookUp(host: String, port: UInt16) -> Result<[SocketAddress], IOError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = CLINUX_SOCK_STREAM
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else { return .failure(error(status, host: host)) }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var entry = list
        while let info = entry {
            if let raw = info.pointee.ai_addr,
               let address = try? SocketAddress(raw: UnsafeRawPointer(raw), length: Int(info.pointee.ai_addrlen)),
               !addresses.contains(address) {
                addresses.append(address)
            }
            entry = info.pointee.ai_next
        }
        if addresses.isEmpty { return .failure(.invalidArgument("no address for host \"\(host)\"")) }
        return .success(addresses)
    }

    /// The ``IOError`` for a `getaddrinfo` status.
    static func error(_ status: Int32, host: String) -> IOError {
        switch status {
        case EAI_AGAIN: return .errno(.resourceTemporarilyUnavailable)
        case EAI_MEMORY: return .errno(.noMemory)
        case EAI_SYSTEM: return .code(errno)
        default: return .invalidArgument("cannot resolve host \"\(host)\": \(String(cString: gai_strerror(status)))")
        }
    }
}
